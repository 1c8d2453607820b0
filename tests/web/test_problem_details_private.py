"""A 5xx failure of the server's own store or settings never shows its local details to a
caller: no database path, key file or table in a problem document, a page or a flash
(issue #14, item 22). The message goes to the server log instead."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.service import Registration
from mcclink.store.sqlite import SqliteStore
from mcclink.web.app import create_app
from mcclink.web.security import WebSettings
from tests.web.conftest import TOKEN, csrf_token

PADARIA = CustomerId.parse("111-222-3333")


@contextmanager
def locked(container: Container) -> Iterator[Path]:
    """Another process holds the SQLite write lock: every write waits, then fails (503)."""
    assert isinstance(container.store, SqliteStore)
    path = container.store.path
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield path
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_locked_database_is_a_503_without_its_path_and_the_log_has_it(
    api: TestClient, web_container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    with locked(web_container) as path:
        response = api.post(
            "/api/v1/clients",
            json={"customer_id": PADARIA.dashed, "name": "Padaria", "invite": False},
        )

    assert response.status_code == 503, response.text
    body = response.json()
    assert body["code"] == "StoreUnavailable"
    assert "store is unavailable" in body["detail"]
    assert "try again" in body["detail"]
    assert str(path) not in response.text
    assert path.name not in response.text
    assert str(path) in caplog.text
    assert web_container.store.get_client(web_container.mcc, PADARIA) is None


def test_wrong_settings_are_a_500_without_the_key_files_path(
    web_env: dict[str, str], tmp_path: Path
) -> None:
    key = tmp_path / "secret-place" / "service-account.json"
    env = {**web_env, "GOOGLE_ADS_JSON_KEY_FILE_PATH": str(key)}
    container = Container(environ=env, actor="web")
    container.service.register(container.mcc, Registration(PADARIA, "Padaria"))
    app = create_app(container, WebSettings.from_env(env))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(app, base_url="http://127.0.0.1", headers=headers) as api:
        response = api.post(f"/api/v1/clients/{PADARIA.digits}/invite")
    container.close()

    assert response.status_code == 500, response.text
    assert response.json()["code"] == "ConfigurationError"
    assert "mcclink doctor" in response.json()["detail"]
    assert "secret-place" not in response.text


def test_a_page_action_on_a_locked_database_flashes_no_path(
    signed_in: TestClient, web_container: Container
) -> None:
    web_container.service.register(web_container.mcc, Registration(PADARIA, "Padaria"))
    token = csrf_token(signed_in.get("/clients").text)
    with locked(web_container) as path:
        page = signed_in.post(
            f"/clients/{PADARIA.digits}/invite", data={"csrf_token": token, "back": "/clients"}
        )

    text = html.unescape(page.text)
    assert "store is unavailable" in text
    assert str(path.parent) not in text


def test_a_page_that_fails_on_a_locked_database_shows_no_path(
    signed_in: TestClient, web_container: Container
) -> None:
    token = csrf_token(signed_in.get("/import").text)
    form = {
        "csrf_token": token,
        "filename": "clients.csv",
        "content": f"customer_id,name\n{PADARIA.dashed},Padaria\n",
    }
    with locked(web_container) as path:
        page = signed_in.post("/import/confirm", data=form)

    assert page.status_code == 503
    text = html.unescape(page.text)
    assert "store is unavailable" in text
    assert str(path.parent) not in text
