"""Helpers for the staff's sign-in tests: the app with Google sign-in on, and signing in.

- ``staff_environ(web_env, **changes)``: the web environment with the staff's sign-in through
  the emulator's own OAuth client (it takes any loopback redirect, so
  ``http://127.0.0.1/login/callback``); a change of None removes a variable.
- ``google_sign_in(client, email)``: press "Sign in with Google", choose ``email`` on the
  emulator's authorization page over real HTTP, and come back: the callback's answer.
- ``as_request(app, cookie=..., bearer=...)``: a request to ``app`` carrying a session cookie
  or a bearer token, to ask ``auth`` who it is directly.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from starlette.requests import Request

from mcclink.emulator import CLIENT_ID, CLIENT_SECRET
from mcclink.web.security import SESSION_COOKIE
from tests.fixtures.signin import consent

#: The Workspace domain whose people may enter unregistered in these tests.
AGENCY_DOMAIN = "agencia.com.br"


def staff_environ(web_env: dict[str, str], **changes: str | None) -> dict[str, str]:
    """``web_env`` with Google sign-in for staff (``MCC_STAFF_*``), then ``changes``."""
    env = {
        **web_env,
        "MCC_STAFF_CLIENT_ID": CLIENT_ID,
        "MCC_STAFF_CLIENT_SECRET": CLIENT_SECRET,
        "MCC_STAFF_DOMAINS": AGENCY_DOMAIN,
    }
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def google_sign_in(
    client: TestClient, email: str | None, action: str = "allow", next_path: str = "/"
) -> Response:
    """Sign in with Google as ``email`` at the emulator; the answer of ``/login/callback``."""
    start = client.get(f"/login/google?next={quote(next_path, safe='')}", follow_redirects=False)
    assert start.status_code == 303, start.text
    query = consent(start.headers["location"], email, action)
    back: Response = client.get("/login/callback", params=query, follow_redirects=False)
    return back


def as_request(
    app: FastAPI,
    *,
    cookie: str | None = None,
    bearer: str | None = None,
    client: str = "127.0.0.1",
) -> Request:
    """A GET of ``/`` to ``app`` from ``client``, with a session cookie or a bearer token."""
    headers = []
    if cookie is not None:
        headers.append((b"cookie", f"{SESSION_COOKIE}={cookie}".encode()))
    if bearer is not None:
        headers.append((b"authorization", f"Bearer {bearer}".encode()))
    scope = {
        "type": "http",
        "app": app,
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": headers,
        "client": (client, 50000),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
    }
    return Request(scope)
