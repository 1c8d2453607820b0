"""Onboarding links as values: tokens, secrets, expiry, revocation and URLs."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcclink.domain import CustomerId
from mcclink.errors import InputError
from mcclink.onboarding import (
    DEFAULT_EXPIRY,
    MAX_EXPIRY,
    OnboardingEvent,
    OnboardingLink,
    OnboardingState,
    link_url,
    new_link,
    parse_token,
    secret_matches,
)

MCC = CustomerId.parse("100-000-0001")
CLIENT = CustomerId.parse("200-000-0001")
NOON = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def a_link(**changes: Any) -> tuple[OnboardingLink, str]:
    link, token = new_link(MCC, CLIENT, DEFAULT_EXPIRY, "cli:ana", now=NOON)
    return replace(link, **changes), token


def test_a_new_link_expires_after_its_lifetime_and_counts_nothing_yet() -> None:
    link, _ = new_link(MCC, None, timedelta(hours=12), "web", now=NOON)

    assert (link.mcc_customer_id, link.customer_id, link.created_by) == (MCC, None, "web")
    assert (link.created_at, link.expires_at) == (NOON, NOON + timedelta(hours=12))
    assert (link.revoked_at, link.opened, link.signed_in, link.accepted) == (None, 0, 0, 0)
    assert timedelta(days=14) == DEFAULT_EXPIRY


def test_the_token_is_the_public_id_and_a_256_bit_secret() -> None:
    link, token = a_link()

    link_id, secret = parse_token(token)

    assert link_id == link.id
    assert len(link_id) == 16
    assert len(secret) == 43  # 32 random bytes, URL-safe base64
    assert token == f"{link_id}.{secret}"
    assert all(c.isascii() and (c.isalnum() or c in "-_") for c in link_id + secret)


def test_the_store_keeps_the_secrets_sha256_never_the_secret() -> None:
    link, token = a_link()
    _, secret = parse_token(token)

    assert link.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(link)


def test_every_link_has_its_own_id_and_secret() -> None:
    tokens = [parse_token(a_link()[1]) for _ in range(200)]

    assert len({link_id for link_id, _ in tokens}) == len({s for _, s in tokens}) == 200


def test_only_the_links_own_secret_matches() -> None:
    link, token = a_link()
    _, secret = parse_token(token)
    _, other = parse_token(a_link()[1])

    assert secret_matches(link, secret)
    assert not secret_matches(link, other)
    assert not secret_matches(link, secret[:-1])
    assert not secret_matches(link, "")


def test_secrets_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    link, token = a_link()
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)

    assert secret_matches(link, parse_token(token)[1])
    assert [known for _, known in compared] == [link.secret_hash]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "no-dot-at-all",
        "short.secret",
        "A" * 16 + "." + "B" * 42,
        "A" * 16 + "." + "B" * 44,
        "A" * 15 + "." + "B" * 43,
        "A" * 16 + "." + "B" * 42 + "=",
        "A" * 16 + "." + "B" * 42 + "/",
        "A" * 16 + "." + "B" * 42 + "é",
        "A" * 16 + ".." + "B" * 43,
        "A" * 16 + "." + "B" * 43 + ".x",
    ],
)
def test_a_malformed_token_is_refused_without_repeating_it(bad: str) -> None:
    with pytest.raises(InputError, match="malformed onboarding link") as caught:
        parse_token(bad)

    assert not bad or bad not in str(caught.value)


def test_a_token_with_blanks_around_is_read() -> None:
    link, token = a_link()

    assert parse_token(f"  {token}\n")[0] == link.id


def test_a_link_is_active_until_it_expires() -> None:
    link, _ = a_link()

    assert link.state(NOON) is OnboardingState.ACTIVE
    assert link.is_usable(NOON)
    assert link.is_usable(link.expires_at - timedelta(microseconds=1))
    assert link.state(link.expires_at) == "expired"
    assert not link.is_usable(link.expires_at)


def test_a_revoked_link_is_revoked_even_once_expired() -> None:
    link, _ = a_link(revoked_at=NOON + timedelta(hours=1))

    assert link.state(NOON) is OnboardingState.REVOKED
    assert link.state(link.expires_at + timedelta(days=1)) == "revoked"
    assert not link.is_usable(NOON)


def test_a_link_without_a_moment_is_judged_now() -> None:
    fresh, _ = new_link(MCC, CLIENT, timedelta(minutes=5), "web")
    old, _ = new_link(MCC, CLIENT, timedelta(minutes=5), "web", now=NOON)

    assert fresh.is_usable()
    assert not old.is_usable()


@pytest.mark.parametrize("lifetime", [timedelta(0), timedelta(seconds=-1), MAX_EXPIRY * 2])
def test_a_lifetime_outside_the_bounds_is_refused(lifetime: timedelta) -> None:
    with pytest.raises(InputError, match=f"within {MAX_EXPIRY.days} days"):
        new_link(MCC, CLIENT, lifetime, "web")


def test_the_longest_lifetime_is_allowed() -> None:
    link, _ = new_link(MCC, CLIENT, MAX_EXPIRY, "web", now=NOON)

    assert link.expires_at == NOON + MAX_EXPIRY


def test_a_link_that_expires_before_it_was_made_is_refused() -> None:
    link, _ = a_link()

    with pytest.raises(InputError, match="expire before it was made"):
        replace(link, expires_at=link.created_at)


def test_a_link_for_the_mcc_itself_is_refused() -> None:
    with pytest.raises(InputError, match="MCC itself"):
        new_link(MCC, MCC, DEFAULT_EXPIRY, "web")


def test_counts_are_read_by_event() -> None:
    link, _ = a_link(opened=3, signed_in=2, accepted=1)

    assert [link.count(event) for event in OnboardingEvent] == [3, 2, 1]


@pytest.mark.parametrize(
    "public_url", ["https://mcc.example.com", "https://mcc.example.com/", "http://127.0.0.1:8080"]
)
def test_the_url_is_the_token_under_the_public_url(public_url: str) -> None:
    url = link_url(public_url, "abc.def")

    assert url == public_url.rstrip("/") + "/onboard/abc.def"


def test_the_url_under_a_path_keeps_the_path() -> None:
    assert link_url("https://example.com/mcc/", "t.s") == "https://example.com/mcc/onboard/t.s"


def test_a_link_id_never_starts_with_a_dash_so_it_can_be_a_command_argument(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn = iter(["-startsWithDash0", "plainIdentifier0", "s" * 43])
    monkeypatch.setattr("mcclink.onboarding.secrets.token_urlsafe", lambda n: next(drawn))

    link, _ = new_link(MCC, CLIENT, DEFAULT_EXPIRY, "cli:ana", now=NOON)

    assert link.id == "plainIdentifier0"
