"""Fixtures for the web server: the app over the emulator and a SQLite store, in-process or live.

- ``web_env``: the environment (emulator, a fresh SQLite file, ``MCC_API_TOKEN``).
- ``each_store_env``: ``web_env`` on SQLite, then on DynamoDB (the moto server).
- ``web_app`` / ``client``: the ASGI app and a TestClient without credentials.
- ``api``: a TestClient that sends the bearer token.
- ``live_server``: the app served by uvicorn on a free loopback port (for the browser).
- ``visit``: a laptop-sized Chromium context on ``live_server``; no CSP or script error allowed.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from mcclink.bootstrap import Container
from mcclink.emulator import CLIENT_ID, CLIENT_SECRET, Emulator
from mcclink.store import open_store
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.web.app import create_app
from mcclink.web.security import WebSettings
from tests.fixtures.browser import LAPTOP, Visit

TOKEN = "test-token-0123456789abcdef-ghijklmnop"
#: The TestClient's base URL: onboarding links and the sign-in redirect point here.
PUBLIC_URL = "http://127.0.0.1"
AGENCY = "Agência Demo"


@pytest.fixture
def web_env(tmp_path: Path, fresh_emulator: Emulator) -> dict[str, str]:
    """The emulator's environment, a fresh SQLite store, the API token, and the advertiser's
    sign-in with the emulator's own OAuth client (it takes any loopback redirect)."""
    return {
        **fresh_emulator.env(),
        "MCC_STORE": f"sqlite:///{tmp_path / 'web.db'}",
        "MCC_API_TOKEN": TOKEN,
        "HOME": str(tmp_path),
        "MCC_PUBLIC_URL": PUBLIC_URL,
        "MCC_ONBOARDING_CLIENT_ID": CLIENT_ID,
        "MCC_ONBOARDING_CLIENT_SECRET": CLIENT_SECRET,
        "MCC_OIDC_ISSUER": fresh_emulator.admin_url,
        "MCC_AGENCY_NAME": AGENCY,
    }


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def each_store_env(
    request: pytest.FixtureRequest, web_env: dict[str, str]
) -> Iterator[dict[str, str]]:
    """``web_env`` on each store: its SQLite file, then DynamoDB on the moto server (tables of
    its own, dropped afterwards)."""
    if request.param == "sqlite":
        yield web_env
        return
    request.getfixturevalue("moto_endpoint")  # the session's AWS environment points at it
    url = f"dynamodb://?region=us-east-1&prefix=web{uuid.uuid4().hex[:10]}-"
    store = open_store(url)
    assert isinstance(store, DynamoDBStore)
    store.create_tables()
    yield {**web_env, "MCC_STORE": url}
    for table in store.names.all():
        store.client.delete_table(TableName=table)
    store.close()


@pytest.fixture
def web_container(web_env: dict[str, str]) -> Iterator[Container]:
    """The container the app serves (its store is the test's SQLite file)."""
    container = Container(environ=web_env, actor="web")
    yield container
    container.close()


@pytest.fixture
def web_app(web_container: Container, web_env: dict[str, str]) -> FastAPI:
    """The app, as ``mcclink web`` builds it; it also answers for ``testserver``, the host
    of a TestClient without ``base_url`` (schemathesis uses one)."""
    settings = WebSettings.from_env(web_env, extra_hosts=["testserver"])
    return create_app(web_container, settings)


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    """A TestClient with no credentials at all."""
    with TestClient(web_app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def api(web_app: FastAPI) -> Iterator[TestClient]:
    """A TestClient that authenticates with the bearer token."""
    with TestClient(
        web_app, base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {TOKEN}"}
    ) as test_client:
        yield test_client


@dataclass(frozen=True)
class LiveServer:
    """The app served over real HTTP on loopback."""

    url: str
    token: str


def free_port() -> int:
    """A loopback port free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(app: FastAPI, port: int) -> Iterator[LiveServer]:
    """``app`` served by uvicorn in a thread on loopback ``port``, until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", token=TOKEN)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(web_app: FastAPI) -> Iterator[LiveServer]:
    """The app served by uvicorn in a thread on a free loopback port."""
    with serving(web_app, free_port()) as server:
        yield server


@pytest.fixture
def visit(browser: Browser, live_server: LiveServer) -> Iterator[Visit]:
    """A laptop-sized browser context on the live server; no CSP or script errors allowed."""
    opened = Visit(browser, live_server, viewport=LAPTOP)
    yield opened
    opened.close()
    assert opened.problems == []


def csrf_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


@pytest.fixture
def signed_in(client: TestClient) -> TestClient:
    """A TestClient signed in through the sign-in form (it holds the session cookie)."""
    return sign_in(client)


def sign_in(client: TestClient) -> TestClient:
    """``client`` signed in with ``TOKEN`` through the sign-in form (it keeps the cookie)."""
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(form.text), "token": TOKEN, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


@contextmanager
def api_and_page(app: FastAPI) -> Iterator[tuple[TestClient, TestClient]]:
    """Two clients of ``app``: the REST API's, with ``TOKEN`` as its bearer, and a page
    client signed in."""
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    with (
        TestClient(app, base_url="http://127.0.0.1", headers=bearer) as api,
        TestClient(app, base_url="http://127.0.0.1") as page,
    ):
        yield api, sign_in(page)
