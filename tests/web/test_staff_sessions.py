"""Signed-in browsers are sessions in the store: idle and absolute expiry, sign-out here and
everywhere (after a restart too), and a user's removal or new role on their next request
(issue #16, item 4)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.emulator import Emulator
from mcclink.staff import BREAK_GLASS, Role, token_hash
from mcclink.staff_service import StaffDirectory
from mcclink.web.app import create_app
from mcclink.web.auth import page_principal, signed_in
from mcclink.web.security import SESSION_COOKIE, WebSettings
from tests.fixtures.signin import add_user
from tests.web.conftest import TOKEN, csrf_token
from tests.web.staffing import AGENCY_DOMAIN, as_request, google_sign_in, staff_environ

ANA = "ana@agencia.com.br"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class WallClock:
    """UTC time that passes only when the test moves it."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> WallClock:
    return WallClock()


@pytest.fixture
def staff(web_container: Container, fresh_emulator: Emulator) -> StaffDirectory:
    """Ana, an operator, who can sign in at the emulator."""
    directory = StaffDirectory(web_container.store, "cli:test")
    directory.add_user(ANA, Role.OPERATOR)
    add_user(fresh_emulator, ANA, {}, hd=AGENCY_DOMAIN)
    return directory


def _app(container: Container, env: dict[str, str], clock: WallClock) -> FastAPI:
    app = create_app(container, WebSettings.from_env(env))
    app.state.clock = clock
    return app


@pytest.fixture
def env(web_env: dict[str, str]) -> dict[str, str]:
    """Google sign-in, no break-glass token, sessions idle 30 min at most and 2 h in all."""
    return staff_environ(web_env, MCC_API_TOKEN=None, MCC_SESSION_IDLE="30m", MCC_SESSION_MAX="2h")


@pytest.fixture
def app(web_container: Container, env: dict[str, str], clock: WallClock) -> FastAPI:
    return _app(web_container, env, clock)


@pytest.fixture
def browser(app: FastAPI, staff: StaffDirectory) -> Iterator[TestClient]:
    """Ana's browser, signed in at ``START``."""
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert google_sign_in(client, ANA).status_code == 200
        yield client


def _in(client: TestClient) -> bool:
    response = client.get("/", follow_redirects=False)
    status: int = response.status_code
    assert status in (200, 303), response.text
    return status == 200


def test_the_cookie_lasts_as_long_as_the_longest_session(
    app: FastAPI, staff: StaffDirectory
) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as client:
        cookie = google_sign_in(client, ANA).headers["set-cookie"]

    assert "Max-Age=7200" in cookie


def test_a_session_unused_for_the_idle_time_ends(browser: TestClient, clock: WallClock) -> None:
    clock.now += timedelta(minutes=29)
    assert _in(browser)
    clock.now += timedelta(minutes=29)  # used 29 min ago: still in
    assert _in(browser)
    clock.now += timedelta(minutes=30)
    assert not _in(browser)


def test_a_busy_session_still_ends_at_its_absolute_end(
    browser: TestClient, clock: WallClock
) -> None:
    for _ in range(7):
        clock.now += timedelta(minutes=15)
        assert _in(browser)
    clock.now = START + timedelta(hours=2)
    assert not _in(browser)


def test_a_shorter_longest_session_after_a_restart_ends_the_sessions_made_before(
    web_env: dict[str, str], clock: WallClock, browser: TestClient
) -> None:
    shorter = staff_environ(
        web_env, MCC_API_TOKEN=None, MCC_SESSION_IDLE="30m", MCC_SESSION_MAX="1h"
    )
    restarted = Container(environ=web_env, actor="web")
    try:
        with TestClient(_app(restarted, shorter, clock), base_url="http://127.0.0.1") as there:
            there.cookies.set(SESSION_COOKIE, browser.cookies[SESSION_COOKIE])
            for minutes in (20, 40, 59):  # in use all along: never idle
                clock.now = START + timedelta(minutes=minutes)
                assert _in(there)
            clock.now = START + timedelta(hours=1)
            assert not _in(there)
            assert _in(browser)  # the old server still runs with MCC_SESSION_MAX=2h
    finally:
        restarted.close()


def test_use_is_written_at_most_once_a_minute(
    browser: TestClient, clock: WallClock, web_container: Container
) -> None:
    key = token_hash(browser.cookies[SESSION_COOKIE])

    clock.now += timedelta(seconds=59)
    assert _in(browser)
    assert web_container.store.get_session(key).last_seen_at == START  # type: ignore[union-attr]
    clock.now += timedelta(seconds=2)
    assert _in(browser)
    assert web_container.store.get_session(key).last_seen_at == clock.now  # type: ignore[union-attr]


def test_a_sign_out_survives_a_restart_and_holds_on_every_server(
    web_env: dict[str, str],
    env: dict[str, str],
    clock: WallClock,
    browser: TestClient,
) -> None:
    # Another server (as after a restart) on the same store file.
    second = Container(environ=web_env, actor="web")
    other = _app(second, env, clock)
    try:
        with TestClient(other, base_url="http://127.0.0.1") as there:
            there.cookies.set(SESSION_COOKIE, browser.cookies[SESSION_COOKIE])
            assert _in(there)

            page = browser.get("/")
            response = browser.post(
                "/logout", data={"csrf_token": csrf_token(page.text)}, follow_redirects=False
            )

            assert (response.status_code, response.headers["location"]) == (303, "/login")
            assert not _in(there)
    finally:
        second.close()
    assert not _in(browser)


def test_sign_out_everywhere_ends_every_browser_of_the_person(
    app: FastAPI, browser: TestClient, staff: StaffDirectory
) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as laptop:
        google_sign_in(laptop, ANA)
        assert _in(laptop)

        page = browser.get("/")
        done = browser.post(
            "/logout/everywhere", data={"csrf_token": csrf_token(page.text)}, follow_redirects=True
        )

        assert "Signed out everywhere (2 session(s))" in done.text
        assert not _in(laptop)
    assert not _in(browser)


def test_sign_out_everywhere_needs_the_session_s_csrf_token(browser: TestClient) -> None:
    refused = browser.post("/logout/everywhere", data={"csrf_token": "forged"})

    assert refused.status_code == 403
    assert _in(browser)


def test_a_removed_user_is_out_on_their_next_request(
    browser: TestClient, staff: StaffDirectory
) -> None:
    staff.remove_user(ANA)

    assert not _in(browser)


def test_a_lowered_role_holds_from_the_next_request(
    app: FastAPI, browser: TestClient, staff: StaffDirectory
) -> None:
    cookie = browser.cookies[SESSION_COOKIE]
    assert page_principal(as_request(app, cookie=cookie)).role is Role.OPERATOR

    staff.set_role(ANA, Role.VIEWER)

    principal = page_principal(as_request(app, cookie=cookie))
    assert (principal.kind, principal.role, principal.actor) == ("user", Role.VIEWER, f"user:{ANA}")
    assert principal.email == ANA
    assert principal.session is not None


# -- the break-glass token in the sign-in form ----------------------------------------------


@pytest.fixture
def break_glass_env(web_env: dict[str, str]) -> dict[str, str]:
    return staff_environ(web_env)


def _token_sign_in(client: TestClient) -> int:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(form.text), "token": TOKEN, "next": "/"},
        follow_redirects=False,
    )
    status: int = response.status_code
    return status


def test_break_glass_signs_in_as_admin_while_there_is_no_user(
    web_container: Container, break_glass_env: dict[str, str], clock: WallClock
) -> None:
    app = _app(web_container, break_glass_env, clock)
    with TestClient(app, base_url="http://127.0.0.1", client=("203.0.113.9", 4000)) as client:
        assert _token_sign_in(client) == 303
        cookie = client.cookies[SESSION_COOKIE]

    principal = page_principal(as_request(app, cookie=cookie, client="203.0.113.9"))
    assert (principal.kind, principal.role, principal.email) == ("break-glass", Role.ADMIN, None)
    assert principal.actor == "break-glass:203.0.113.9"
    session = web_container.store.get_session(token_hash(cookie))
    assert session is not None
    assert session.email == BREAK_GLASS


def test_once_a_user_exists_break_glass_is_off_its_sessions_included(
    web_container: Container, break_glass_env: dict[str, str], clock: WallClock
) -> None:
    app = _app(web_container, break_glass_env, clock)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        signin_csrf = csrf_token(client.get("/login").text)
        assert _token_sign_in(client) == 303
        StaffDirectory(web_container.store, "cli:test").add_user(ANA, Role.ADMIN)

        assert not _in(client)
        assert 'name="token"' not in client.get("/login").text
        refused = client.post(  # the form as the page offered it before
            "/login",
            data={"csrf_token": signin_csrf, "token": TOKEN, "next": "/"},
            follow_redirects=False,
        )
        assert refused.status_code == 401
        assert "MCC_BREAK_GLASS=on" in refused.text
        assert SESSION_COOKIE not in client.cookies


def test_with_break_glass_on_it_stays_an_admin_token_beside_users(
    web_container: Container, web_env: dict[str, str], clock: WallClock
) -> None:
    StaffDirectory(web_container.store, "cli:test").add_user(ANA, Role.ADMIN)
    app = _app(web_container, staff_environ(web_env, MCC_BREAK_GLASS="on"), clock)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert 'name="token"' in client.get("/login").text
        assert _token_sign_in(client) == 303
        assert _in(client)
        principal = signed_in(as_request(app, cookie=client.cookies[SESSION_COOKIE]))
    assert principal is not None
    assert principal.kind == "break-glass"


# -- on each store --------------------------------------------------------------------------


def test_on_each_store_sessions_hold_across_servers_and_end_by_sign_out_or_removal(
    each_store_env: dict[str, str], fresh_emulator: Emulator, clock: WallClock
) -> None:
    env = staff_environ(each_store_env, MCC_API_TOKEN=None)
    add_user(fresh_emulator, ANA, {}, hd=AGENCY_DOMAIN)
    first, second = Container(environ=env, actor="web"), Container(environ=env, actor="web")
    try:
        staff = StaffDirectory(first.store, "cli:test")
        staff.add_user(ANA, Role.OPERATOR)
        staff.add_user("bia@agencia.com.br", Role.ADMIN)
        one, other = _app(first, env, clock), _app(second, env, clock)
        with (
            TestClient(one, base_url="http://127.0.0.1") as laptop,
            TestClient(one, base_url="http://127.0.0.1") as phone,
            TestClient(other, base_url="http://127.0.0.1") as elsewhere,
        ):
            google_sign_in(laptop, ANA)
            google_sign_in(phone, ANA)
            elsewhere.cookies.set(SESSION_COOKIE, laptop.cookies[SESSION_COOKIE])
            assert _in(elsewhere)

            page = laptop.get("/")
            laptop.post("/logout", data={"csrf_token": csrf_token(page.text)})

            assert not _in(elsewhere)
            assert _in(phone)
            staff.remove_user(ANA)
            assert not _in(phone)
    finally:
        first.close()
        second.close()


def test_a_principal_s_repr_holds_no_session_secret(app: FastAPI, browser: TestClient) -> None:
    principal = page_principal(as_request(app, cookie=browser.cookies[SESSION_COOKIE]))

    assert principal.session is not None
    assert principal.session.csrf not in repr(principal)
    assert browser.cookies[SESSION_COOKIE] not in repr(principal)
