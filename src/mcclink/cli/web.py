"""``mcclink web``: the dashboard and the REST API (imported only when the command runs)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Annotated

import typer

from mcclink.cli._common import err, state
from mcclink.domain import parse_duration
from mcclink.errors import ConfigurationError


def web(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on; loopback only unless you say otherwise.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8080,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            help="Mark the session cookie Secure (when a TLS proxy serves the pages).",
        ),
    ] = False,
    pending_age: Annotated[
        str, typer.Option("--pending-age", help="Flag invitations pending longer than this.")
    ] = "24h",
) -> None:
    """Serve the web dashboard and the REST API (/api/v1) until ^C.

    Needs MCC_API_TOKEN: API clients send it as a bearer token, browsers sign in with it.

    Example: MCC_API_TOKEN=... mcclink web --port 8080
    """
    import uvicorn

    from mcclink.web.app import create_app
    from mcclink.web.security import WebSettings

    container = state(ctx).container
    settings = WebSettings.from_env(
        container.environ, secure_cookies=secure_cookies, pending_age=parse_duration(pending_age)
    )
    container.mcc  # noqa: B018 - fail now, not on the first request, when no MCC is set
    container.store.check()
    if not _is_loopback(host) and not secure_cookies:
        err.print(
            f"[yellow]warning:[/] serving on {host} over plain HTTP: anyone on the network "
            "can read the token as it is sent. Put a TLS proxy in front and use --secure-cookies."
        )
    app = create_app(container, settings)  # wrong webhook settings stop it here
    _check_free(host, port)
    err.print(f"mcclink web: http://{host}:{port}/ (sign in with MCC_API_TOKEN; ^C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _check_free(host: str, port: int) -> None:
    """Refuse a port that is taken, before uvicorn would (with exit code 3 and no fix).

    Raises:
        ConfigurationError: the address cannot be bound.
    """
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot listen on {host}:{port} ({exc.strerror}): pick another with --port, "
            "or stop what is using it"
        ) from None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
