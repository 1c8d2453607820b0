"""The emulator's HTTP server: Google's sign-in (OAuth 2.0, OpenID Connect) and admin endpoints.

Sign-in (see ``oauth``, ``codes``, ``signin`` and ``oidc`` for the rules and their sources):

- ``POST /token`` -- client credentials by HTTP Basic or form fields (``client_id``,
  ``client_secret``); ``grant_type=refresh_token`` with ``refresh_token`` (optional ``scope``),
  or ``grant_type=authorization_code`` with ``code``, ``redirect_uri`` and ``code_verifier``.
  Answers ``{"access_token", "expires_in", "token_type": "Bearer", "scope"}`` plus
  ``refresh_token`` (offline access) and ``id_token`` (``openid`` scope), or HTTP 400/401
  ``{"error": "invalid_grant", "error_description": ...}`` as Google does.
- ``GET /authorize`` -- ``response_type=code``, ``client_id``, ``redirect_uri``, ``scope``,
  ``state``, ``nonce``, ``code_challenge``, ``code_challenge_method`` (``S256`` | ``plain``),
  ``access_type`` (``online`` | ``offline``), ``prompt``, ``login_hint``: an HTML page to choose
  a user and allow or deny; ``POST /authorize`` (the page's form) redirects to the client.
- ``GET /.well-known/openid-configuration`` -- the discovery document; ``GET /jwks`` -- the
  keys that verify ID tokens; ``GET /userinfo`` -- the token's user (``Authorization: Bearer``).

Admin:

- ``GET /_emulator/state`` -- links (manager, client, manager_link_id, status, invitations_sent),
  accounts, users, knobs and call counters.
- ``POST /_emulator/respond`` -- ``{"client": "1112223333", "manager": "1234567890" (optional:
  the first manager), "action": "accept" | "refuse" | "unlink"}``: the advertiser's answer.
- ``POST /_emulator/knobs`` -- ``{"latency_ms": 50, "qps_limit": 10, "fault_rate": 0.1,
  "seed": 7, "token_ttl_s": 3600}`` (any subset).
- ``POST /_emulator/faults`` -- ``{"method": "MutateCustomerManagerLink", "count": 1}``: the
  next ``count`` calls of that served method answer ``UNAVAILABLE`` before any change (0 clears).
- ``POST /_emulator/tokens`` -- ``{"action": "expire" | "revoke" | "restore"}``: expire every
  access token issued so far; revoke the refresh tokens and those tokens; accept them again.
- ``POST /_emulator/users`` -- one user as in a scenario's ``users`` (``{"email", "name",
  "access": {"1112223333": "ADMIN"}, "hd"}``): added, or replacing the one with that email.
- ``POST /_emulator/reset`` -- a scenario JSON body, or none for the emulator's own scenario.

Admin errors are JSON ``{"error": message}`` with HTTP 400 (bad input), 404 (no such endpoint)
or 409 (the link is not in a state that allows the action).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mcclink.config import LOCAL_PUBLIC_URL, PUBLIC_URL_VAR
from mcclink.emulator import oidc, signin_page
from mcclink.emulator.failures import RpcFault
from mcclink.emulator.grants import EMAIL_SCOPES, PROFILE_SCOPES, Grant, OAuthError
from mcclink.emulator.identities import read_user
from mcclink.emulator.scenario import Scenario
from mcclink.emulator.servicers import METHODS
from mcclink.emulator.shapes import Problem
from mcclink.emulator.signin import PageError, RedirectError, SignIn
from mcclink.emulator.state import EmulatorState
from mcclink.errors import InputError, InvalidTransition

_log = logging.getLogger(__name__)
_MAX_BODY = 10 * 1024 * 1024
_USERINFO_SCOPES = EMAIL_SCOPES | PROFILE_SCOPES | {"openid"}


class AdminServer(ThreadingHTTPServer):
    """The HTTP server, bound to 127.0.0.1, serving one emulator's state.

    Its base URL is the OpenID issuer; ``public_url`` (``MCC_PUBLIC_URL`` from the environment,
    else where ``mcclink web`` serves by default) is a redirect base the emulator's own OAuth
    client accepts besides loopback URIs.
    """

    daemon_threads = True
    #: socketserver's default backlog is 5: a burst of browsers signing in at once (50 in the
    #: onboarding benchmark) overflowed it, and connections waited for their timeout.
    request_queue_size = 128

    def __init__(self, port: int, state: EmulatorState, scenario: Scenario, data_dir: Path) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state, self.scenario = state, scenario
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.signer = oidc.Signer(data_dir, self.issuer)
        self.public_url = os.environ.get(PUBLIC_URL_VAR) or LOCAL_PUBLIC_URL
        self.signin = SignIn(state, self.public_url)
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

    def id_token(self, grant: Grant, nonce: str | None) -> str:
        """An ID token for the grant's user (``oauth.IdTokenMaker``).

        Raises:
            OAuthError: ``invalid_grant`` if the user is no longer in the emulator.
        """
        user = self.state.user(grant.user)
        if user is None:
            raise OAuthError("invalid_grant", "The user of this grant no longer exists.")
        return self.signer.id_token(grant, user, nonce)


class _Handler(BaseHTTPRequestHandler):
    server: AdminServer

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if url.path == "/_emulator/state":
            self._send(HTTPStatus.OK, self.server.state.snapshot())
        elif url.path == "/authorize":
            self._authorize(params)
        elif url.path == "/.well-known/openid-configuration":
            self._send(HTTPStatus.OK, oidc.discovery(self.server.issuer))
        elif url.path == "/jwks":
            self._send(HTTPStatus.OK, self.server.signer.jwks())
        elif url.path == "/userinfo":
            self._userinfo()
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no endpoint GET {url.path}"})

    def do_POST(self) -> None:
        try:
            body = self._body()
            if self.path == "/token":
                self._token(_form(body))
                return
            if self.path == "/authorize":
                self._answer(_form(body))
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

    def _token(self, form: dict[str, str]) -> None:
        authorization = self.headers.get("Authorization")
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 section 5.1
        try:
            answer = self.server.state.tokens.grant(
                form, authorization, id_token=self.server.id_token
            )
        except OAuthError as exc:
            if exc.error == "invalid_client" and authorization:
                headers["WWW-Authenticate"] = 'Basic realm="mcclink-emulator"'  # section 5.2
            payload = {"error": exc.error, "error_description": exc.description}
            self._send(exc.status, payload, headers)
            return
        self._send(HTTPStatus.OK, answer, headers)

    def _authorize(self, params: dict[str, str]) -> None:
        try:
            consent = self.server.signin.begin(params)
        except PageError as exc:
            self._html(HTTPStatus.BAD_REQUEST, signin_page.error_page(exc.error, exc.description))
        except RedirectError as exc:
            self._redirect(exc.location)
        else:
            self._html(HTTPStatus.OK, signin_page.consent_page(consent))

    def _answer(self, form: dict[str, str]) -> None:
        signin, txn = self.server.signin, form.get("txn", "")
        try:
            location = signin.answer(txn, form.get("action") == "allow", form.get("email"))
        except PageError as exc:
            try:
                again = signin_page.consent_page(
                    signin.consent(txn, signin.pending(txn)), exc.description
                )
            except PageError as gone:
                again = signin_page.error_page(gone.error, gone.description)
            self._html(HTTPStatus.BAD_REQUEST, again)
            return
        self._redirect(location)

    def _userinfo(self) -> None:
        # RFC 6750 section 3: errors of a bearer-token resource in WWW-Authenticate.
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        try:
            grant = self.server.state.tokens.lookup(token if scheme.lower() == "bearer" else "")
        except RpcFault as fault:
            challenge = f'Bearer error="invalid_token", error_description="{fault.message}"'
            payload = {"error": "invalid_token", "error_description": fault.message}
            self._send(HTTPStatus.UNAUTHORIZED, payload, {"WWW-Authenticate": challenge})
            return
        user = self.server.state.user(grant.user)
        if user is None or not grant.scopes & _USERINFO_SCOPES:
            challenge = 'Bearer error="insufficient_scope", scope="openid email profile"'
            payload = {"error": "insufficient_scope"}
            self._send(HTTPStatus.FORBIDDEN, payload, {"WWW-Authenticate": challenge})
            return
        self._send(HTTPStatus.OK, oidc.user_claims(user, grant.scopes))

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise InputError("Content-Length is not a number") from None
        if not 0 <= length <= _MAX_BODY:
            raise InputError(f"the body must be at most {_MAX_BODY} bytes")
        return self.rfile.read(length)

    def _send(self, status: int, payload: object, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._reply(status, "application/json; charset=utf-8", data, headers or {})

    def _html(self, status: int, page: str) -> None:
        self._reply(status, "text/html; charset=utf-8", page.encode("utf-8"), signin_page.HEADERS)

    def _redirect(self, location: str) -> None:
        self._reply(HTTPStatus.FOUND, "text/plain", b"", {"Location": location, **_NO_STORE})

    def _reply(self, status: int, kind: str, data: bytes, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        # Paths carry codes and states: only at DEBUG, as before.
        _log.debug("%s - " + format, self.address_string(), *args)


_NO_STORE = {"Cache-Control": "no-store"}


def _form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


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


def _faults(server: AdminServer, body: Mapping[str, Any]) -> dict[str, object]:
    method, count = body.get("method"), body.get("count", 1)
    served = sorted({m.name for m in METHODS})
    if method not in served or not isinstance(count, int) or isinstance(count, bool):
        raise InputError(
            f'expected {{"method": one of {served}, "count": a whole number}}, not {dict(body)}'
        )
    server.state.fail_next(method, count)
    return {"method": method, "count": count}


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


def _users(server: AdminServer, body: Mapping[str, Any]) -> dict[str, object]:
    try:
        user = read_user(dict(body), "user")
    except Problem as exc:
        raise InputError(
            f"POST /_emulator/users: {exc}; expected a JSON object like "
            '{"email": "ana@padaria.com.br", "name": "Ana", "access": {"1112223333": "ADMIN"}}'
        ) from None
    return {"user": asdict(server.state.set_user(user))}


def _reset(server: AdminServer, body: Mapping[str, Any]) -> dict[str, object]:
    scenario = Scenario.from_dict(body, "POST /_emulator/reset") if body else server.scenario
    server.state.load(scenario)
    return {"reset": True, "managers": [m.id for m in scenario.managers]}


_ADMIN_ROUTES: Mapping[str, Callable[[AdminServer, Mapping[str, Any]], dict[str, object]]] = {
    "/_emulator/respond": _respond,
    "/_emulator/knobs": _knobs,
    "/_emulator/faults": _faults,
    "/_emulator/tokens": _tokens,
    "/_emulator/users": _users,
    "/_emulator/reset": _reset,
}
