"""The web server's security pieces: its settings, cookies, CSRF tokens and refusals.

Who is asking is ``auth``'s business (personal tokens, stored sessions, the break-glass
``MCC_API_TOKEN``); this module holds what it builds on:

- ``WebSettings``: the break-glass token, the staff's sign-in settings, cookie policy, the
  names answered and the proxies believed;
- the session cookie (``mcclink_session``): a stored session's random value, HttpOnly,
  SameSite=Strict, Secure behind HTTPS; the store keeps only its hash;
- the sign-in cookie (``mcclink_signin``): before anyone signs in, it carries the sign-in
  form's CSRF token and the id that binds a Google sign-in to this browser. It is signed, not
  stored (a stranger's visit writes nothing), with ``MCC_SESSION_SECRET``, or when that is
  unset a key drawn at random when the process starts. Random is enough for one process: the
  cookie lives ten minutes, and a restart costs a reload of the sign-in page. Several
  processes behind one address need the same ``MCC_SESSION_SECRET``. The one-shot messages'
  cookie (``views.set_flash``) is signed with the same key;
- the per-address throttle of failed authentications (``AUTH_FAILURES`` a minute): a wrong
  bearer token of either kind, a wrong token in the sign-in form, an unknown session cookie,
  a Google sign-in that fails its checks.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer

from mcclink.config import (
    ProxyNetwork,
    Secret,
    Settings,
    StaffSettings,
    check_all,
    secret_problem,
)
from mcclink.errors import ConfigurationError
from mcclink.monitor import DEFAULT_PENDING_AGE
from mcclink.web import problems
from mcclink.web.hosts import LOOPBACK_HOSTS, allowed_hosts
from mcclink.web.throttle import AddressThrottle, TooManyRequests, client_address

log = logging.getLogger(__name__)

SESSION_COOKIE = "mcclink_session"
SIGNIN_COOKIE = "mcclink_signin"
#: How long the sign-in form (and a Google sign-in started from it) stays usable.
SIGNIN_TTL = timedelta(minutes=10)
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
    """An API request without a usable bearer token (answered 401); the message says why,
    never repeating the token."""


class SignInRequired(Exception):
    """A page request without a live session of a current user (answered by a redirect to
    /login)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejected(Exception):
    """A form posted without the session's CSRF token (answered 403, nothing done)."""


def _random_key() -> Secret:
    return Secret(secrets.token_urlsafe(32))


@dataclass(frozen=True)
class WebSettings:
    """The web server's own settings: the break-glass token, the staff's sign-in, cookie
    policy, the names it answers for, the proxies it believes and the dashboard's thresholds."""

    #: ``MCC_API_TOKEN``, the break-glass admin token (``auth.break_glass_usable``).
    token: Secret | None = None
    staff: StaffSettings = field(default_factory=StaffSettings)
    secure_cookies: bool = False
    pending_age: timedelta = DEFAULT_PENDING_AGE
    #: ``Host`` names answered; a request naming another is answered 400 (``web.hosts``).
    hosts: frozenset[str] = LOOPBACK_HOSTS
    #: Peers whose ``X-Forwarded-For`` names the client (``MCC_TRUSTED_PROXIES``).
    trusted_proxies: tuple[ProxyNetwork, ...] = ()
    #: Signs the sign-in and one-shot message cookies: ``MCC_SESSION_SECRET``, else random.
    cookie_key: Secret = field(default_factory=_random_key)

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
        """Settings from ``MCC_API_TOKEN``, the staff's (``Settings.staff``),
        ``MCC_ALLOWED_HOSTS``, ``MCC_PUBLIC_URL``, ``MCC_TRUSTED_PROXIES`` and the options of
        ``mcclink web`` (``--host``, ``--allowed-host``, ...).

        Raises:
            ConfigurationError: every problem at once: a token that does not look random (the
                message says how to make one), a staff setting, a host name or proxy that is
                malformed, or no host name that would be answered.
        """
        raw = environ.get("MCC_API_TOKEN", "").strip()
        found: dict[str, Any] = {}

        def token() -> None:
            if raw and (problem := token_problem(raw)):
                raise ConfigurationError(f"{problem}. Make one and start again: {TOKEN_HINT}")

        def staff() -> None:
            found["staff"] = Settings.from_env(environ).staff

        def hosts() -> None:
            found["hosts"] = allowed_hosts(environ, bind_host, extra_hosts)

        def proxies() -> None:
            found["proxies"] = Settings.from_env(environ).proxies

        check_all(token, staff, hosts, proxies)  # one error names every problem
        staff_settings: StaffSettings = found["staff"]
        return cls(
            token=Secret(raw) if raw else None,
            staff=staff_settings,
            secure_cookies=secure_cookies,
            pending_age=pending_age,
            hosts=found["hosts"],
            trusted_proxies=found["proxies"],
            cookie_key=staff_settings.session_secret or _random_key(),
        )

    def token_matches(self, candidate: str) -> bool:
        """True when ``candidate`` is ``MCC_API_TOKEN`` (compared in constant time)."""
        return self.token is not None and hmac.compare_digest(
            candidate.encode(), self.token.reveal().encode()
        )

    def signer(self, purpose: str) -> URLSafeTimedSerializer:
        """Signs a cookie for ``purpose`` (each purpose its own salt) with ``cookie_key``."""
        return URLSafeTimedSerializer(self.cookie_key.reveal(), salt=f"mcclink-{purpose}")


def token_problem(token: str) -> str | None:
    """What makes ``token`` unfit to be ``MCC_API_TOKEN`` (never its value), or None."""
    return secret_problem("MCC_API_TOKEN", token, MIN_TOKEN_LENGTH)


def web_settings(request: Request) -> WebSettings:
    """The app's WebSettings (set by ``auth.install``)."""
    settings = request.app.state.web_settings
    assert isinstance(settings, WebSettings)
    return settings


# -- refusals -----------------------------------------------------------------------------


def unauthorized(detail: str | None = None) -> JSONResponse:
    """The API's 401: a problem document saying why and which header to send."""
    return problems.problem(
        401,
        "Authentication required",
        detail
        or "send the header Authorization: Bearer <token>: a personal API token (`mcclink "
        "tokens create`, or My tokens in the dashboard)",
        code="Unauthorized",
        headers={"WWW-Authenticate": 'Bearer realm="mcclink"'},
    )


def too_many_failures(exc: TooManyRequests) -> JSONResponse:
    """The API's 429 after too many failed authentications, with ``Retry-After``."""
    return problems.problem(
        429,
        "Too many failed authentications",
        f"this address sent too many wrong tokens: wait {exc.retry_after} s, then send the "
        "right one",
        code="TooManyRequests",
        headers={"Retry-After": str(exc.retry_after)},
    )


# -- failed authentications ---------------------------------------------------------------


def _failures(request: Request) -> tuple[AddressThrottle, str]:
    throttle = request.app.state.auth_failures
    assert isinstance(throttle, AddressThrottle)
    return throttle, client_address(request, web_settings(request).trusted_proxies)


def check_failures(request: Request) -> None:
    """Refuse an address that failed too often lately, before it tries a credential.

    Raises:
        TooManyRequests: its allowance is spent; even the right credential waits.
    """
    throttle, address = _failures(request)
    throttle.check(address)


def count_failure(request: Request) -> None:
    """One failed authentication of the request's address; logged when it spends the last
    of the allowance (the next attempt is answered 429)."""
    throttle, address = _failures(request)
    throttle.spend(address)
    try:
        throttle.check(address)
    except TooManyRequests as exc:
        log.warning(
            "%d failed authentications from %s: refused for %d s",
            AUTH_FAILURES,
            address,
            exc.retry_after,
        )


# -- cookies and CSRF ---------------------------------------------------------------------


@dataclass(frozen=True)
class SignInCookie:
    """Before signing in: the sign-in form's CSRF token, and the browser's id that a Google
    sign-in started here must come back to."""

    csrf: str
    browser: str


def new_signin() -> SignInCookie:
    """Fresh random values (send them with ``set_signin_cookie``)."""
    return SignInCookie(csrf=secrets.token_urlsafe(32), browser=secrets.token_urlsafe(32))


def read_signin(request: Request) -> SignInCookie | None:
    """The sign-in cookie's values, or None (absent, forged or older than ``SIGNIN_TTL``)."""
    cookie = request.cookies.get(SIGNIN_COOKIE)
    if not cookie:
        return None
    signer = web_settings(request).signer("signin")
    try:
        data: Any = signer.loads(cookie, max_age=int(SIGNIN_TTL.total_seconds()))
    except BadSignature:
        return None
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(v, str) for v in data)):
        return None
    return SignInCookie(csrf=data[0], browser=data[1])


def set_signin_cookie(response: Response, request: Request, signin: SignInCookie) -> None:
    """Send the sign-in cookie: SameSite=Lax, so that it comes back with the provider's
    redirect to ``/login/callback`` (a cross-site navigation); its CSRF token protects the
    form, and the browser id binds the Google sign-in to this browser."""
    settings = web_settings(request)
    response.set_cookie(
        SIGNIN_COOKIE,
        settings.signer("signin").dumps([signin.csrf, signin.browser]),
        max_age=int(SIGNIN_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def set_session_cookie(response: Response, request: Request, value: str) -> None:
    """Send a stored session's cookie (``value``: its secret; the store has its hash)."""
    settings = web_settings(request)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=int(settings.staff.session_max.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )


def end_session_cookie(response: Response) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def csrf_matches(submitted: object, expected: str) -> bool:
    """Whether a form's CSRF field is ``expected`` (compared in constant time)."""
    return isinstance(submitted, str) and hmac.compare_digest(submitted.encode(), expected.encode())
