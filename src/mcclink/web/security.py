"""Who may use the web server: one bearer token, a signed session cookie, CSRF tokens.

The API (``/api/v1``) takes ``Authorization: Bearer <MCC_API_TOKEN>``. A browser signs in by
typing the same token once and then holds a session cookie: signed with a key derived from the
token (so changing ``MCC_API_TOKEN`` ends every session), HttpOnly, SameSite=Strict, Secure
when the server sits behind HTTPS. The cookie carries the session's CSRF token, and every form
posts it back. The sign-in form is protected the same way by an anonymous session that a
successful sign-in replaces (with a new CSRF token, so a planted cookie is worth nothing).

Failed authentications (a wrong bearer token, a wrong token typed in the sign-in form) are
throttled per client address: after ``AUTH_FAILURES`` in a minute the address is answered
429 with ``Retry-After``, the right token included, until its allowance refills. Under
``/api/v1`` the token is checked before anything else (``install``), so an unknown path, a
malformed request or a trailing-slash redirect tells nothing to a client without it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.types import ASGIApp, Receive, Scope, Send

from mcclink.config import ProxyNetwork, Secret, Settings, check_all, secret_problem
from mcclink.errors import ConfigurationError
from mcclink.monitor import DEFAULT_PENDING_AGE
from mcclink.web import problems
from mcclink.web.hosts import LOOPBACK_HOSTS, HostCheck, allowed_hosts
from mcclink.web.throttle import AddressThrottle, TooManyRequests, client_address

log = logging.getLogger(__name__)

SESSION_COOKIE = "mcclink_session"
CSRF_FIELD = "csrf_token"
MIN_TOKEN_LENGTH = 32
#: Failed authentications an address may make in a row; one more is allowed every 6 s.
AUTH_FAILURES = 10
TOKEN_HINT = (
    "export MCC_API_TOKEN=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\""
)


def content_security_policy(image_origin: str | None = None) -> str:
    """No inline script, no third-party origin: every asset is served from here (but for
    ``image_origin``, the agency's logo on the advertiser's pages)."""
    images = f"'self' data: {image_origin}" if image_origin else "'self' data:"
    return (
        f"default-src 'self'; img-src {images}; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )


class Unauthorized(Exception):
    """An API request without a valid bearer token (answered 401)."""


class SignInRequired(Exception):
    """A page request without a signed-in session (answered by a redirect to /login)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejected(Exception):
    """A form posted without the session's CSRF token (answered 403, nothing done)."""


@dataclass(frozen=True)
class WebSettings:
    """The web server's own settings: the token, cookie policy, the names it answers for, the
    proxies it believes and the dashboard's thresholds."""

    token: Secret
    secure_cookies: bool = False
    session_max_age: timedelta = timedelta(hours=8)
    pending_age: timedelta = DEFAULT_PENDING_AGE
    #: ``Host`` names answered; a request naming another is answered 400 (``web.hosts``).
    hosts: frozenset[str] = LOOPBACK_HOSTS
    #: Peers whose ``X-Forwarded-For`` names the client (``MCC_TRUSTED_PROXIES``).
    trusted_proxies: tuple[ProxyNetwork, ...] = ()

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str],
        *,
        secure_cookies: bool = False,
        pending_age: timedelta = DEFAULT_PENDING_AGE,
        bind_host: str = "127.0.0.1",
        extra_hosts: Collection[str] = (),
    ) -> WebSettings:
        """Settings from ``MCC_API_TOKEN``, ``MCC_ALLOWED_HOSTS``, ``MCC_PUBLIC_URL``,
        ``MCC_TRUSTED_PROXIES`` and the options of ``mcclink web`` (``--host``,
        ``--allowed-host``, ...).

        Raises:
            ConfigurationError: the token is missing or does not look random (the message
                says how to make one), a host name or proxy is malformed, or no host name
                would be answered.
        """
        raw = environ.get("MCC_API_TOKEN", "").strip()
        found: dict[str, Any] = {}

        def token() -> None:
            if problem := token_problem(raw):
                raise ConfigurationError(f"{problem}. Make one and start again: {TOKEN_HINT}")

        def hosts() -> None:
            found["hosts"] = allowed_hosts(environ, bind_host, extra_hosts)

        def proxies() -> None:
            found["proxies"] = Settings.from_env(environ).proxies

        check_all(token, hosts, proxies)  # one error names every problem
        return cls(
            token=Secret(raw),
            secure_cookies=secure_cookies,
            pending_age=pending_age,
            hosts=found["hosts"],
            trusted_proxies=found["proxies"],
        )

    def token_matches(self, candidate: str) -> bool:
        """True when ``candidate`` is the token (compared in constant time)."""
        return hmac.compare_digest(candidate.encode(), self.token.reveal().encode())

    def signer(self) -> URLSafeTimedSerializer:
        """Signs session cookies with a key derived from the token (never the token itself)."""
        key = hmac.new(self.token.reveal().encode(), b"mcclink-session", hashlib.sha256)
        return URLSafeTimedSerializer(key.hexdigest(), salt="mcclink-session")


@dataclass(frozen=True)
class Session:
    """A browser's session: anonymous until signed in, always with a CSRF token."""

    csrf: str
    signed_in: bool


class SignedOut:
    """Sessions signed out on this server, refused until they would have expired anyway.

    A session cookie is self-contained, so deleting it in the browser does not stop a copy;
    this list does (it lives in memory: a restart forgets it, and changing MCC_API_TOKEN
    ends every session).
    """

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, session: Session, max_age: timedelta) -> None:
        """Refuse ``session`` from now on."""
        now = time.time()
        with self._lock:
            self._until = {sid: until for sid, until in self._until.items() if until > now}
            self._until[session.csrf] = now + max_age.total_seconds()

    def __contains__(self, session_id: object) -> bool:
        with self._lock:
            return session_id in self._until


def token_problem(token: str) -> str | None:
    """What makes ``token`` unfit to be ``MCC_API_TOKEN`` (never its value), or None."""
    if not token:
        return "MCC_API_TOKEN is not set: the web server serves nothing without authentication"
    return secret_problem("MCC_API_TOKEN", token, MIN_TOKEN_LENGTH)


def install(app: FastAPI, settings: WebSettings, api_prefix: str) -> None:
    """Secure ``app`` with ``settings``: the Host check first, then the token under
    ``api_prefix``, before routing. Call it after every other middleware is added (the
    last added runs first)."""
    app.state.web_settings = settings
    app.state.signed_out = SignedOut()
    app.state.auth_failures = AddressThrottle(AUTH_FAILURES)
    app.add_middleware(_ApiGate, prefix=api_prefix)
    app.add_middleware(HostCheck, hosts=settings.hosts)


def unauthorized() -> JSONResponse:
    """The API's 401: a problem document saying which header to send."""
    return problems.problem(
        401,
        "Authentication required",
        "send the header Authorization: Bearer <MCC_API_TOKEN>",
        code="Unauthorized",
        headers={"WWW-Authenticate": 'Bearer realm="mcclink"'},
    )


class _ApiGate:
    """ASGI middleware: under the API prefix, the bearer token before anything else."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == self.prefix or path.startswith(self.prefix + "/")):
            try:
                require_api_token(Request(scope))
            except Unauthorized:
                await unauthorized()(scope, receive, send)
                return
            except TooManyRequests as exc:
                await _too_many_failures(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _too_many_failures(exc: TooManyRequests) -> JSONResponse:
    return problems.problem(
        429,
        "Too many failed authentications",
        f"this address sent too many wrong tokens: wait {exc.retry_after} s, then send the "
        "right one",
        code="TooManyRequests",
        headers={"Retry-After": str(exc.retry_after)},
    )


def authenticate(request: Request, candidate: str) -> bool:
    """Whether ``candidate`` is the token; a wrong one spends from the client address's
    allowance of failures (an empty one is no attempt and spends nothing).

    Raises:
        TooManyRequests: the address failed too often lately; even the right token waits.
    """
    if not candidate:
        return False
    settings = web_settings(request)
    failures = request.app.state.auth_failures
    assert isinstance(failures, AddressThrottle)
    address = client_address(request, settings.trusted_proxies)
    failures.check(address)
    if settings.token_matches(candidate):
        return True
    failures.spend(address)
    try:
        failures.check(address)
    except TooManyRequests as exc:  # this failure spent the last of the allowance
        log.warning(
            "%d failed authentications from %s: refused for %d s",
            AUTH_FAILURES,
            address,
            exc.retry_after,
        )
    return False


def web_settings(request: Request) -> WebSettings:
    """The app's WebSettings (set by ``install``)."""
    settings = request.app.state.web_settings
    assert isinstance(settings, WebSettings)
    return settings


def require_api_token(request: Request) -> None:
    """A valid ``Authorization: Bearer`` header: checked by ``install``'s gate before routing,
    and by every API route as its dependency (a route is safe on its own).

    Raises:
        Unauthorized: the header is missing, malformed or carries another token.
        TooManyRequests: the client address sent too many wrong tokens lately.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if not authenticate(request, token.strip() if scheme.lower() == "bearer" else ""):
        raise Unauthorized()


def read_session(request: Request) -> Session | None:
    """The session the request's cookie carries, or None (absent, forged or expired)."""
    settings = web_settings(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        data: Any = settings.signer().loads(
            cookie, max_age=int(settings.session_max_age.total_seconds())
        )
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
        return None
    if data["csrf"] in _signed_out(request):  # the CSRF token doubles as the session's id
        return None
    return Session(csrf=data["csrf"], signed_in=data.get("in") is True)


def sign_out(response: Response, request: Request, session: Session) -> None:
    """End ``session``: its cookie is removed here, and any copy of it is refused."""
    _signed_out(request).add(session, web_settings(request).session_max_age)
    end_session(response)


def _signed_out(request: Request) -> SignedOut:
    registry = request.app.state.signed_out
    assert isinstance(registry, SignedOut)
    return registry


def new_session(*, signed_in: bool) -> Session:
    """A session with a fresh CSRF token (set it on a response with ``set_session_cookie``)."""
    return Session(csrf=secrets.token_urlsafe(32), signed_in=signed_in)


def set_session_cookie(response: Response, request: Request, session: Session) -> None:
    """Send ``session`` to the browser as the signed session cookie."""
    settings = web_settings(request)
    response.set_cookie(
        SESSION_COOKIE,
        settings.signer().dumps({"csrf": session.csrf, "in": session.signed_in}),
        max_age=int(settings.session_max_age.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )


def end_session(response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def require_session(request: Request) -> Session:
    """FastAPI dependency of every page: a signed-in session.

    Raises:
        SignInRequired: no signed-in session (the browser is sent to /login).
    """
    session = read_session(request)
    if session is None or not session.signed_in:
        # Back to the same page after signing in; a form post cannot be replayed by a GET.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/")
    return session


async def require_csrf(request: Request) -> Session:
    """FastAPI dependency of every form post: the session's CSRF token in the form.

    Works for the sign-in form's anonymous session too. The form stays readable by the
    route (Starlette caches the parsed form on the request).

    Raises:
        CsrfRejected: no session, or the form's token is missing or wrong.
    """
    session = read_session(request)
    submitted = (await request.form()).get(CSRF_FIELD)
    if (
        session is None
        or not isinstance(submitted, str)
        or not hmac.compare_digest(submitted.encode(), session.csrf.encode())
    ):
        raise CsrfRejected()
    return session
