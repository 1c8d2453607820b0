"""Google sign-in over HTTP: client authentication, the authorization page, codes, OIDC."""

from __future__ import annotations

import os
import stat
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from google.auth.transport.requests import Request
from google.oauth2 import id_token
from google_auth_oauthlib.flow import Flow

from mcclink.emulator import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, Emulator, Scenario
from mcclink.emulator.oauth import MANAGER_EMAIL
from mcclink.emulator.oidc import KEY_FILE
from tests.emulator.signin_flow import (
    ADWORDS,
    ANA,
    ANA_EMAIL,
    BETO,
    BETO_EMAIL,
    REDIRECT,
    authorize_url,
    basic,
    exchange,
    http,
    post_json,
    sign_in,
    tokens_for,
    txn_of,
)

REFRESH = {"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN}


@pytest.fixture
def people(fresh_emulator: Emulator) -> Emulator:
    """The demo with Ana and Beto, added through the admin endpoint."""
    for user in (ANA, BETO):
        assert post_json(fresh_emulator, "/_emulator/users", user).status == 200
    return fresh_emulator


# -- client authentication at the token endpoint (RFC 6749 section 2.3.1) -------------------


def test_the_token_endpoint_accepts_http_basic_client_credentials(fresh_emulator: Emulator) -> None:
    answer = http(fresh_emulator.token_uri, REFRESH, basic())

    assert answer.status == 200
    assert answer.json()["token_type"] == "Bearer"
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("form", "headers", "status", "error"),
    [
        ({"client_secret": CLIENT_SECRET}, basic(), 400, "invalid_request"),
        ({"client_id": "someone-else"}, basic(), 400, "invalid_request"),
        ({}, basic(secret="wrong"), 401, "invalid_client"),
        ({}, {"Authorization": "Basic not-base64!"}, 401, "invalid_client"),
    ],
)
def test_client_credentials_sent_twice_or_wrong_are_refused(
    fresh_emulator: Emulator, form: dict[str, str], headers: dict[str, str], status: int, error: str
) -> None:
    answer = http(fresh_emulator.token_uri, {**REFRESH, **form}, headers)

    assert (answer.status, answer.json()["error"]) == (status, error)
    assert "wrong" not in answer.text
    if status == 401:  # section 5.2: the scheme the client tried
        assert answer.headers["WWW-Authenticate"].startswith("Basic")


# -- the authorization page ------------------------------------------------------------------


def test_the_page_offers_every_user_and_preselects_the_login_hint(people: Emulator) -> None:
    page = http(authorize_url(people, login_hint=BETO_EMAIL, prompt="select_account"))

    assert page.status == 200
    assert page.text.count('type="radio" name="email"') == 3  # the manager's user, Ana, Beto
    assert f'value="{BETO_EMAIL}" checked' in page.text
    assert 'value="allow"' in page.text
    assert 'value="deny"' in page.text
    assert "<script" not in page.text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_a_login_hint_without_select_account_skips_the_choice(people: Emulator) -> None:
    page = http(authorize_url(people, login_hint=ANA_EMAIL))

    assert page.text.count('type="radio" name="email"') == 1
    assert f'value="{ANA_EMAIL}" checked' in page.text


def test_what_the_page_echoes_is_escaped(people: Emulator) -> None:
    post_json(people, "/_emulator/users", {**BETO, "name": "<b onmouseover=x>Beto</b>"})

    page = http(authorize_url(people))

    assert "&lt;b onmouseover=x&gt;Beto&lt;/b&gt;" in page.text
    assert "<b onmouseover" not in page.text


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"client_id": "unknown.apps.local"}, "invalid_client"),
        ({"redirect_uri": "https://attacker.example/steal"}, "redirect_uri_mismatch"),
        ({"redirect_uri": "http://127.0.0.1:8765/cb#fragment"}, "redirect_uri_mismatch"),
    ],
)
def test_an_untrusted_client_or_redirect_is_answered_on_the_page(
    fresh_emulator: Emulator, params: dict[str, str], error: str
) -> None:
    page = http(authorize_url(fresh_emulator, **params))

    assert page.status == 400
    assert "Location" not in page.headers  # RFC 6749 section 4.1.2.1: never redirected
    assert error in page.text


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid https://mail.google.com/"}, "invalid_scope"),
        ({"code_challenge_method": "S512"}, "invalid_request"),
        ({"access_type": "forever"}, "invalid_request"),
        ({"prompt": "none"}, "login_required"),
    ],
)
def test_other_refusals_go_to_the_redirect_uri_with_the_state(
    fresh_emulator: Emulator, params: dict[str, str], error: str
) -> None:
    answer = http(authorize_url(fresh_emulator, **params))

    assert answer.redirect_query()["error"] == error
    assert answer.redirect_query()["state"] == "st-42"
    assert answer.headers["Location"].startswith(REDIRECT + "?")


def test_deny_sends_access_denied(people: Emulator) -> None:
    query = sign_in(people, None, action="deny").redirect_query()

    assert (query["error"], query["state"]) == ("access_denied", "st-42")
    assert "code" not in query


def test_allow_without_a_chosen_user_asks_again(people: Emulator) -> None:
    page = http(authorize_url(people, prompt="select_account"))
    txn = txn_of(page.text)

    again = http(f"{people.admin_url}/authorize", {"txn": txn, "action": "allow"})
    done = http(
        f"{people.admin_url}/authorize", {"txn": txn, "action": "allow", "email": ANA_EMAIL}
    )

    assert again.status == 400
    assert "Choose one of the accounts" in again.text
    assert done.redirect_query()["state"] == "st-42"


def test_a_forged_or_spent_form_is_refused(people: Emulator) -> None:
    page = http(authorize_url(people))
    form = {"txn": txn_of(page.text), "action": "allow", "email": ANA_EMAIL}
    assert http(f"{people.admin_url}/authorize", form).status == 302

    assert http(f"{people.admin_url}/authorize", form).status == 400
    assert http(f"{people.admin_url}/authorize", {**form, "txn": "forged"}).status == 400


# -- the code exchange -----------------------------------------------------------------------


def test_a_code_gives_tokens_for_the_user_who_signed_in(people: Emulator) -> None:
    answer = tokens_for(people, ANA_EMAIL, access_type="offline")

    assert set(answer) >= {"access_token", "refresh_token", "id_token", "expires_in"}
    assert set(answer["scope"].split()) == {"openid", "email", "profile", ADWORDS}
    userinfo = http(
        f"{people.admin_url}/userinfo",
        headers={"Authorization": f"Bearer {answer['access_token']}"},
    ).json()
    assert userinfo["email"] == ANA_EMAIL
    assert userinfo["hd"] == "padaria.com.br"


def test_a_code_works_once_and_its_replay_revokes_what_it_gave(people: Emulator) -> None:
    code = sign_in(people, ANA_EMAIL, access_type="offline").redirect_query()["code"]
    first = exchange(people, code).json()

    replay = exchange(people, code)
    refreshed = http(
        people.token_uri,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        basic(),
    )
    userinfo = http(
        f"{people.admin_url}/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"}
    )

    assert (replay.status, replay.json()["error"]) == (400, "invalid_grant")
    assert refreshed.json()["error"] == "invalid_grant"
    assert userinfo.status == 401
    assert 'error="invalid_token"' in userinfo.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_verifier": "w" * 50}, "invalid_grant"),
        ({"redirect_uri": "http://127.0.0.1:9999/callback"}, "invalid_grant"),
        ({"code": "4/emulator.made-up"}, "invalid_grant"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
    ],
)
def test_a_code_exchange_that_breaks_a_rule_is_refused(
    people: Emulator, overrides: dict[str, str], error: str
) -> None:
    code = sign_in(people, ANA_EMAIL).redirect_query()["code"]

    answer = exchange(people, code, **overrides)

    assert (answer.status, answer.json()["error"]) == (400, error)


def test_online_access_gets_no_refresh_token_and_offline_only_at_first_consent(
    people: Emulator,
) -> None:
    online = tokens_for(people, BETO_EMAIL)
    first = tokens_for(people, BETO_EMAIL, access_type="offline")
    second = tokens_for(people, BETO_EMAIL, access_type="offline")
    forced = tokens_for(people, BETO_EMAIL, access_type="offline", prompt="consent")

    assert "refresh_token" not in online
    assert "refresh_token" in first
    assert "refresh_token" not in second
    assert "refresh_token" in forced


def test_without_openid_there_is_no_id_token(people: Emulator) -> None:
    answer = tokens_for(people, ANA_EMAIL, scope=ADWORDS)

    assert "id_token" not in answer
    assert answer["scope"] == ADWORDS


def test_a_users_refresh_token_refreshes_for_that_user_only_with_its_client(
    people: Emulator,
) -> None:
    refresh = tokens_for(people, BETO_EMAIL, access_type="offline")["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh}

    renewed = http(people.token_uri, form, basic()).json()
    narrowed = http(people.token_uri, {**form, "scope": "openid email"}, basic()).json()
    widened = http(people.token_uri, {**form, "scope": "openid https://mail.google.com/"}, basic())

    claims = id_token.verify_token(
        renewed["id_token"], Request(), audience=CLIENT_ID, certs_url=f"{people.admin_url}/jwks"
    )
    assert claims["email"] == BETO_EMAIL
    assert narrowed["scope"] == "email openid"
    assert widened.json()["error"] == "invalid_scope"


# -- OpenID Connect --------------------------------------------------------------------------


def test_the_id_token_verifies_against_the_jwks_of_the_discovery_document(
    people: Emulator,
) -> None:
    discovery = http(f"{people.admin_url}/.well-known/openid-configuration").json()
    answer = tokens_for(people, ANA_EMAIL)

    # google-auth verifies the RS256 signature with the JWKS (through PyJWT), and iat / exp.
    claims = id_token.verify_token(
        answer["id_token"], Request(), audience=CLIENT_ID, certs_url=discovery["jwks_uri"]
    )

    assert discovery["issuer"] == people.admin_url
    assert claims["iss"] == discovery["issuer"]
    assert claims["email"] == ANA_EMAIL
    assert claims["email_verified"] is True
    assert (claims["name"], claims["hd"], claims["nonce"]) == ("Ana", "padaria.com.br", "n-7")
    assert claims["sub"].isdigit()
    assert len(claims["sub"]) == 21
    assert claims["exp"] - claims["iat"] == 3600


def test_the_signing_key_is_private_to_its_owner(people: Emulator) -> None:
    tokens_for(people, ANA_EMAIL)

    key_file = people.cert_path.parent / KEY_FILE
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_userinfo_needs_an_identity_scope(people: Emulator) -> None:
    token = tokens_for(people, ANA_EMAIL, scope=ADWORDS)["access_token"]

    answer = http(f"{people.admin_url}/userinfo", headers={"Authorization": f"Bearer {token}"})

    assert answer.status == 403
    assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]


def test_google_auth_oauthlib_flow_exchanges_the_code(
    people: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # oauthlib refuses http:// token URLs unless told this is a local test.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    config = {
        "web": {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "auth_uri": f"{people.admin_url}/authorize",
            "token_uri": people.token_uri,
            "redirect_uris": [REDIRECT],
        }
    }
    flow = Flow.from_client_config(
        config, scopes=["openid", "email", ADWORDS], redirect_uri=REDIRECT
    )
    url, state = flow.authorization_url(access_type="offline", login_hint=ANA_EMAIL)
    page = http(url)
    query = http(
        f"{people.admin_url}/authorize",
        {"txn": txn_of(page.text), "action": "allow", "email": ANA_EMAIL},
    ).redirect_query()

    # The flow sends its PKCE verifier and the client secret (requests-oauthlib: HTTP Basic).
    flow.fetch_token(code=query["code"])

    assert query["state"] == state
    assert flow.credentials.refresh_token
    assert flow.credentials.id_token
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["code_challenge_method"] == [
        "S256"
    ]


# -- users and clients from the scenario and the admin endpoint ------------------------------


def test_a_scenario_client_accepts_only_its_registered_redirect(fresh_emulator: Emulator) -> None:
    client: dict[str, Any] = {
        "client_id": "onboarding.apps.local",
        "client_secret": "s3cret-onboarding",
        "redirect_uris": ["https://agencia.example/oauth/callback"],
    }
    fresh_emulator.reset(
        Scenario.from_dict(
            {"managers": [{"id": "1234567890", "name": "A"}], "oauth_clients": [client]}
        )
    )
    registered = {"client_id": client["client_id"], "redirect_uri": client["redirect_uris"][0]}

    good = http(authorize_url(fresh_emulator, **registered))
    loopback = http(authorize_url(fresh_emulator, client_id=client["client_id"]))

    assert good.status == 200
    assert loopback.status == 400
    assert "redirect_uri_mismatch" in loopback.text


@pytest.mark.parametrize(
    ("user", "problem"),
    [
        ({**ANA, "access": {"1112223333": "OWNER"}}, "must be one of"),
        ({**ANA, "access": {"9876543210": "ADMIN"}}, "not in the emulator"),
        ({**ANA, "email": "not-an-email"}, "email address"),
        ({**ANA, "email": MANAGER_EMAIL}, "own manager user"),
        ({**ANA, "colour": "blue"}, "unknown key"),
    ],
)
def test_the_users_endpoint_explains_a_bad_user(
    fresh_emulator: Emulator, user: dict[str, object], problem: str
) -> None:
    answer = post_json(fresh_emulator, "/_emulator/users", user)

    assert answer.status == 400
    assert problem in answer.json()["error"]


def test_a_burst_of_browsers_opening_the_page_at_once_is_served(people: Emulator) -> None:
    url = authorize_url(people)
    start = threading.Barrier(100)

    def open_page() -> int:
        start.wait()
        return http(url).status

    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = list(pool.map(lambda _: open_page(), range(100)))

    assert statuses == [200] * 100
