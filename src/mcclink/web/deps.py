"""What routes get from the app: the container (store, service, MCC) built at start-up, and
a service per request that records who acted."""

from __future__ import annotations

import ipaddress
from typing import Literal

from fastapi import Request

from mcclink.bootstrap import Container
from mcclink.service import GoogleAdsMCCService
from mcclink.web.security import web_settings
from mcclink.web.throttle import client_address


def container(request: Request) -> Container:
    """The app's Container (set by ``create_app``); its store and service are shared."""
    built = request.app.state.container
    assert isinstance(built, Container)
    return built


def request_actor(request: Request, channel: Literal["web", "api"]) -> str:
    """Who acts in ``request``, as history records it: ``<channel>:<client address>``.

    The API token and the pages' sign-in name no person, so the channel and the address are
    all there is to tell requests apart. The address is the one the throttle counts (behind
    ``MCC_TRUSTED_PROXIES``, the one they forward); ``channel`` alone when it is not an IP
    address.
    """
    address = client_address(request, web_settings(request).trusted_proxies)
    try:
        return f"{channel}:{ipaddress.ip_address(address)}"
    except ValueError:
        return channel


def api_service(request: Request) -> GoogleAdsMCCService:
    """The service for a REST API request, acting as ``api:<client address>``."""
    return container(request).service_as(request_actor(request, "api"))


def web_service(request: Request) -> GoogleAdsMCCService:
    """The service for a page's request, acting as ``web:<client address>``."""
    return container(request).service_as(request_actor(request, "web"))
