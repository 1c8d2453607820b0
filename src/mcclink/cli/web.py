"""``mcclink web``: the dashboard and the REST API (imported only when the command runs)."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from mcclink.cli._common import err, shown, state
from mcclink.config import check_all, is_loopback
from mcclink.domain import parse_duration
from mcclink.errors import ConfigurationError


def web(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on; loopback only unless you say otherwise.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: a free one, printed).")
    ] = 8080,
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
    allowed_hosts: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            metavar="HOST",
            help="A host name clients reach the server by (repeat for more; added to "
            "MCC_ALLOWED_HOSTS). The address listened on and MCC_PUBLIC_URL's host are "
            "always allowed; a request naming another host is answered 400.",
        ),
    ] = None,
) -> None:
    """Serve the web dashboard and the REST API (/api/v1) until ^C.

    Staff sign in with Google (MCC_STAFF_CLIENT_ID, MCC_STAFF_CLIENT_SECRET) and API clients
    send personal tokens (mcclink tokens create). MCC_API_TOKEN (32+ random characters) is the
    break-glass admin token: accepted while mcclink has no user, then only with
    MCC_BREAK_GLASS=on. The server starts when at least one of these ways in exists.

    Example: MCC_API_TOKEN=... mcclink web --port 8080
    """
    import uvicorn

    from mcclink.alerts import AlertSettings
    from mcclink.web.app import create_app
    from mcclink.web.auth import check_ways_in
    from mcclink.web.security import WebSettings

    container = state(ctx).container
    age = parse_duration(pending_age)

    def web_settings() -> WebSettings:
        return WebSettings.from_env(
            container.environ,
            secure_cookies=secure_cookies,
            pending_age=age,
            bind_host=host,
            extra_hosts=allowed_hosts or (),
        )

    # Every settings problem in one error, now rather than on the first request.
    check_all(
        web_settings,
        lambda: check_ways_in(web_settings(), container.store),
        lambda: container.mcc,
        lambda: container.settings.webhook,
        lambda: container.settings.onboarding,
        lambda: AlertSettings.from_env(container.environ),
    )
    settings = web_settings()
    container.store.check()
    if not is_loopback(host) and not secure_cookies:
        err.print(
            f"[yellow]warning:[/] serving on {shown(host)} over plain HTTP: anyone on the network "
            "can read the token as it is sent. Put a TLS proxy in front and use --secure-cookies."
        )
    app = create_app(container, settings)
    listening = _bind(host, port)
    address = f"[{host}]" if ":" in host else host
    bound = listening.getsockname()[1]  # the port the system chose for --port 0
    err.print(f"mcclink web: http://{shown(address)}:{bound}/ (sign in at /login; ^C stops)")
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[listening])


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so a taken port is refused with a fix (uvicorn would
    exit 3 without one) and the real port of ``--port 0`` is known before serving.

    Raises:
        ConfigurationError: the address cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen()  # from here a client that connects waits for uvicorn, not refused
    except OSError as exc:
        listening.close()
        raise ConfigurationError(
            f"cannot listen on {host}:{port} ({exc.strerror}): pick another with --port, "
            "or stop what is using it"
        ) from None
    return listening
