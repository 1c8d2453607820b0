"""The emulator's sign-in page in real headless Chromium: choose a user, allow or deny.

A tiny receiver on loopback plays the application's redirect URI; the code it receives is
exchanged at the token endpoint, and the ID token is checked against the emulator's JWKS.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from playwright.sync_api import Browser, Page, expect

from mcclink.emulator import CLIENT_ID, Emulator
from tests.emulator.signin_flow import ANA, ANA_EMAIL, BETO, authorize_url, exchange, post_json
from tests.fixtures.browser import needs_chromium

pytestmark = needs_chromium


class _Receiver(BaseHTTPRequestHandler):
    server: ReceiverServer

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/callback":  # not the browser's /favicon.ico
            self.server.queries.append(dict(urllib.parse.parse_qsl(url.query)))
        body = b"<!doctype html><title>Received</title><p>Signed in: back to the app.</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class ReceiverServer(ThreadingHTTPServer):
    """The application's redirect URI on loopback; records each query it receives."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receiver)
        self.queries: list[dict[str, str]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/callback"


@pytest.fixture
def receiver() -> Iterator[ReceiverServer]:
    server = ReceiverServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser: Browser, fresh_emulator: Emulator) -> Iterator[Page]:
    """A page with JavaScript off: the sign-in page must work without it."""
    for user in (ANA, BETO):
        assert post_json(fresh_emulator, "/_emulator/users", user).status == 200
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_choosing_a_user_and_allowing_delivers_a_code_for_that_user(
    page: Page, fresh_emulator: Emulator, receiver: ReceiverServer
) -> None:
    page.goto(authorize_url(fresh_emulator, redirect_uri=receiver.url, prompt="select_account"))
    page.get_by_role("radio", name=f"Ana {ANA_EMAIL}").check()
    page.get_by_role("button", name="Allow").click()

    expect(page).to_have_title("Received")
    (query,) = receiver.queries
    assert query["state"] == "st-42"
    tokens = exchange(fresh_emulator, query["code"], redirect_uri=receiver.url).json()
    jwks = jwt.PyJWKClient(f"{fresh_emulator.admin_url}/jwks")
    claims = jwt.decode(
        tokens["id_token"],
        jwks.get_signing_key_from_jwt(tokens["id_token"]).key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=fresh_emulator.admin_url,
    )
    assert claims["email"] == ANA_EMAIL
    assert claims["nonce"] == "n-7"


def test_denying_sends_access_denied_to_the_redirect_uri(
    page: Page, fresh_emulator: Emulator, receiver: ReceiverServer
) -> None:
    page.goto(authorize_url(fresh_emulator, redirect_uri=receiver.url))
    page.get_by_role("button", name="Deny").click()

    expect(page).to_have_title("Received")
    assert receiver.queries == [
        {"error": "access_denied", "error_description": "The user denied access.", "state": "st-42"}
    ]
