"""Every route declares the least role it needs, or that it is public (issue #16, item 2): a
walk over the app's routes, so a route added without a declaration fails here instead of
being served to anyone."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute, RouteContext
from fastapi.staticfiles import StaticFiles
from starlette.routing import Mount

from mcclink.staff import Role
from mcclink.web.app import API_PREFIX
from mcclink.web.roles import Admin, RoleCheck, declarations, served_routes


def _path(route: RouteContext) -> str:
    """The path the app serves ``route`` at (its router's prefix included)."""
    assert route.path is not None
    return route.path


def _name(route: RouteContext) -> str:
    if isinstance(route.original_route, APIRoute):
        return f"{','.join(sorted(route.methods or ()))} {_path(route)}"
    return _path(route)


def undeclared(app: FastAPI) -> dict[str, int]:
    """Each route that declares no role or more than one, with how many it declares."""
    return {
        _name(route): len(found)
        for route in served_routes(app)
        if len(found := declarations(route)) != 1
    }


def test_every_route_declares_one_role_or_that_it_is_public(web_app: FastAPI) -> None:
    assert len(list(served_routes(web_app))) > 30
    assert undeclared(web_app) == {}


def test_a_route_without_a_declaration_is_found(web_app: FastAPI, tmp_path: Path) -> None:
    @web_app.get("/forgotten")
    def forgotten() -> str:
        return "served to anyone"

    extra = APIRouter()

    @extra.post("/twice", dependencies=[Depends(RoleCheck(Role.VIEWER))])
    def twice(principal: Admin) -> None:
        """Two declarations: which one holds is anyone's guess."""

    web_app.include_router(extra)
    web_app.mount("/files", StaticFiles(directory=tmp_path), name="files")

    assert undeclared(web_app) == {"GET /forgotten": 0, "POST /twice": 2, "/files": 0}


def test_api_routes_check_bearer_tokens_and_pages_check_sessions(web_app: FastAPI) -> None:
    for route in served_routes(web_app):
        checks = [d for d in declarations(route) if isinstance(d, RoleCheck)]
        under_api = _path(route).startswith(f"{API_PREFIX}/")
        assert all(check.api == under_api for check in checks), _name(route)


def _expected_api_role(method: str, path: str) -> Role:
    """The role table of the API: reading needs viewer, archiving admin, any other change
    operator."""
    if method == "GET":
        return Role.VIEWER
    if (method, path) == ("DELETE", f"{API_PREFIX}/clients/{{customer_id}}"):
        return Role.ADMIN
    return Role.OPERATOR


def test_each_api_route_needs_the_role_of_the_table(web_app: FastAPI) -> None:
    found: dict[str, Role] = {}
    expected: dict[str, Role] = {}
    for route in served_routes(web_app):
        if not isinstance(route.original_route, APIRoute) or not _path(route).startswith(
            API_PREFIX
        ):
            continue
        [check] = declarations(route)
        assert isinstance(check, RoleCheck), _name(route)
        for method in route.methods or ():
            found[f"{method} {_path(route)}"] = check.role
            expected[f"{method} {_path(route)}"] = _expected_api_role(method, _path(route))
    assert len(found) > 15
    assert found == expected


def test_pages_that_show_need_a_viewer_and_the_static_files_are_public(web_app: FastAPI) -> None:
    shown = {"/", "/clients", "/clients/{customer_id}", "/import"}
    for route in served_routes(web_app):
        [declared] = declarations(route)
        if isinstance(route.original_route, Mount):
            assert (_path(route), declared) == ("/static", "public")
        elif route.methods == {"GET"} and _path(route) in shown:
            assert isinstance(declared, RoleCheck)
            assert declared.role is Role.VIEWER, _name(route)


DOCS = Path(__file__).parents[2] / "docs" / "web-api.md"


def _documented_api_routes(role: Role) -> set[str]:
    """The API routes docs/web-api.md's role table gives ``role``: ``POST /clients/{id}/invite``
    · ``/cancel`` names ``POST /clients/{id}/cancel`` too."""
    [row] = [line for line in DOCS.read_text().splitlines() if line.startswith(f"| `{role}` |")]
    api_cell = row.rstrip(" |").rsplit(" | ", 1)[1]
    found: set[str] = set()
    method, parent = "", ""
    for item in re.findall(r"`([^`]+)`", api_cell):
        if " " in item:
            method, path = item.split(" ", 1)
        else:
            path = parent + item
        parent = path.rsplit("/", 1)[0]
        found.add(f"{method} {API_PREFIX}{path.replace('{id}', '{customer_id}')}")
    return found


def test_the_docs_name_the_role_of_every_api_route_that_changes_something(
    web_app: FastAPI,
) -> None:
    declared: dict[Role, set[str]] = {Role.OPERATOR: set(), Role.ADMIN: set()}
    for route in served_routes(web_app):
        [check] = declarations(route)
        if isinstance(check, RoleCheck) and check.api and check.role in declared:
            declared[check.role] |= {f"{m} {_path(route)}" for m in route.methods or ()}
    assert {role: _documented_api_routes(role) for role in declared} == declared
