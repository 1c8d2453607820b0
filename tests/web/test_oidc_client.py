"""The OpenID Connect relying party against the emulator's sign-in, over real HTTP."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mcclink.config import Secret
from mcclink.emulator import CLIENT_ID, CLIENT_SECRET, Emulator
from mcclink.web.oidc_client import (
    ADWORDS_SCOPE,
    FLOW_TTL,
    MAX_ANSWER_BYTES,
    Failure,
    OidcClient,
    SignInFailed,
)
from tests.emulator.signin_flow import ANA, ANA_EMAIL, http, post_json
from tests.fixtures.clock import Clock
from tests.fixtures.signin import consent

REDIRECT = "http://127.0.0.1:8765/onboard/callback"
BROWSER = "browser-cookie-1"


@pytest.fixture
def provider(fresh_emulator: Emulator) -> Emulator:
    """The emulator with Ana, an admin of 111-222-3333."""
    assert post_json(fresh_emulator, "/_emulator/users", ANA).status == 200
    return fresh_emulator


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def oidc(provider: Emulator, clock: Clock) -> OidcClient:
    return OidcClient(provider.admin_url, CLIENT_ID, Secret(CLIENT_SECRET), REDIRECT, clock=clock)


def _reason(oidc: OidcClient, query: dict[str, str], browser: str = BROWSER) -> SignInFailed:
    with pytest.raises(SignInFailed) as failed:
        oidc.finish(query, browser)
    return failed.value


def test_a_sign_in_gives_the_verified_email_and_a_working_access_token(
    oidc: OidcClient, provider: Emulator
) -> None:
    url = oidc.begin("link-7", BROWSER)

    signed_in = oidc.finish(consent(url, ANA_EMAIL), BROWSER)

    assert (signed_in.context, signed_in.email) == ("link-7", ANA_EMAIL)
    userinfo = http(
        f"{provider.admin_url}/userinfo",
        headers={"Authorization": f"Bearer {signed_in.access_token.reveal()}"},
    )
    assert userinfo.json()["email"] == ANA_EMAIL
    assert signed_in.access_token.reveal() not in repr(signed_in)


def test_the_authorization_url_asks_for_online_access_with_pkce_s256_state_and_nonce(
    oidc: OidcClient, provider: Emulator
) -> None:
    url = urllib.parse.urlsplit(oidc.begin("link-7", BROWSER))
    query = dict(urllib.parse.parse_qsl(url.query))

    assert f"{url.scheme}://{url.netloc}{url.path}" == oidc.discovery().authorization_endpoint
    assert query["scope"].split() == ["openid", "email", ADWORDS_SCOPE]
    assert (query["code_challenge_method"], query["access_type"]) == ("S256", "online")
    assert (query["prompt"], query["redirect_uri"]) == ("select_account", REDIRECT)
    assert len(query["state"]) >= 43
    assert len(query["nonce"]) >= 43
    assert "code_verifier" not in query


def test_an_unknown_state_is_refused(oidc: OidcClient) -> None:
    query = consent(oidc.begin("link-7", BROWSER), ANA_EMAIL)

    failed = _reason(oidc, {**query, "state": "made-up"})

    assert (failed.reason, failed.context) == (Failure.STATE, None)


def test_a_flow_finished_in_another_browser_is_refused(oidc: OidcClient) -> None:
    query = consent(oidc.begin("link-7", BROWSER), ANA_EMAIL)

    assert _reason(oidc, query, browser="someone-else").reason is Failure.STATE


def test_a_callback_works_once(oidc: OidcClient) -> None:
    query = consent(oidc.begin("link-7", BROWSER), ANA_EMAIL)
    oidc.finish(query, BROWSER)

    assert _reason(oidc, query).reason is Failure.STATE


def test_a_code_replayed_into_another_flow_is_refused_by_the_provider(oidc: OidcClient) -> None:
    spent = consent(oidc.begin("link-7", BROWSER), ANA_EMAIL)
    oidc.finish(spent, BROWSER)
    other = consent(oidc.begin("link-8", BROWSER), ANA_EMAIL)

    failed = _reason(oidc, {**other, "code": spent["code"]})

    assert (failed.reason, failed.context) == (Failure.REFUSED, "link-8")


def test_an_id_token_with_another_nonce_is_refused(oidc: OidcClient) -> None:
    url = oidc.begin("link-7", BROWSER)
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    tampered = parts._replace(query=urllib.parse.urlencode({**query, "nonce": "injected"}))

    failed = _reason(oidc, consent(urllib.parse.urlunsplit(tampered), ANA_EMAIL))

    assert failed.reason is Failure.INVALID_TOKEN


def test_a_flow_expires_after_ten_minutes(oidc: OidcClient, clock: Clock) -> None:
    query = consent(oidc.begin("link-7", BROWSER), ANA_EMAIL)
    clock.now += FLOW_TTL.total_seconds() + 1

    assert _reason(oidc, query).reason is Failure.STATE


def test_declining_at_the_provider_is_access_denied(oidc: OidcClient) -> None:
    query = consent(oidc.begin("link-7", BROWSER), None, action="deny")

    failed = _reason(oidc, query)

    assert (failed.reason, failed.context) == (Failure.DENIED, "link-7")


def test_a_callback_without_a_code_is_refused(oidc: OidcClient) -> None:
    query = consent(oidc.begin("link-7", BROWSER), ANA_EMAIL)

    assert _reason(oidc, {"state": query["state"]}).reason is Failure.REFUSED


def test_an_unreachable_provider_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    oidc = OidcClient(closed, CLIENT_ID, Secret(CLIENT_SECRET), REDIRECT)

    with pytest.raises(SignInFailed) as failed:
        oidc.begin("link-7", BROWSER)

    assert (failed.value.reason, failed.value.context) == (Failure.UNAVAILABLE, "link-7")


class _Endless(BaseHTTPRequestHandler):
    """A provider whose discovery document is right but four times the cap (padded)."""

    def do_GET(self) -> None:
        here = f"http://127.0.0.1:{self.headers['Host'].rsplit(':', 1)[1]}"
        fields = {"issuer": here, "jwks_uri": f"{here}/jwks"}
        fields |= {"authorization_endpoint": f"{here}/a", "token_endpoint": f"{here}/t"}
        head = json.dumps(fields)[:-1].encode() + b', "padding": "'
        size = len(head) + 4 * MAX_ANSWER_BYTES + 2
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client stopped reading: the point
            self.wfile.write(head + b"x" * 4 * MAX_ANSWER_BYTES + b'"}')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def endless() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_provider_answer_over_the_cap_is_unavailable_not_read_whole(endless: str) -> None:
    oidc = OidcClient(endless, CLIENT_ID, Secret(CLIENT_SECRET), REDIRECT)

    with pytest.raises(SignInFailed) as failed:
        oidc.discovery()

    assert failed.value.reason is Failure.UNAVAILABLE


def test_a_discovery_document_of_another_issuer_is_not_trusted(provider: Emulator) -> None:
    impostor = provider.admin_url.replace("127.0.0.1", "localhost")
    oidc = OidcClient(impostor, CLIENT_ID, Secret(CLIENT_SECRET), REDIRECT)

    with pytest.raises(SignInFailed) as failed:
        oidc.discovery()

    assert failed.value.reason is Failure.UNAVAILABLE


def test_a_wrong_client_secret_is_logged_for_the_operator_without_the_secret(
    provider: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "not-the-client-secret-4242"
    oidc = OidcClient(provider.admin_url, CLIENT_ID, Secret(wrong), REDIRECT)
    query = consent(oidc.begin("link-7", BROWSER), ANA_EMAIL)

    with caplog.at_level(logging.DEBUG):
        failed = _reason(oidc, query)

    assert failed.reason is Failure.UNAVAILABLE
    assert "MCC_ONBOARDING_CLIENT_SECRET" in caplog.text
    assert wrong not in caplog.text
    assert query["code"] not in caplog.text


def test_nothing_secret_is_logged_on_a_sign_in(
    oidc: OidcClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        query = consent(oidc.begin("link-7", BROWSER), ANA_EMAIL)
        signed_in = oidc.finish(query, BROWSER)

    for secret in (signed_in.access_token.reveal(), query["code"], CLIENT_SECRET):
        assert secret not in caplog.text
