"""Drive a running emulator from another process through its admin HTTP endpoints.

Only the standard library is used, so the CLI can answer as an advertiser
(``mcclink emulator respond``) without loading gRPC or the ``google-ads`` library.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from mcclink.errors import ConfigurationError, InputError, InvalidTransition

_TIMEOUT_S = 10.0


def respond(admin_url: str, client: str, action: str, manager: str | None = None) -> dict[str, Any]:
    """Answer as the advertiser ``client``: ``accept``, ``refuse`` or ``unlink``.

    Args:
        admin_url: the emulator's admin URL (``MCCLINK_EMULATOR_ADMIN_URL``).
        client: the advertiser's customer id.
        action: ``accept`` / ``refuse`` a pending invitation, or ``unlink`` an active link.
        manager: the inviting manager (default: the emulator's first manager).

    Returns:
        The link as it now stands: manager, client, manager_link_id, status, hidden.

    Raises:
        InvalidTransition: the link is not PENDING (accept, refuse) or ACTIVE (unlink).
        InputError: an unknown account or action, or a malformed ``admin_url``.
        ConfigurationError: no emulator answers at ``admin_url``.
    """
    body: dict[str, str] = {"client": client, "action": action}
    if manager is not None:
        body["manager"] = manager
    return _call(admin_url, "/_emulator/respond", body)


def fetch_state(admin_url: str) -> dict[str, Any]:
    """The emulator's links, accounts, knobs and call counters.

    Raises:
        InputError: a malformed ``admin_url``.
        ConfigurationError: no emulator answers at ``admin_url``.
    """
    return _call(admin_url, "/_emulator/state", None)


def _call(admin_url: str, path: str, body: dict[str, str] | None) -> dict[str, Any]:
    if not admin_url.startswith(("http://", "https://")):
        raise InputError(
            f"emulator admin URL {admin_url!r} must start with http:// "
            "(e.g. http://127.0.0.1:8765, as printed by `mcclink emulator serve`)"
        )
    request = urllib.request.Request(
        admin_url.rstrip("/") + path,
        data=None if body is None else json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    # The emulator only listens on loopback: never send its traffic through a proxy.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=_TIMEOUT_S) as response:
            answer: dict[str, Any] = json.load(response)
            return answer
    except urllib.error.HTTPError as exc:
        message = _error_message(exc)
        raise (InvalidTransition if exc.code == 409 else InputError)(message) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConfigurationError(
            f"the Google Ads emulator is not reachable at {admin_url} ({reason}): start it with "
            "`mcclink emulator serve` and use the MCCLINK_EMULATOR_ADMIN_URL it prints"
        ) from None


def _error_message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.load(exc)["error"])
    except (ValueError, KeyError, TypeError):
        return f"the emulator answered HTTP {exc.code} {exc.reason}"
