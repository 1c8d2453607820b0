"""Staff sign in with Google: through the real app, choosing the person on the emulator's
authorization page over real HTTP (issue #16, item 1)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.emulator import CLIENT_SECRET, Emulator
from mcclink.staff import Role, token_hash
from mcclink.staff_service import StaffDirectory
from mcclink.web.app import create_app
from mcclink.web.security import SESSION_COOKIE, WebSettings
from mcclink.web.throttle import AddressThrottle
from tests.fixtures.signin import add_user, consent
from tests.web.conftest import TOKEN, csrf_token
from tests.web.staffing import AGENCY_DOMAIN, google_sign_in, staff_environ

ANA = "ana@agencia.com.br"
JOAO = "joao@agencia.com.br"
STRANGER = "rita@outra.com.br"


@pytest.fixture
def staff_app(web_container: Container, web_env: dict[str, str]) -> FastAPI:
    """The app with Google sign-in for staff, people of agencia.com.br admitted as viewers,
    and no break-glass token."""
    settings = WebSettings.from_env(staff_environ(web_env, MCC_API_TOKEN=None))
    return create_app(web_container, settings)


@pytest.fixture
def browser(staff_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(staff_app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def staff(web_container: Container) -> StaffDirectory:
    return StaffDirectory(web_container.store, "cli:test")


@pytest.fixture
def ana(fresh_emulator: Emulator, staff: StaffDirectory) -> str:
    """Ana: an operator of mcclink, and a person of the agency's Workspace at Google."""
    staff.add_user(ANA, Role.OPERATOR)
    add_user(fresh_emulator, ANA, {}, "Ana Souza", hd=AGENCY_DOMAIN)
    return ANA


def test_the_sign_in_page_offers_google_and_no_token_form_without_break_glass(
    browser: TestClient,
) -> None:
    page = browser.get("/login?next=/clients")

    assert page.status_code == 200
    assert 'href="/login/google?next=%2Fclients"' in page.text
    assert 'name="token"' not in page.text


def test_a_registered_user_signs_in_and_goes_on_to_the_page_they_asked_for(
    browser: TestClient, ana: str, staff: StaffDirectory
) -> None:
    assert browser.get("/clients", follow_redirects=False).status_code == 303

    back = google_sign_in(browser, ana, next_path="/clients")

    assert back.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=/clients">' in back.text
    cookie = back.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert browser.get("/clients", follow_redirects=False).status_code == 200
    [user] = staff.users()
    assert (user.email, user.role, user.name) == (ANA, Role.OPERATOR, "Ana Souza")
    assert user.last_sign_in_at is not None


def test_the_store_keeps_the_session_s_hash_never_its_cookie(
    browser: TestClient, ana: str, web_container: Container
) -> None:
    google_sign_in(browser, ana)
    value = browser.cookies[SESSION_COOKIE]

    session = web_container.store.get_session(token_hash(value))

    assert session is not None
    assert session.email == ANA
    assert value not in repr(session)


def test_a_stranger_of_an_allowed_domain_enters_as_a_new_viewer(
    browser: TestClient, fresh_emulator: Emulator, staff: StaffDirectory
) -> None:
    add_user(fresh_emulator, JOAO, {}, "João", hd=AGENCY_DOMAIN)

    assert google_sign_in(browser, JOAO).status_code == 200

    assert browser.get("/", follow_redirects=False).status_code == 200
    [user] = staff.users()
    assert (user.email, user.role, user.created_by) == (JOAO, Role.VIEWER, "domain:agencia.com.br")


def test_a_stranger_of_another_domain_is_refused_and_told_why_and_whom_to_ask(
    browser: TestClient, fresh_emulator: Emulator, staff: StaffDirectory
) -> None:
    add_user(fresh_emulator, STRANGER, {}, hd="outra.com.br")

    refused = google_sign_in(browser, STRANGER)

    assert refused.status_code == 403
    for said in ("not a user", "outra.com.br", AGENCY_DOMAIN, "mcclink users add"):
        assert said in refused.text
    assert SESSION_COOKIE not in browser.cookies
    assert staff.users() == []
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_an_address_of_the_allowed_domain_without_its_workspace_claim_is_refused(
    browser: TestClient, fresh_emulator: Emulator, staff: StaffDirectory
) -> None:
    # A personal Google account can carry any address: the hd claim decides, not the suffix.
    add_user(fresh_emulator, "intruso@agencia.com.br", {})

    refused = google_sign_in(browser, "intruso@agencia.com.br")

    assert refused.status_code == 403
    assert "not a Google Workspace account" in refused.text
    assert staff.users() == []


def test_an_unverified_address_is_refused_even_for_a_registered_user(
    browser: TestClient, fresh_emulator: Emulator, staff: StaffDirectory
) -> None:
    staff.add_user(ANA, Role.ADMIN)
    add_user(fresh_emulator, ANA, {}, hd=AGENCY_DOMAIN, email_verified=False)

    refused = google_sign_in(browser, ANA)

    assert refused.status_code == 403
    assert "has not verified the e-mail address" in refused.text
    assert SESSION_COOKIE not in browser.cookies


def test_declining_at_google_signs_nobody_in(browser: TestClient, ana: str) -> None:
    refused = google_sign_in(browser, None, action="deny")

    assert refused.status_code == 403
    assert "declined" in refused.text
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_a_sign_in_brought_back_to_another_browser_is_refused(
    staff_app: FastAPI, browser: TestClient, ana: str
) -> None:
    start = browser.get("/login/google", follow_redirects=False)

    query = consent(start.headers["location"], ana)
    with TestClient(staff_app, base_url="http://127.0.0.1") as other:
        refused = other.get("/login/callback", params=query)
        assert refused.status_code == 400
        assert "another browser" in refused.text
        assert other.get("/", follow_redirects=False).status_code == 303
    # Taken once: the first browser cannot use it either now.
    assert browser.get("/login/callback", params=query).status_code == 400


#: Ways back that a browser would take off the site (it reads ``\\`` as ``/`` and drops
#: tabs and newlines).
ELSEWHERE = [
    "//evil.example/",
    "/\\evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "https://evil.example/",
    "evil.example",
]


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_the_way_back_after_google_never_leaves_the_site(
    browser: TestClient, ana: str, elsewhere: str
) -> None:
    back = google_sign_in(browser, ana, next_path=elsewhere)

    assert '<meta http-equiv="refresh" content="0; url=/">' in back.text


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_the_way_back_after_the_token_form_never_leaves_the_site(
    client: TestClient, elsewhere: str
) -> None:
    form = client.get("/login", params={"next": elsewhere})
    assert 'name="next" value="/"' in form.text

    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(form.text), "token": TOKEN, "next": elsewhere},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
    assert (
        client.get("/login", params={"next": elsewhere}, follow_redirects=False).headers["location"]
        == "/"
    )


def test_signing_in_again_ends_the_browser_s_previous_session(
    browser: TestClient, ana: str, web_container: Container
) -> None:
    google_sign_in(browser, ana)
    first = browser.cookies[SESSION_COOKIE]

    google_sign_in(browser, ana)

    old = web_container.store.get_session(token_hash(first))
    assert old is not None
    assert old.revoked_at is not None
    assert browser.cookies[SESSION_COOKIE] != first


def test_no_code_token_or_secret_shows_in_pages_or_the_server_s_logs(
    browser: TestClient, ana: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    start = browser.get("/login/google", follow_redirects=False)
    query = consent(start.headers["location"], ana)
    back = browser.get("/login/callback", params=query)
    replay = browser.get("/login/callback", params=query)

    logged = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("mcclink.web") or r.name.startswith("uvicorn")
    ]
    for text in (back.text, replay.text, *logged):
        for secret in (query["code"], CLIENT_SECRET, "id_token", browser.cookies[SESSION_COOKIE]):
            assert secret not in text


def test_without_its_settings_google_sign_in_is_off_and_says_how_to_turn_it_on(
    client: TestClient,
) -> None:
    page = client.get("/login")
    assert "/login/google" not in page.text
    assert 'name="token"' in page.text  # break-glass: no user yet

    off = client.get("/login/google")
    assert off.status_code == 404
    assert "MCC_STAFF_CLIENT_ID" in off.text


def test_an_address_starting_too_many_sign_ins_waits(staff_app: FastAPI) -> None:
    staff_app.state.signin_starts = AddressThrottle(2)
    with TestClient(staff_app, base_url="http://127.0.0.1", client=("192.0.2.30", 1)) as flood:
        for _ in range(2):
            assert flood.get("/login/google", follow_redirects=False).status_code == 303

        refused = flood.get("/login/google", follow_redirects=False)

    assert refused.status_code == 429
    assert "Too many sign-ins started from this address" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    with TestClient(staff_app, base_url="http://127.0.0.1", client=("192.0.2.31", 1)) as other:
        assert other.get("/login/google", follow_redirects=False).status_code == 303
