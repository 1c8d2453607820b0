"""The emulator's HTTP server: the OAuth token endpoint and the admin endpoints.

- ``POST /token`` -- form fields ``grant_type=refresh_token``, ``refresh_token``, ``client_id``,
  ``client_secret``; answers ``{"access_token", "expires_in", "token_type": "Bearer"}``, or
  HTTP 400/401 ``{"error": "invalid_grant", "error_description": ...}`` as Google does.
- ``GET /_emulator/state`` -- links (manager, client, manager_link_id, status, invitations_sent),
  accounts, knobs and call counters.
- ``POST /_emulator/respond`` -- ``{"client": "1112223333", "manager": "1234567890" (optional:
  the first manager), "action": "accept" | "refuse" | "unlink"}``: the advertiser's answer.
- ``POST /_emulator/knobs`` -- ``{"latency_ms": 50, "qps_limit": 10, "fault_rate": 0.1,
  "seed": 7, "token_ttl_s": 3600}`` (any subset).
- ``POST /_emulator/tokens`` -- ``{"action": "expire" | "revoke" | "restore"}``: expire every
  access token issued so far; revoke the refresh token and those tokens; accept it again.
- ``POST /_emulator/reset`` -- a scenario JSON body, or none for the emulator's own scenario.

Errors are JSON ``{"error": message}`` with HTTP 400 (bad input), 404 (no such endpoint) or
409 (the link is not in a state that allows the action).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from mcclink.emulator.oauth import OAuthError
from mcclink.emulator.scenario import Scenario
from mcclink.emulator.state import EmulatorState
from mcclink.errors import InputError, InvalidTransition

_log = logging.getLogger(__name__)
_MAX_BODY = 10 * 1024 * 1024


class AdminServer(ThreadingHTTPServer):
    """The HTTP server, bound to 127.0.0.1, serving one emulator's state."""

    daemon_threads = True

    def __init__(self, port: int, state: EmulatorState, scenario: Scenario) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state, self.scenario = state, scenario
        self._thread = threading.Thread(
            target=self.serve_forever, name="emulator-http", daemon=True
        )

    @property
    def port(self) -> int:
        """The port actually bound (useful when asked for port 0)."""
        return int(self.server_address[1])

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    server: AdminServer

    def do_GET(self) -> None:
        if self.path == "/_emulator/state":
            self._send(HTTPStatus.OK, self.server.state.snapshot())
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no endpoint GET {self.path}"})

    def do_POST(self) -> None:
        try:
            body = self._body()
            if self.path == "/token":
                self._token(body)
                return
            route = _ADMIN_ROUTES.get(self.path)
            if route is None:
                self._send(HTTPStatus.NOT_FOUND, {"error": f"no endpoint POST {self.path}"})
                return
            self._send(HTTPStatus.OK, route(self.server, _json_object(body)))
        except InvalidTransition as exc:
            self._send(HTTPStatus.CONFLICT, {"error": str(exc)})
        except InputError as exc:
            self._send(HTTPStatus.BAD_REQUEST, {"error": str(exc)})

    def _token(self, body: bytes) -> None:
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        try:
            self._send(HTTPStatus.OK, self.server.state.tokens.grant(form))
        except OAuthError as exc:
            status = HTTPStatus.UNAUTHORIZED if exc.error == "invalid_client" else 400
            self._send(status, {"error": exc.error, "error_description": exc.description})

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise InputError("Content-Length is not a number") from None
        if not 0 <= length <= _MAX_BODY:
            raise InputError(f"the body must be at most {_MAX_BODY} bytes")
        return self.rfile.read(length)

    def _send(self, status: int, payload: object) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s - " + format, self.address_string(), *args)


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"the body is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise InputError("the body must be a JSON object")
    return value


def _respond(server: AdminServer, body: Mapping[str, Any]) -> dict[str, object]:
    for key in ("client", "action"):
        if not isinstance(body.get(key), str):
            raise InputError(
                f"{key!r} is required: expected "
                '{"client": "1112223333", "manager": "1234567890", "action": "accept"}'
            )
    manager = body.get("manager") or server.state.first_manager
    return asdict(server.state.respond(body["client"], str(manager), body["action"]))


def _knobs(server: AdminServer, body: Mapping[str, Any]) -> dict[str, object]:
    knobs = server.state.set_knobs(**body)
    return {"knobs": asdict(knobs)}


def _tokens(server: AdminServer, body: Mapping[str, Any]) -> dict[str, object]:
    actions = {
        "expire": server.state.tokens.expire_all,
        "revoke": server.state.tokens.revoke,
        "restore": server.state.tokens.restore,
    }
    action = actions.get(body.get("action", ""))
    if action is None:
        raise InputError(f"'action' must be one of {sorted(actions)}")
    action()
    return {"tokens": body["action"]}


def _reset(server: AdminServer, body: Mapping[str, Any]) -> dict[str, object]:
    scenario = Scenario.from_dict(body, "POST /_emulator/reset") if body else server.scenario
    server.state.load(scenario)
    return {"reset": True, "managers": [m.id for m in scenario.managers]}


_ADMIN_ROUTES: Mapping[str, Callable[[AdminServer, Mapping[str, Any]], dict[str, object]]] = {
    "/_emulator/respond": _respond,
    "/_emulator/knobs": _knobs,
    "/_emulator/tokens": _tokens,
    "/_emulator/reset": _reset,
}
