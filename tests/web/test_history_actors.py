"""Every history entry names who acted (issue #16, item 5): a personal token as
``token:<name> (<owner>)``, a signed-in user as ``user:<email>``, the break-glass token as
``break-glass:<address>``, on SQLite and on DynamoDB; and ``GET /api/v1/history?actor=`` keeps
the entries whose actor holds the text, whatever the case."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, Operation, utcnow
from mcclink.emulator.mailbox import Mailbox
from mcclink.service import Registration
from mcclink.staff import Role, new_session
from mcclink.staff_service import StaffDirectory
from mcclink.web.app import create_app
from mcclink.web.security import SESSION_COOKIE, WebSettings
from tests.web.conftest import TOKEN

PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")
LOJA = CustomerId.parse("333-444-5555")
BIA = "bia@agencia.com.br"
CALLER = "203.0.113.7"


def test_the_history_filtered_by_actor_holds_only_that_actors_entries(
    api: TestClient, web_container: Container
) -> None:
    mcc = web_container.mcc
    web_container.service_as("user:ana@agencia.com.br").register(mcc, Registration(PADARIA, "P"))
    web_container.service_as("token:ci (bia@agencia.com.br)").register(mcc, Registration(ACAI, "A"))
    web_container.service_as("cli:carlos").register(mcc, Registration(LOJA, "L"))

    def actors(query: str) -> list[str]:
        response = api.get("/api/v1/history", params={"actor": query})
        assert response.status_code == 200, response.text
        return [entry["actor"] for entry in response.json()]

    assert actors("ANA@") == ["user:ana@agencia.com.br"]
    assert actors("agencia.com.br") == ["user:ana@agencia.com.br", "token:ci (bia@agencia.com.br)"]
    assert actors("token:ci") == ["token:ci (bia@agencia.com.br)"]
    assert actors("nobody") == []
    assert len(actors("")) == 3


def test_the_newest_entries_are_counted_after_the_filter(
    api: TestClient, web_container: Container
) -> None:
    mcc = web_container.mcc
    web_container.service_as("user:ana@agencia.com.br").register(mcc, Registration(PADARIA, "P"))
    web_container.service_as("cli:carlos").register(mcc, Registration(ACAI, "A"))
    response = api.get("/api/v1/history", params={"actor": "ana", "limit": 1})
    assert [e["customer_id"] for e in response.json()] == [PADARIA.digits]


def test_an_actor_filter_too_long_to_name_an_actor_is_a_422(api: TestClient) -> None:
    response = api.get("/api/v1/history", params={"actor": "a" * 301})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "actor"


# -- who acted, on each store ------------------------------------------------------------


@pytest.fixture
def served(each_store_env: dict[str, str]) -> Iterator[tuple[Container, FastAPI]]:
    """The app on each store, as ``mcclink web`` builds it when Ana starts it (her container
    records ``cli:ana``: the server's requests must name someone else)."""
    container = Container(environ=each_store_env, actor="cli:ana")
    yield container, create_app(container, WebSettings.from_env(each_store_env))
    container.close()


def _actors(container: Container, cid: CustomerId) -> dict[Operation, set[str]]:
    found: dict[Operation, set[str]] = {}
    for entry in container.store.client_history(container.mcc, cid):
        found.setdefault(entry.operation, set()).add(entry.actor)
    return found


def _monitor_actors(container: Container) -> set[str]:
    return {
        e.actor
        for e in container.store.client_history(container.mcc, container.mcc)
        if e.operation is Operation.MONITOR
    }


def test_a_personal_token_is_named_with_its_owner_in_everything_it_does(
    served: tuple[Container, FastAPI],
) -> None:
    container, app = served
    directory = StaffDirectory(container.store, "cli:ana")
    directory.add_user(BIA, Role.ADMIN)
    token, _ = directory.create_token("crm", Role.OPERATOR, BIA)
    admin_token, _ = directory.create_token("ops", Role.ADMIN, BIA)
    csv = f"customer_id,name\n{LOJA.dashed},Loja\n"
    with TestClient(app, base_url="http://127.0.0.1", headers=_bearer(token)) as api:
        created = api.post("/api/v1/clients", json={"customer_id": PADARIA.dashed, "name": "P"})
        assert created.status_code == 201, created.text
        assert api.post(f"/api/v1/clients/{PADARIA.digits}/cancel").status_code == 200
        made = api.post(f"/api/v1/clients/{PADARIA.digits}/onboarding-links", json={})
        assert made.status_code == 201, made.text
        imported = api.post("/api/v1/imports", files={"file": ("c.csv", csv.encode(), "text/csv")})
        assert imported.json()["imported"] == 1, imported.text
        assert api.post("/api/v1/monitor/run").status_code == 200
        archived = api.delete(f"/api/v1/clients/{LOJA.digits}", headers=_bearer(admin_token))
        assert archived.status_code == 204, archived.text
        mine = api.get("/api/v1/history", params={"actor": "token:crm"}).json()

    actor = f"token:crm ({BIA})"
    assert _actors(container, PADARIA) == {
        Operation.REGISTER: {actor},
        Operation.INVITE: {actor},
        Operation.CANCEL: {actor},
    }
    assert _actors(container, LOJA) == {
        Operation.REGISTER: {actor},
        Operation.ARCHIVE: {f"token:ops ({BIA})"},
    }
    [link] = container.store.list_onboarding_links(container.mcc, PADARIA)
    assert link.created_by == actor
    assert _monitor_actors(container) == {actor}
    assert {e["actor"] for e in mine} == {actor}
    assert len(mine) == 5  # register, invite, cancel, the import's register, the monitor run


def test_a_signed_in_users_page_actions_are_named_by_their_email(
    served: tuple[Container, FastAPI],
) -> None:
    container, app = served
    container.service.register(container.mcc, Registration(ACAI, "Açaí & Cia"))
    StaffDirectory(container.store, "cli:ana").add_user(BIA, Role.OPERATOR)
    value, session = new_session(BIA, utcnow(), timedelta(hours=1))
    container.store.add_session(session)
    csrf = {"csrf_token": session.csrf}
    with TestClient(app, base_url="http://127.0.0.1", cookies={SESSION_COOKIE: value}) as browser:
        invited = browser.post(f"/clients/{ACAI.digits}/invite", data={**csrf, "back": "/"})
        assert invited.status_code == 200, invited.text
        browser.post(f"/clients/{ACAI.digits}/onboarding-links", data=csrf)
        assert browser.post("/monitor", data=csrf).status_code == 200

    actor = f"user:{BIA}"
    assert _actors(container, ACAI) == {Operation.REGISTER: {"cli:ana"}, Operation.INVITE: {actor}}
    [link] = container.store.list_onboarding_links(container.mcc, ACAI)
    assert link.created_by == actor
    assert _monitor_actors(container) == {actor}


@pytest.mark.parametrize("users", [False, True], ids=["no-users", "break-glass-on"])
def test_break_glass_is_named_with_the_callers_address(
    each_store_env: dict[str, str], users: bool
) -> None:
    env = {**each_store_env, "MCC_BREAK_GLASS": "on"} if users else each_store_env
    container = Container(environ=env, actor="cli:ana")
    if users:
        StaffDirectory(container.store, "cli:ana").add_user(BIA, Role.ADMIN)
    app = create_app(container, WebSettings.from_env(env))
    with TestClient(
        app, base_url="http://127.0.0.1", headers=_bearer(TOKEN), client=(CALLER, 40000)
    ) as api:
        body = {"customer_id": ACAI.dashed, "name": "A", "invite": False}
        assert api.post("/api/v1/clients", json=body).status_code == 201
    assert _actors(container, ACAI) == {Operation.REGISTER: {f"break-glass:{CALLER}"}}
    container.close()


def test_the_follow_ups_of_a_monitor_run_name_who_ran_it(
    each_store_env: dict[str, str], mailbox: Mailbox
) -> None:
    """The reminder and the alert a monitor run sends are recorded as the token that ran it,
    not as the server's own actor."""
    env = {
        **each_store_env,
        "MCC_MAIL_URL": mailbox.url,
        "MCC_MAIL_FROM": "ads@agency.example",
        "MCC_REMIND_AT": "1s",
        "MCC_ALERT_EMAIL": "ops@agency.example",
        "MCC_ALERT_PENDING_AGE": "1s",
    }
    container = Container(environ=env, actor="cli:ana")
    directory = StaffDirectory(container.store, "cli:ana")
    directory.add_user(BIA, Role.OPERATOR)
    token, _ = directory.create_token("crm", Role.OPERATOR, BIA)
    container.service.register(container.mcc, Registration(PADARIA, "P", "p@example.com"))
    container.service.invite(container.mcc, PADARIA)
    time.sleep(1.2)  # the reminder is due, the invitation overdue
    app = create_app(container, WebSettings.from_env(env))
    with TestClient(app, base_url="http://127.0.0.1", headers=_bearer(token)) as api:
        body = api.post("/api/v1/monitor/run").json()
    assert (body["reminders"]["sent"], body["alerts"]["fired"]) == (1, ["pending_overdue"])

    actor = f"token:crm ({BIA})"
    assert _actors(container, PADARIA)[Operation.REMIND] == {actor}
    under_mcc = container.store.client_history(container.mcc, container.mcc)
    assert {e.operation: e.actor for e in under_mcc} == {
        Operation.MONITOR: actor,
        Operation.ALERT: actor,
    }
    container.close()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
