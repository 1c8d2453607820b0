"""A 500 answer carries the same security headers as every other answer (issue #14, item 15)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NoReturn

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from tests.web.conftest import TOKEN, csrf_token

SECURITY_HEADERS = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


@pytest.fixture
def failing(
    web_app: FastAPI, web_container: Container, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """A client of the app whose store fails unexpectedly (a bug, not an mcclink error)."""

    def broken(*args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("a bug in the store")

    monkeypatch.setattr(web_container.store, "list_clients", broken)
    with TestClient(web_app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        yield client


def _assert_secured(headers: Mapping[str, str]) -> None:
    for name, part in SECURITY_HEADERS.items():
        assert part in headers[name], name


def test_an_api_500_carries_the_security_headers(failing: TestClient) -> None:
    response = failing.get("/api/v1/clients", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 500
    assert response.json()["code"] == "InternalError"
    assert "a bug in the store" not in response.text
    _assert_secured(response.headers)


def test_a_page_500_carries_the_security_headers(failing: TestClient) -> None:
    form = failing.get("/login")
    signed_in = failing.post(
        "/login",
        data={"csrf_token": csrf_token(form.text), "token": TOKEN, "next": "/clients"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    response = failing.get("/clients")
    assert response.status_code == 500
    assert "a bug in the store" not in response.text
    _assert_secured(response.headers)


def test_the_onboarding_pages_keep_their_own_policy(client: TestClient) -> None:
    # The headers are set only where the answer has none: a page's own CSP (the advertiser's
    # pages allow the agency's logo) is kept.
    response = client.get("/onboard/not-a-token")
    assert response.headers["content-security-policy"].count("default-src") == 1
    _assert_secured(response.headers)
