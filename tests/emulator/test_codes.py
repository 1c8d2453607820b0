"""Authorization codes and PKCE, as rules (no HTTP): RFC 6749 section 4.1, RFC 7636."""

from __future__ import annotations

import pytest

from mcclink.emulator.codes import (
    CODE_TTL_S,
    AuthorizationCodes,
    CodeReplayed,
    CodeRequest,
    check_challenge,
    s256,
)
from mcclink.emulator.grants import Grant, OAuthError
from tests.fixtures.clock import Clock

# RFC 7636 appendix B: the worked S256 example.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
REDIRECT = "http://127.0.0.1:8765/callback"
GRANT = Grant("ana@padaria.com.br", "app", frozenset({"openid"}))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def codes(clock: Clock) -> AuthorizationCodes:
    return AuthorizationCodes(clock=clock)


def issue(
    codes: AuthorizationCodes, challenge: str | None = CHALLENGE, method: str = "S256"
) -> str:
    return codes.issue(CodeRequest(GRANT, REDIRECT, challenge=challenge, challenge_method=method))


def refusal(codes: AuthorizationCodes, code: str, **changes: str | None) -> str:
    """The OAuth error name of redeeming ``code`` with these changes to a good request."""
    request: dict[str, str | None] = {
        "client_id": "app",
        "redirect_uri": REDIRECT,
        "verifier": VERIFIER,
        **changes,
    }
    with pytest.raises(OAuthError) as caught:
        codes.redeem(
            code, str(request["client_id"]), str(request["redirect_uri"]), request["verifier"]
        )
    return f"{caught.value.error}: {caught.value.description}"


def test_s256_matches_rfc_7636_appendix_b() -> None:
    assert s256(VERIFIER) == CHALLENGE


def test_a_code_redeems_once_with_the_right_verifier(codes: AuthorizationCodes) -> None:
    code = issue(codes)

    assert codes.redeem(code, "app", REDIRECT, VERIFIER).grant == GRANT


def test_plain_challenge_is_the_verifier_itself(codes: AuthorizationCodes) -> None:
    code = issue(codes, challenge=VERIFIER, method="plain")

    assert codes.redeem(code, "app", REDIRECT, VERIFIER).grant == GRANT


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"verifier": "x" * 43}, "does not match"),
        ({"verifier": None}, "code_verifier is missing"),
        ({"verifier": "short"}, "malformed"),
        ({"client_id": "other-app"}, "another client"),
        ({"redirect_uri": "http://127.0.0.1:8765/other"}, "redirect_uri differs"),
    ],
)
def test_a_redemption_that_breaks_a_rule_is_invalid_grant(
    codes: AuthorizationCodes, changes: dict[str, str | None], expected: str
) -> None:
    message = refusal(codes, issue(codes), **changes)

    assert message.startswith("invalid_grant")
    assert expected in message


def test_a_verifier_for_a_code_without_challenge_is_refused(codes: AuthorizationCodes) -> None:
    # RFC 9700 section 2.1.1: against a PKCE downgrade.
    code = issue(codes, challenge=None)

    assert "without a challenge" in refusal(codes, code)
    assert codes.redeem(code, "app", REDIRECT, None).grant == GRANT


def test_a_code_expires_after_ten_minutes(codes: AuthorizationCodes, clock: Clock) -> None:
    code = issue(codes)
    clock.now += CODE_TTL_S

    assert "invalid or expired" in refusal(codes, code)


def test_a_replayed_code_names_the_tokens_to_revoke(codes: AuthorizationCodes) -> None:
    code = issue(codes)
    codes.redeem(code, "app", REDIRECT, VERIFIER)
    codes.record_tokens(code, ["ya29.one", "1//refresh"])

    with pytest.raises(CodeReplayed) as caught:
        codes.redeem(code, "app", REDIRECT, VERIFIER)

    assert caught.value.error == "invalid_grant"
    assert caught.value.tokens == ["ya29.one", "1//refresh"]


def test_a_failed_redemption_does_not_spend_the_code(codes: AuthorizationCodes) -> None:
    code = issue(codes)
    refusal(codes, code, verifier="y" * 43)

    assert codes.redeem(code, "app", REDIRECT, VERIFIER).grant == GRANT


@pytest.mark.parametrize(
    ("challenge", "method"),
    [(CHALLENGE, "S512"), ("too-short", "S256"), (CHALLENGE + "!", "S256"), ("a" * 129, "plain")],
)
def test_malformed_challenges_are_invalid_requests(challenge: str, method: str) -> None:
    with pytest.raises(OAuthError) as caught:
        check_challenge(challenge, method)

    assert caught.value.error == "invalid_request"
