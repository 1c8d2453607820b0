"""The break-glass token (``MCC_API_TOKEN``) names no person, so history records it as
``break-glass:<address>``, on pages and in the API alike, never as the user who started the
server (issue #14, item 3; issue #16): the caller's address as the throttle counts it.
Personal tokens and signed-in users: ``test_history_actors.py``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, Operation
from mcclink.service import Registration
from mcclink.web.app import create_app
from mcclink.web.security import WebSettings
from tests.web.conftest import TOKEN, csrf_token, free_port, serving

PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")
API_CALLER, BROWSER = "203.0.113.7", "2001:db8::5"


@pytest.fixture
def served_by_ana(web_env: dict[str, str]) -> Iterator[tuple[Container, FastAPI]]:
    """The app as ``mcclink web`` builds it when Ana starts it (her container is ``cli:ana``)."""
    container = Container(environ=web_env, actor="cli:ana")
    yield container, create_app(container, WebSettings.from_env(web_env))
    container.close()


def _actors(container: Container, cid: CustomerId) -> dict[Operation, set[str]]:
    found: dict[Operation, set[str]] = {}
    for entry in container.store.client_history(container.mcc, cid):
        found.setdefault(entry.operation, set()).add(entry.actor)
    return found


def test_api_actions_are_recorded_as_break_glass_and_the_callers_address(
    served_by_ana: tuple[Container, FastAPI],
) -> None:
    container, app = served_by_ana
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(
        app, base_url="http://127.0.0.1", headers=headers, client=(API_CALLER, 40000)
    ) as api:
        created = api.post("/api/v1/clients", json={"customer_id": PADARIA.dashed, "name": "P"})
        assert created.status_code == 201, created.text
        assert api.post(f"/api/v1/clients/{PADARIA.digits}/cancel").status_code == 200
        made = api.post(f"/api/v1/clients/{PADARIA.digits}/onboarding-links", json={})
        assert made.status_code == 201, made.text
        assert api.post("/api/v1/monitor/run").status_code == 200

    actor = f"break-glass:{API_CALLER}"
    assert _actors(container, PADARIA) == {
        Operation.REGISTER: {actor},
        Operation.INVITE: {actor},
        Operation.CANCEL: {actor},
    }
    [link] = container.store.list_onboarding_links(container.mcc, PADARIA)
    assert link.created_by == actor
    [run] = [e for e in container.store.client_history(container.mcc, container.mcc)]
    assert (run.operation, run.actor) == (Operation.MONITOR, actor)


def test_page_actions_are_recorded_as_break_glass_and_the_browsers_address(
    served_by_ana: tuple[Container, FastAPI],
) -> None:
    container, app = served_by_ana
    container.service.register(container.mcc, Registration(ACAI, "Açaí & Cia"))
    with TestClient(app, base_url="http://127.0.0.1", client=(BROWSER, 40000)) as browser:
        form = browser.get("/login")
        token = csrf_token(form.text)
        browser.post("/login", data={"csrf_token": token, "token": TOKEN, "next": "/"})
        token = csrf_token(browser.get("/clients").text)
        browser.post(f"/clients/{ACAI.digits}/invite", data={"csrf_token": token, "back": "/"})
        browser.post(f"/clients/{ACAI.digits}/onboarding-links", data={"csrf_token": token})

    actor = f"break-glass:{BROWSER}"
    assert _actors(container, ACAI) == {Operation.REGISTER: {"cli:ana"}, Operation.INVITE: {actor}}
    [link] = container.store.list_onboarding_links(container.mcc, ACAI)
    assert link.created_by == actor


def test_a_request_over_real_http_records_the_sockets_address(
    web_app: FastAPI, web_container: Container
) -> None:
    with serving(web_app, free_port()) as server:
        answer = httpx.post(
            f"{server.url}/api/v1/clients",
            json={"customer_id": PADARIA.dashed, "name": "Padaria", "invite": False},
            headers={"Authorization": f"Bearer {server.token}"},
            timeout=30,
        )
    assert answer.status_code == 201, answer.text
    assert _actors(web_container, PADARIA) == {Operation.REGISTER: {"break-glass:127.0.0.1"}}


def test_an_address_that_is_not_an_ip_records_break_glass_alone(
    served_by_ana: tuple[Container, FastAPI],
) -> None:
    container, app = served_by_ana
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(app, base_url="http://127.0.0.1", headers=headers) as api:  # "testclient"
        api.post("/api/v1/clients", json={"customer_id": ACAI.dashed, "name": "A", "invite": False})
    assert _actors(container, ACAI) == {Operation.REGISTER: {"break-glass"}}


@pytest.mark.parametrize(
    ("forwarded", "recorded"),
    [("198.51.100.9", "break-glass:198.51.100.9"), ("<script>", "break-glass")],
)
def test_behind_a_trusted_proxy_the_forwarded_address_is_recorded(
    web_env: dict[str, str], forwarded: str, recorded: str
) -> None:
    env = {**web_env, "MCC_TRUSTED_PROXIES": "203.0.113.0/24"}
    container = Container(environ=env, actor="cli:ana")
    app = create_app(container, WebSettings.from_env(env))
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": forwarded}
    with TestClient(
        app, base_url="http://127.0.0.1", headers=headers, client=(API_CALLER, 40000)
    ) as api:
        api.post("/api/v1/clients", json={"customer_id": ACAI.dashed, "name": "A", "invite": False})
    assert _actors(container, ACAI) == {Operation.REGISTER: {recorded}}
    container.close()


def test_an_untrusted_peer_cannot_name_another_address(
    served_by_ana: tuple[Container, FastAPI],
) -> None:
    container, app = served_by_ana
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "198.51.100.9"}
    with TestClient(
        app, base_url="http://127.0.0.1", headers=headers, client=(API_CALLER, 40000)
    ) as api:
        api.post("/api/v1/clients", json={"customer_id": ACAI.dashed, "name": "A", "invite": False})
    assert _actors(container, ACAI) == {Operation.REGISTER: {f"break-glass:{API_CALLER}"}}
