"""What routes get from the app: the container (store, service, MCC) built at start-up, and
a service per request that records who acted: the request's principal."""

from __future__ import annotations

from fastapi import Request

from mcclink.bootstrap import Container
from mcclink.service import GoogleAdsMCCService
from mcclink.web.auth import Principal


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
