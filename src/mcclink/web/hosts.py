"""Which ``Host`` a request may name: the names the server is reached by, and no other.

A request naming any other host is answered 400 before anything else runs, so nothing the
server builds from the request's URL (the trailing-slash redirect, for one) ever points at
a name a stranger chose. The names answered: the address ``mcclink web`` listens on, the
host of ``MCC_PUBLIC_URL``, ``localhost`` / ``127.0.0.1`` / ``::1`` when it listens on
loopback, and every name of ``MCC_ALLOWED_HOSTS`` and ``--allowed-host``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Mapping
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from mcclink.config import PUBLIC_URL_VAR, is_loopback
from mcclink.errors import ConfigurationError

ALLOWED_HOSTS_VAR = "MCC_ALLOWED_HOSTS"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_NAME = re.compile(rf"{_LABEL}(\.{_LABEL})*", re.ASCII | re.IGNORECASE)
#: Listening on every address names none of them.
_EVERY_ADDRESS = frozenset({"0.0.0.0", "::"})
_EXAMPLE = "e.g. ads.example.com or 10.0.0.5, without scheme or port"


def allowed_hosts(
    environ: Mapping[str, str], bind_host: str, given: Collection[str] = ()
) -> frozenset[str]:
    """Every host name the server answers for, lower-case.

    Args:
        environ: where ``MCC_ALLOWED_HOSTS`` (comma- or space-separated) and
            ``MCC_PUBLIC_URL`` are read.
        bind_host: the address the server listens on (``mcclink web --host``).
        given: the names of ``--allowed-host``.

    Raises:
        ConfigurationError: a name is not a host name or IP address, or no name at all
            would be answered (listening on every address with nothing else set).
    """
    listed = environ.get(ALLOWED_HOSTS_VAR, "").replace(",", " ").split()
    problems = [
        f"{source} {name!r} is not a host name or IP address: {_EXAMPLE}"
        for source, names in ((ALLOWED_HOSTS_VAR + ":", listed), ("--allowed-host", given))
        for name in names
        if _normal(name) is None
    ]
    if problems:
        raise ConfigurationError(problems)
    named = (_normal(n) for n in (*listed, *given, bind_host, _public_host(environ)))
    hosts = {n for n in named if n is not None and n not in _EVERY_ADDRESS}
    if is_loopback(bind_host):
        hosts |= LOOPBACK_HOSTS
    if not hosts:
        raise ConfigurationError(
            f"--host {bind_host} listens on every address, but no host name is allowed: "
            f"pass --allowed-host with the name clients use ({_EXAMPLE}), or set "
            f"{ALLOWED_HOSTS_VAR} or {PUBLIC_URL_VAR}"
        )
    return frozenset(hosts)


def host_name(header: str) -> str | None:
    """The host a ``Host`` header names, without its port and lower-case; None if malformed."""
    name, colon, port = header.rpartition(":")
    if not colon or not port.isdigit() or (":" in name and not name.endswith("]")):
        name = header  # no port: a name, or an IPv6 address without brackets
    return _normal(name)


class HostCheck:
    """ASGI middleware: a request whose ``Host`` is not allowed is answered 400 at once."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            name = host_name(Headers(scope=scope).get("host", ""))
            if name not in self.hosts:
                refusal = PlainTextResponse(
                    "Unknown host: this server does not answer for the host this request "
                    f"names. Its operator lists the names it answers for in {ALLOWED_HOSTS_VAR} "
                    "or with mcclink web --allowed-host.",
                    status_code=400,
                )
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _normal(name: str) -> str | None:
    """``name`` as compared (lower-case, no brackets or final dot), or None if not a host."""
    bare = name.strip().lower()
    if bare.startswith("[") and bare.endswith("]"):
        bare = bare[1:-1]
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        bare = bare.removesuffix(".")
        return bare if len(bare) <= 253 and _NAME.fullmatch(bare) else None


def _public_host(environ: Mapping[str, str]) -> str:
    try:
        return urlsplit(environ.get(PUBLIC_URL_VAR, "").strip()).hostname or ""
    except ValueError:  # malformed: the onboarding settings say so where they are used
        return ""
