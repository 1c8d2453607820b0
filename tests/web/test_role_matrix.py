"""The role matrix (issue #16): every API route of the app, with a personal token of each role
and with tokens that may not act at all, on SQLite and on DynamoDB.

The routes are read from the app, not listed here, so a new route is in the matrix the day it
is added; only a value for a new kind of path parameter, or a body that would make a new
route write, is named below.

- A token whose role is short gets 403 naming the role needed, and the store is unchanged.
- A token whose role suffices is never refused for its role.
- An expired token, a revoked one and one whose owner was removed get 401 on every route,
  saying why and naming the token by its prefix only.
- The pages refuse their forms to a signed-in user whose role is short, the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, utcnow
from mcclink.onboard_links import new_onboarding_link
from mcclink.serialization import client_to_dict, history_to_dict
from mcclink.service import Registration
from mcclink.staff import Role, mint_token, new_session
from mcclink.staff_service import StaffDirectory
from mcclink.web.app import API_PREFIX, create_app
from mcclink.web.roles import RoleCheck, declarations, served_routes
from mcclink.web.security import SESSION_COOKIE, WebSettings
from mcclink.web.throttle import AddressThrottle

PADARIA = CustomerId.parse("111-222-3333")  # in the emulator's demo scenario
NOVA = CustomerId.parse("222-333-4444")
ADMIN, OPERATOR, VIEWER = "ana@agencia.com.br", "bia@agencia.com.br", "caio@agencia.com.br"
#: Demoted from operator to viewer after making an operator token: the token acts as viewer.
DEMOTED = "dani@agencia.com.br"
#: Removed after making a token.
GONE = "edu@agencia.com.br"
EMAILS = {Role.ADMIN: ADMIN, Role.OPERATOR: OPERATOR, Role.VIEWER: VIEWER}
CSV = f"customer_id,name\n{NOVA.dashed},Nova\n"


@dataclass
class Staffed:
    """The app over one store, with users of every role and their tokens."""

    app: FastAPI
    container: Container
    #: A working token per role it acts as; ``capped``: an operator token acting as viewer.
    tokens: dict[str, str]
    #: Tokens that may not act, by why: ``expired``, ``revoked``, ``owner_gone``.
    dead: dict[str, str]
    #: The id of an onboarding link of PADARIA.
    link_id: str


@pytest.fixture
def staffed(each_store_env: dict[str, str]) -> Iterator[Staffed]:
    container = Container(environ=each_store_env, actor="cli:test")
    store, now = container.store, utcnow()
    directory = StaffDirectory(store, actor="cli:test")
    for role, email in EMAILS.items():
        directory.add_user(email, role)
    directory.add_user(DEMOTED, Role.OPERATOR)
    directory.add_user(GONE, Role.OPERATOR)
    tokens = {
        role.value: directory.create_token(role.value, role, email)[0]
        for role, email in EMAILS.items()
    }
    tokens["capped"] = directory.create_token("capped", Role.OPERATOR, DEMOTED)[0]
    directory.set_role(DEMOTED, Role.VIEWER)
    expired, record = mint_token("old", Role.ADMIN, ADMIN, now - timedelta(days=2), timedelta(1))
    store.add_token(record)
    revoked, record = directory.create_token("revoked", Role.ADMIN, ADMIN)
    directory.revoke_token(record.id)
    orphan = directory.create_token("orphan", Role.OPERATOR, GONE)[0]
    directory.remove_user(GONE)

    container.service.register(container.mcc, Registration(PADARIA, "Padaria Sol"), invite=True)
    link, _ = new_onboarding_link(container, PADARIA, timedelta(days=1), created_by="cli:test")
    app = create_app(container, WebSettings.from_env(each_store_env))
    # Room for every refused token: the throttle has its own tests (test_auth_hardening.py).
    app.state.auth_failures = AddressThrottle(1000)
    dead = {"expired": expired, "revoked": revoked, "owner_gone": orphan}
    yield Staffed(app, container, tokens, dead, link.id)
    container.close()


@dataclass(frozen=True)
class Call:
    """One request of the matrix: a route's method and a concrete path, with what would make
    it write."""

    method: str
    path: str
    needed: Role
    json: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None

    def send(self, client: TestClient, token: str) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        return client.request(
            self.method, self.path, headers=headers, json=self.json, files=self.files
        )

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


#: Bodies that would make a route write (a route not named here is sent none).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/clients"): {"json": {"customer_id": NOVA.dashed, "name": "Nova", "invite": False}},
    ("POST", "/accounts"): {
        "json": {"name": "Loja", "currency_code": "BRL", "time_zone": "America/Sao_Paulo"}
    },
    ("POST", "/imports"): {"files": {"file": ("clients.csv", CSV.encode(), "text/csv")}},
    ("POST", "/clients/{customer_id}/onboarding-links"): {"json": {"expires": "1d"}},
}


def _path(route: RouteContext) -> str:
    """The path the app serves ``route`` at (its router's prefix included)."""
    assert route.path is not None
    return route.path


def _served_by(route: RouteContext) -> str | None:
    """``api`` or ``page`` for a FastAPI route, None for a mount."""
    if not isinstance(route.original_route, APIRoute):
        return None
    return "api" if _path(route).startswith(f"{API_PREFIX}/") else "page"


def _calls(staffed: Staffed) -> list[Call]:
    """A request for every method of every API route of the app, with its declared role."""
    values = {"customer_id": PADARIA.digits, "link_id": staffed.link_id, "period": "2026-11"}
    calls: list[Call] = []
    for route in served_routes(staffed.app):
        if _served_by(route) != "api":
            continue
        [check] = declarations(route)
        assert isinstance(check, RoleCheck), _path(route)
        missing = set(route.param_convertors) - set(values)
        assert not missing, f"{_path(route)}: give the matrix a value for {missing}"
        path = _path(route).format(**{name: values[name] for name in route.param_convertors})
        relative = _path(route).removeprefix(API_PREFIX)
        for method in sorted(route.methods or ()):
            calls.append(Call(method, path, check.role, **BODIES.get((method, relative), {})))
    assert len(calls) > 15
    return calls


def _snapshot(container: Container) -> tuple[object, ...]:
    """What a refused request must leave as it was: clients, history, onboarding links, the
    staff and their tokens (but when each was last used)."""
    store, mcc = container.store, container.mcc
    start, end = datetime(2000, 1, 1, tzinfo=UTC), utcnow() + timedelta(days=1)
    return (
        [client_to_dict(c) for c in store.list_clients(mcc)],
        [history_to_dict(e) for e in store.history_between(start, end, mcc)],
        [
            link.id
            for c in store.list_clients(mcc)
            for link in store.list_onboarding_links(mcc, c.customer_id)
        ],
        [(u.email, u.role) for u in store.list_users()],
        [(t.id, t.revoked_at) for t in store.list_tokens()],
    )


#: The role each working token acts as.
ACTS_AS = {
    "viewer": Role.VIEWER,
    "capped": Role.VIEWER,
    "operator": Role.OPERATOR,
    "admin": Role.ADMIN,
}


def test_a_token_whose_role_is_short_is_refused_naming_the_role_and_nothing_changes(
    staffed: Staffed,
) -> None:
    calls = _calls(staffed)
    before = _snapshot(staffed.container)
    refused = 0
    with TestClient(staffed.app, base_url="http://127.0.0.1") as client:
        for label, token in staffed.tokens.items():
            for call in calls:
                if ACTS_AS[label].allows(call.needed):
                    continue
                response = call.send(client, token)
                assert response.status_code == 403, (label, str(call), response.text)
                body = response.json()
                assert body["code"] == "Forbidden"
                assert body["required_role"] == call.needed.value
                assert f"this needs the {call.needed} role" in body["detail"]
                assert f"acts as {ACTS_AS[label]}" in body["detail"]
                assert token not in response.text
                refused += 1
    assert refused > 10
    assert _snapshot(staffed.container) == before


def test_a_capped_token_says_its_owners_role_is_what_holds_it_back(staffed: Staffed) -> None:
    with TestClient(staffed.app, base_url="http://127.0.0.1") as client:
        response = client.post(
            f"{API_PREFIX}/clients/{PADARIA.digits}/cancel",
            headers={"Authorization": f"Bearer {staffed.tokens['capped']}"},
        )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "this needs the operator role; this token acts as viewer, its owner's role: ask an "
        f"admin to give {DEMOTED} the operator role"
    )


def test_a_token_whose_role_suffices_is_never_refused_for_its_role(staffed: Staffed) -> None:
    calls = _calls(staffed)
    with TestClient(staffed.app, base_url="http://127.0.0.1") as client:
        for label in ("viewer", "operator", "admin"):
            for call in calls:
                if not ACTS_AS[label].allows(call.needed):
                    continue
                response = call.send(client, staffed.tokens[label])
                assert response.status_code not in (401, 403), (label, str(call), response.text)


@pytest.mark.parametrize("why", ["expired", "revoked", "owner_gone"])
def test_a_token_that_may_not_act_is_refused_everywhere_by_its_prefix_only(
    staffed: Staffed, why: str
) -> None:
    token = staffed.dead[why]
    prefix = re.fullmatch(r"(mcl_[a-z0-9]{12})_.*", token)
    assert prefix is not None
    before = _snapshot(staffed.container)
    with TestClient(staffed.app, base_url="http://127.0.0.1") as client:
        for call in _calls(staffed):
            response = call.send(client, token)
            assert response.status_code == 401, (str(call), response.text)
            assert prefix.group(1) in response.json()["detail"]
            assert token not in response.text
    assert _snapshot(staffed.container) == before


# -- pages --------------------------------------------------------------------------------


def _signed_in(client: TestClient, container: Container, email: str) -> str:
    """``client`` holds a live session of ``email``; returns the session's CSRF token."""
    value, session = new_session(email, utcnow(), timedelta(hours=1))
    container.store.add_session(session)
    client.cookies.set(SESSION_COOKIE, value)
    return session.csrf


def test_a_page_form_whose_role_is_short_is_refused_naming_the_role(staffed: Staffed) -> None:
    forms = [
        (route, check)
        for route in served_routes(staffed.app)
        if _served_by(route) == "page" and route.methods == {"POST"}
        for check in declarations(route)
        if isinstance(check, RoleCheck) and check.role is not Role.VIEWER
    ]
    assert len(forms) >= 6
    before = _snapshot(staffed.container)
    with TestClient(staffed.app, base_url="http://127.0.0.1") as browser:
        csrf = _signed_in(browser, staffed.container, VIEWER)
        for route, check in forms:
            # Any value will do: the role is checked before the path is read.
            path = re.sub(r"\{[^}]+\}", "invite", _path(route))
            response = browser.post(path, data={"csrf_token": csrf}, follow_redirects=False)
            assert response.status_code == 403, (_path(route), response.text)
            sentence = f"this needs the {check.role} role; you are signed in as viewer"
            assert sentence in response.text, _path(route)
    assert _snapshot(staffed.container) == before


def test_every_page_a_viewer_may_see_is_shown_to_a_viewer(staffed: Staffed) -> None:
    with TestClient(staffed.app, base_url="http://127.0.0.1") as browser:
        _signed_in(browser, staffed.container, VIEWER)
        for route in served_routes(staffed.app):
            if _served_by(route) != "page":
                continue
            [declared] = declarations(route)
            shown = route.methods == {"GET"} and "{" not in _path(route)
            if not (shown and isinstance(declared, RoleCheck) and declared.role is Role.VIEWER):
                continue
            response = browser.get(_path(route), follow_redirects=False)
            assert response.status_code == 200, (_path(route), response.text)
