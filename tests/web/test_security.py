"""Authentication, sessions and CSRF, through the ASGI test client."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.errors import ConfigurationError
from mcclink.web.app import create_app
from mcclink.web.security import SESSION_COOKIE, WebSettings
from tests.web.conftest import TOKEN, csrf_token


def test_the_server_refuses_to_start_with_no_way_in(web_container: Container) -> None:
    with pytest.raises(ConfigurationError) as refused:
        create_app(web_container, WebSettings.from_env({}))

    message = str(refused.value)
    assert "nobody could sign in" in message
    for way in ("MCC_STAFF_CLIENT_ID", "mcclink tokens create", "MCC_API_TOKEN", "secrets"):
        assert way in message


def test_a_short_token_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigurationError, match="too short"):
        WebSettings.from_env({"MCC_API_TOKEN": "abc"})


def test_the_token_never_shows_in_the_settings_repr() -> None:
    assert TOKEN not in repr(WebSettings.from_env({"MCC_API_TOKEN": TOKEN}))


def test_the_openapi_document_needs_the_bearer_token(client: TestClient) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 401
    wrong = client.get("/api/v1/openapi.json", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    ok = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert ok.json()["info"]["title"] == "mcclink"


def test_a_page_without_a_session_redirects_to_sign_in(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F"


def test_signing_in_gives_a_strict_httponly_session_cookie(client: TestClient) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(form.text), "token": TOKEN, "next": "/"},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert TOKEN not in cookie
    assert client.get("/", follow_redirects=False).status_code == 200


def test_a_wrong_token_does_not_sign_in(client: TestClient) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(form.text), "token": "wrong-token-wrong-token", "next": "/"},
    )
    assert response.status_code == 401
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_in_without_the_csrf_token_is_rejected(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"token": TOKEN, "next": "/"}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_session_cookie_the_store_does_not_hold_is_not_accepted(
    signed_in: TestClient,
) -> None:
    client = signed_in
    client.cookies.set(SESSION_COOKIE, secrets.token_urlsafe(32))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_next_never_leaves_the_site(client: TestClient) -> None:
    form = client.get("/login?next=//evil.example/x")
    assert 'value="/"' in form.text
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(form.text), "token": TOKEN, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_pages_carry_security_headers(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_after_signing_out_a_copy_of_the_session_cookie_is_refused(
    signed_in: TestClient,
) -> None:
    client = signed_in
    copy = client.cookies[SESSION_COOKIE]
    page = client.get("/")
    response = client.post(
        "/logout", data={"csrf_token": csrf_token(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    client.cookies.set(SESSION_COOKIE, copy)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_form_post_before_signing_in_returns_to_the_dashboard_after_sign_in(
    client: TestClient,
) -> None:
    anonymous = client.get("/login")  # a session with a CSRF token, not signed in
    response = client.post(
        "/clients/1112223333/invite",
        data={"csrf_token": csrf_token(anonymous.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F"  # not the POST-only path


def test_every_web_setting_problem_is_named_in_one_error() -> None:
    environ = {
        "MCC_API_TOKEN": "abc",
        "MCC_ALLOWED_HOSTS": "ads.example.com:443",
        "MCC_TRUSTED_PROXIES": "not-a-network",
    }
    with pytest.raises(ConfigurationError) as refused:
        WebSettings.from_env(environ)

    message = str(refused.value)
    assert "MCC_API_TOKEN is too short" in message
    assert "MCC_ALLOWED_HOSTS: 'ads.example.com:443'" in message
    assert "MCC_TRUSTED_PROXIES" in message
