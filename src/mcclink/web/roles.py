"""Who may use each route: every route declares the least role it needs, or that it is public.

- ``RoleCheck(role)`` (pages) and ``RoleCheck(role, api=True)`` (``/api/v1``) are FastAPI
  dependencies: they resolve who is asking (``auth.page_principal`` / ``auth.api_principal``:
  a signed-in user, a personal token, the break-glass token), keep the principal on
  ``request.state.principal`` (for the templates, and for the service that records the
  principal as history's actor) and raise ``Forbidden`` when its role is short.
- ``PUBLIC`` declares a route that anyone may use (sign-in, the advertiser's onboarding
  pages); ``PublicFiles`` a mount of files anyone may read (the stylesheet, htmx).

The roles (``staff.Role``): reading anything needs ``viewer``; changing clients, links,
imports, monitor runs, onboarding links and accounts needs ``operator``; archives, users,
everyone's tokens and settings need ``admin``. ``declarations`` tells what a route declares:
``tests/web/test_route_roles.py`` walks every route the app serves (``served_routes``) with
it, so a route without a declaration fails the tests instead of being open.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.routing import Mount

from mcclink.staff import Role
from mcclink.web.auth import Principal, api_principal, page_principal, require_csrf

#: Methods that only read: a page's other requests are forms, which carry a CSRF token.
_READS = frozenset({"GET", "HEAD"})


class Forbidden(Exception):
    """A principal whose role is short of what the route needs (answered 403, nothing done).

    The message names the role needed, the role held and whom to ask.
    """

    def __init__(self, needed: Role, principal: Principal) -> None:
        super().__init__(_refusal(needed, principal))
        self.needed = needed
        self.have = principal.role


def _refusal(needed: Role, principal: Principal) -> str:
    start = f"this needs the {needed} role"
    token = principal.token
    if token is None:
        return (
            f"{start}; you are signed in as {principal.role}: ask an admin to give you the "
            f"{needed} role"
        )
    if token.role.allows(needed):  # its owner's role caps it
        return (
            f"{start}; this token acts as {principal.role}, its owner's role: ask an admin to "
            f"give {token.owner} the {needed} role"
        )
    return (
        f"{start}; this token acts as {principal.role}: ask an admin for a token with the "
        f"{needed} role"
    )


class RoleCheck:
    """FastAPI dependency: the request's principal, provided its role allows ``role``.

    ``api``: the principal comes from the bearer token (``/api/v1``); else from the page's
    session (a browser not signed in is sent to the sign-in page), and a page's form post
    must carry the session's CSRF token too: every staff form is protected by its role check.
    """

    def __init__(self, role: Role, *, api: bool = False) -> None:
        self.role = role
        self.api = api

    async def __call__(self, request: Request) -> Principal:
        """The principal (also on ``request.state.principal``).

        Raises:
            Forbidden: the principal's role is short of ``role``.
            Unauthorized, TooManyRequests: (API) no usable token (``auth.api_principal``).
            SignInRequired: (pages) no live session of a current user.
            CsrfRejected: (page forms) the form lacks the session's CSRF token.
        """
        # The store is read in a worker thread, as for a plain ``def`` dependency.
        principal = await run_in_threadpool(api_principal if self.api else page_principal, request)
        if not self.api and request.method not in _READS:
            await require_csrf(request)  # the principal is cached: no second read
        if not principal.role.allows(self.role):
            raise Forbidden(self.role, principal)
        return principal

    def __repr__(self) -> str:
        return f"RoleCheck({self.role.value}{', api' if self.api else ''})"


def public() -> None:
    """Declares a route that anyone may use: it asks for no principal."""


PUBLIC = Depends(public)


class PublicFiles(StaticFiles):
    """Static files anyone may read: a mount has no dependencies, so its class declares it."""


#: Route parameters of pages, by the least role they need: ``principal: Operator`` (a form
#: post's CSRF token included).
Viewer = Annotated[Principal, Depends(RoleCheck(Role.VIEWER))]
Operator = Annotated[Principal, Depends(RoleCheck(Role.OPERATOR))]
Admin = Annotated[Principal, Depends(RoleCheck(Role.ADMIN))]
#: The same for the API's routes (a bearer token).
ApiViewer = Annotated[Principal, Depends(RoleCheck(Role.VIEWER, api=True))]
ApiOperator = Annotated[Principal, Depends(RoleCheck(Role.OPERATOR, api=True))]
ApiAdmin = Annotated[Principal, Depends(RoleCheck(Role.ADMIN, api=True))]

#: What a route may declare: a role check, or that it is public.
Declaration = RoleCheck | Literal["public"]


def served_routes(app: FastAPI) -> Iterator[RouteContext]:
    """Every route ``app`` serves, as it serves it: an included router's prefix and
    dependencies applied to each of its routes."""
    return iter_route_contexts(app.routes)


def declarations(route: RouteContext) -> list[Declaration]:
    """Every role check and public marker among ``route``'s dependencies, its routers'
    included; a mount declares itself public by serving ``PublicFiles``. A well-declared
    route has exactly one; any route but an ``APIRoute`` or such a mount has none."""
    served = route.original_route
    if isinstance(served, Mount):
        return ["public"] if isinstance(served.app, PublicFiles) else []
    if not isinstance(served, APIRoute):
        return []
    found: list[Declaration] = []
    for call in _calls(route.dependant):
        if isinstance(call, RoleCheck):
            found.append(call)
        elif call is public:
            found.append("public")
    return found


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)
