"""What routes get from the app: the container (store, service, MCC) built at start-up, a
service per request that records who acted (the request's principal), and the manager the
request acts on (``mcc=``, the server's MCC by default)."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

from fastapi import Depends, Query, Request

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.managers import Directory, UnknownManager
from mcclink.service import GoogleAdsMCCService
from mcclink.web.auth import Principal
from mcclink.web.views import MANAGER_COOKIE


def container(request: Request) -> Container:
    """The app's Container (set by ``create_app``); its store and service are shared."""
    built = request.app.state.container
    assert isinstance(built, Container)
    return built


def acting(request: Request) -> GoogleAdsMCCService:
    """The service for this request, recording its principal's actor in history:
    ``user:<email>``, ``token:<name> (<owner>)`` or ``break-glass:<address>``.

    The principal is the one the route's role check found (``roles.RoleCheck``, which every
    route names before its service).
    """
    principal = getattr(request.state, "principal", None)
    assert isinstance(principal, Principal), "the route's role check comes before its service"
    return container(request).service_as(principal.actor)


def directory(request: Request) -> Directory:
    """The server's known managers (``managers.Directory``, made by ``create_app``)."""
    found = request.app.state.managers
    assert isinstance(found, Directory)
    return found


#: The ``mcc`` query parameter of every API route and page.
ManagerQuery = Annotated[
    str | None,
    Query(
        max_length=20,
        description="The manager (MCC) to act on: one of GET /api/v1/managers; default the "
        "server's MCC_CUSTOMER_ID.",
        examples=["123-456-7890"],
    ),
]


def manager(request: Request, mcc: ManagerQuery = None) -> CustomerId:
    """The manager an API request acts on: its ``mcc=``, else the server's MCC.

    Raises:
        InvalidCustomerId: ``mcc`` is not a customer id.
        UnknownManager: it is no manager of this server (the message names them).
    """
    return directory(request).choose(mcc, api=True)


def page_manager(request: Request, mcc: ManagerQuery = None) -> CustomerId:
    """The manager a page acts on: ``mcc=`` of its URL (the switcher's choice, or a link
    someone shared), else the one this browser chose last, else the server's MCC. The
    choice is kept on ``request.state.manager`` for ``views.render``.

    Raises:
        InvalidCustomerId: ``mcc`` is not a customer id.
        UnknownManager: it is no manager of this server (the message names them).
    """
    known = directory(request)
    chosen = known.choose(mcc)
    remembered = request.cookies.get(MANAGER_COOKIE, "")
    if mcc is None and remembered.isdigit() and len(remembered) == 10:
        with suppress(UnknownManager):  # one this store never knew (another server's)
            chosen = known.choose(remembered)
    request.state.manager = chosen
    return chosen


def tree_top(request: Request, mcc: ManagerQuery = None) -> CustomerId:
    """The manager the Hierarchy page reads the tree under: ``page_manager``'s, or an ``mcc=``
    this server does not act for (a sub-manager without clients), read all the same, as
    ``GET /api/v1/hierarchy`` and ``mcclink hierarchy`` read it: Google says whether it is a
    manager the login reaches. The switcher then stays on the browser's choice.

    Raises:
        InvalidCustomerId: ``mcc`` is not a customer id.
    """
    try:
        return page_manager(request, mcc)
    except UnknownManager as unknown:
        page_manager(request)
        return unknown.mcc


#: A route's manager: an API route's (``mcc=``) and a page's (``mcc=`` or the browser's choice).
ApiManager = Annotated[CustomerId, Depends(manager)]
PageManager = Annotated[CustomerId, Depends(page_manager)]
#: The Hierarchy page's top manager (``tree_top``).
TreeTop = Annotated[CustomerId, Depends(tree_top)]
