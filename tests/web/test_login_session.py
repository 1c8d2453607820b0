"""Opening /login keeps the browser's session, and before signing in its sign-in cookie
(issue #14, item 19)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mcclink.web.security import SESSION_COOKIE, SIGNIN_COOKIE
from tests.web.conftest import TOKEN, csrf_token


def test_opening_login_while_signed_in_keeps_the_session_and_goes_on(
    signed_in: TestClient,
) -> None:
    cookie = signed_in.cookies[SESSION_COOKIE]
    response = signed_in.get("/login?next=/clients", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/clients"
    assert "set-cookie" not in response.headers
    assert signed_in.cookies[SESSION_COOKIE] == cookie
    assert signed_in.get("/", follow_redirects=False).status_code == 200


def test_opening_login_while_signed_in_never_leaves_the_site(signed_in: TestClient) -> None:
    response = signed_in.get("/login?next=//evil.example/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_a_second_login_tab_keeps_the_first_tabs_form_working(client: TestClient) -> None:
    first = client.get("/login")
    second = client.get("/login")  # another tab: the anonymous session is kept, not replaced
    assert "set-cookie" not in second.headers
    assert csrf_token(second.text) == csrf_token(first.text)
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(first.text), "token": TOKEN, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_a_wrong_token_keeps_the_anonymous_session(client: TestClient) -> None:
    form = client.get("/login")
    cookie = client.cookies[SIGNIN_COOKIE]
    response = client.post(
        "/login", data={"csrf_token": csrf_token(form.text), "token": "wrong-token-0000000"}
    )
    assert response.status_code == 401
    assert client.cookies[SIGNIN_COOKIE] == cookie
    assert csrf_token(response.text) == csrf_token(form.text)
