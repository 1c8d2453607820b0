"""What routes get from the app: the container (store, service, MCC) built at start-up."""

from __future__ import annotations

from fastapi import Request

from mcclink.bootstrap import Container


def container(request: Request) -> Container:
    """The app's Container (set by ``create_app``); its store and service are shared."""
    built = request.app.state.container
    assert isinstance(built, Container)
    return built
