"""Who is asking: a signed-in user, a personal API token, or the break-glass token.

- The API (``/api/v1``) takes ``Authorization: Bearer <token>``: a personal token
  (``mcl_<id>_<secret>``, ``staff_service.StaffDirectory.resolve_token``: its role capped by
  its owner's current role), or ``MCC_API_TOKEN``. The gate ``install`` adds checks it before
  routing, so an unknown path, a malformed request or a trailing-slash redirect tells nothing
  to a client without one.
- Pages take a session stored in the store (``StaffSession``; the browser's cookie holds its
  random value, the store its hash), with an idle (``MCC_SESSION_IDLE``) and an absolute
  (``MCC_SESSION_MAX``) expiry. A session names a user, whose role is read again on every
  request: a removed user or a lowered role takes effect on their next request.
- ``MCC_API_TOKEN`` is the break-glass admin token: as a bearer token and in the sign-in
  form, while the store has no user; once one exists, only with ``MCC_BREAK_GLASS=on``.
  History names it ``break-glass:<address>``.

Both ``api_principal`` and ``page_principal`` read the store on every request and keep the
principal on ``request.state.principal`` (the templates show it; a second call in the same
request reuses it). Failed authentications count against the client address (``security``).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from mcclink.domain import utcnow
from mcclink.errors import ConfigurationError
from mcclink.ports import StaffStore
from mcclink.staff import (
    BREAK_GLASS,
    ApiToken,
    Role,
    StaffSession,
    new_session,
    token_hash,
    token_id_of,
)
from mcclink.staff_service import TOUCH_EVERY, StaffDirectory, TokenRefused
from mcclink.web.hosts import HostCheck
from mcclink.web.oidc_client import STAFF, OidcClient
from mcclink.web.security import (
    AUTH_FAILURES,
    CSRF_FIELD,
    SESSION_COOKIE,
    TOKEN_HINT,
    CsrfRejected,
    SignInCookie,
    SignInRequired,
    Unauthorized,
    WebSettings,
    check_failures,
    count_failure,
    csrf_matches,
    end_session_cookie,
    read_signin,
    set_session_cookie,
    too_many_failures,
    unauthorized,
    web_settings,
)
from mcclink.web.throttle import AddressThrottle, TooManyRequests, client_address

log = logging.getLogger(__name__)

#: Google sign-ins an address may start in a row; one more is allowed every 2 s.
SIGN_IN_STARTS = 30
#: Token refusals that are guesses (counted against the address); a revoked or expired
#: token is a real one, out of date.
_GUESSES = frozenset({"malformed", "unknown"})
_BREAK_GLASS_OFF = (
    "MCC_API_TOKEN is the break-glass token, refused since mcclink has users: send a personal "
    "API token (`mcclink tokens create`, or My tokens in the dashboard), or have the server "
    "started with MCC_BREAK_GLASS=on"
)
_WRONG_TOKEN = (
    "the bearer token is not valid: send a personal API token (mcl_...: `mcclink tokens "
    "create`, or My tokens in the dashboard)"
)


@dataclass(frozen=True)
class Principal:
    """Who a request acts for, and with which role."""

    kind: Literal["user", "token", "break-glass"]
    role: Role
    #: History's actor: ``user:<email>``, ``token:<name> (<owner>)``, ``break-glass:<ip>``.
    actor: str
    #: The person: the user, or a token's owner when a user owns it; None for break-glass.
    email: str | None
    #: Pages only: the signed-in session (its ``csrf`` is the forms' token: kept out of repr).
    session: StaffSession | None = field(default=None, repr=False)
    #: API only: the personal token used.
    token: ApiToken | None = None


def install(app: FastAPI, settings: WebSettings, api_prefix: str, staff: StaffStore) -> None:
    """Secure ``app`` with ``settings`` over the staff in ``staff``: the Host check first,
    then the bearer token under ``api_prefix``, before routing. Call it after every other
    middleware is added (the last added runs first).

    Logs a warning when ``MCC_API_TOKEN`` is set but refused (users exist and
    ``MCC_BREAK_GLASS`` is off).

    Raises:
        ConfigurationError: nobody could get in (``check_ways_in``).
    """
    check_ways_in(settings, staff)
    _warn_if_break_glass_is_off(settings, staff)
    app.state.web_settings = settings
    app.state.staff_store = staff
    app.state.clock = utcnow  # the time sessions and tokens are judged by (tests move it)
    app.state.auth_failures = AddressThrottle(AUTH_FAILURES)
    # Each Google sign-in started is kept ten minutes: a flood must not push others' out.
    app.state.signin_starts = AddressThrottle(SIGN_IN_STARTS)
    sign_in = settings.staff.sign_in
    app.state.staff_signin = (
        None
        if sign_in is None
        else OidcClient(
            sign_in.issuer,
            sign_in.client_id,
            sign_in.client_secret,
            sign_in.redirect_uri,
            purpose=STAFF,
        )
    )
    app.add_middleware(_ApiGate, prefix=api_prefix)
    app.add_middleware(HostCheck, hosts=settings.hosts)


def check_ways_in(settings: WebSettings, staff: StaffStore) -> None:
    """At least one way in: ``MCC_API_TOKEN``, Google sign-in, or a usable personal token in
    the store (read only when neither setting is given). Users alone are none: they enter
    only by signing in with Google.

    Raises:
        ConfigurationError: none of them, naming each way.
    """
    if settings.token or settings.staff.sign_in:
        return
    now = utcnow()
    if any(token.usable_at(now) for token in staff.list_tokens()):
        return
    users = (
        "mcclink has users, but they sign in with Google, which is not set up: "
        if staff.list_users()
        else ""
    )
    raise ConfigurationError(
        f"nobody could sign in: {users}set MCC_STAFF_CLIENT_ID and MCC_STAFF_CLIENT_SECRET "
        "(sign in with Google; add the first admin with `mcclink users add EMAIL --role "
        "admin`), make a personal API token with `mcclink tokens create`, or set the "
        f"break-glass token MCC_API_TOKEN: {TOKEN_HINT}"
    )


def _warn_if_break_glass_is_off(settings: WebSettings, staff: StaffStore) -> None:
    if settings.token is not None and not settings.staff.break_glass and staff.list_users():
        log.warning(
            "MCC_API_TOKEN is set but refused: mcclink has users, and MCC_BREAK_GLASS is off. "
            "Unset MCC_API_TOKEN, or set MCC_BREAK_GLASS=on to keep it as an admin token"
        )


# -- the API --------------------------------------------------------------------------------


def api_principal(request: Request) -> Principal:
    """Who the bearer token of an API request acts for.

    Raises:
        Unauthorized: no token, or one that may not act; the message says why (a personal
            token by its ``mcl_<id>`` prefix only), never repeating the token.
        TooManyRequests: the client address failed too often lately.
    """
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal) and cached.session is None:
        return cached
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    token = raw.strip() if scheme.lower() == "bearer" else ""
    if not token:  # no attempt: spends nothing
        raise Unauthorized()
    check_failures(request)
    principal = _bearer(request, token)
    request.state.principal = principal
    return principal


def _bearer(request: Request, token: str) -> Principal:
    if token_id_of(token) is not None:
        try:
            use = directory(request, "api").resolve_token(token)
        except TokenRefused as exc:
            if exc.reason in _GUESSES:
                count_failure(request)
            raise Unauthorized(str(exc)) from None
        owner = use.token.owner if use.token.owned_by_user else None
        return Principal("token", use.role, use.actor, owner, token=use.token)
    if web_settings(request).token_matches(token):
        if not break_glass_usable(request):
            raise Unauthorized(_BREAK_GLASS_OFF)
        return Principal("break-glass", Role.ADMIN, _break_glass_actor(request), None)
    count_failure(request)
    raise Unauthorized(_WRONG_TOKEN)


class _ApiGate:
    """ASGI middleware: under the API prefix, the bearer token before anything else."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == self.prefix or path.startswith(self.prefix + "/")):
            try:  # the store is read in a worker thread, as for a route
                await run_in_threadpool(api_principal, Request(scope))
            except Unauthorized as exc:
                await unauthorized(str(exc) or None)(scope, receive, send)
                return
            except TooManyRequests as exc:
                await too_many_failures(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)


# -- pages ----------------------------------------------------------------------------------


def page_principal(request: Request) -> Principal:
    """Who the session cookie of a page request is signed in as, with their role now.

    Raises:
        SignInRequired: no live session of a current user (or of break-glass while it is
            usable); the browser is sent to sign in and back.
    """
    principal = signed_in(request)
    if principal is None:
        # Back to the same page after signing in; a form post cannot be replayed by a GET.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/")
    return principal


def signed_in(request: Request) -> Principal | None:
    """``page_principal``, or None instead of raising (the sign-in page asks)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal) and cached.session is not None:
        return cached
    principal = _session_principal(request)
    if principal is not None:
        request.state.principal = principal
    return principal


def _session_principal(request: Request) -> Principal | None:
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None
    store, now = staff_store(request), clock(request)()
    session = store.get_session(token_hash(value))
    if session is None:  # never made here: a guess, or a store replaced since
        count_failure(request)
        return None
    staff = web_settings(request).staff
    if not session.live_at(now, staff.session_idle, staff.session_max):
        return None
    if session.email == BREAK_GLASS:
        if not break_glass_usable(request):
            return None
        principal = Principal(
            "break-glass", Role.ADMIN, _break_glass_actor(request), None, session=session
        )
    else:
        user = store.get_user(session.email)
        if user is None:
            return None
        principal = Principal("user", user.role, f"user:{user.email}", user.email, session)
    if now - session.last_seen_at >= TOUCH_EVERY:
        store.touch_session(session.id_hash, now)
    return principal


def start_session(request: Request, response: Response, email: str) -> None:
    """Sign the browser in as ``email`` (or ``BREAK_GLASS``): a new stored session, its
    cookie on ``response``; a session the browser held before ends."""
    _revoke_held_session(request)
    now = clock(request)()
    value, session = new_session(email, now, web_settings(request).staff.session_max)
    staff_store(request).add_session(session)
    set_session_cookie(response, request, value)


def end_session(request: Request, response: Response) -> None:
    """Sign the browser out: its session is revoked in the store (a copy of the cookie is
    refused from now on, after a restart too) and the cookie removed."""
    _revoke_held_session(request)
    end_session_cookie(response)


def _revoke_held_session(request: Request) -> None:
    value = request.cookies.get(SESSION_COOKIE)
    if value:
        staff_store(request).revoke_session(token_hash(value), clock(request)())


def end_every_session(request: Request, principal: Principal) -> int:
    """Sign out every browser of ``principal``'s person (every break-glass browser for
    break-glass); returns how many sessions were live."""
    assert principal.session is not None  # a page's principal
    return staff_store(request).revoke_sessions(principal.session.email, clock(request)())


async def require_csrf(request: Request) -> Principal:
    """FastAPI dependency of every staff form post: a signed-in session, and its CSRF token
    in the form (the form stays readable: Starlette caches it on the request).

    Raises:
        SignInRequired: not signed in.
        CsrfRejected: the form's token is missing or another session's.
    """
    principal = page_principal(request)
    submitted = (await request.form()).get(CSRF_FIELD)
    if principal.session is None or not csrf_matches(submitted, principal.session.csrf):
        raise CsrfRejected()
    return principal


async def require_signin_csrf(request: Request) -> SignInCookie:
    """FastAPI dependency of the sign-in form: the sign-in cookie's CSRF token in the form.

    Raises:
        CsrfRejected: no sign-in cookie, or the form's token is missing or wrong.
    """
    signin = read_signin(request)
    submitted = (await request.form()).get(CSRF_FIELD)
    if signin is None or not csrf_matches(submitted, signin.csrf):
        raise CsrfRejected()
    return signin


def check_form_sender(request: Request, sign_in_path: str) -> None:
    """Before a staff form's body is read: a browser that can carry a CSRF token, signed in
    but for the sign-in form (``limits``).

    Raises:
        CsrfRejected: neither a session nor a sign-in cookie (the form cannot carry a token).
        SignInRequired: posting anything but the sign-in form without being signed in.
    """
    if SESSION_COOKIE not in request.cookies and read_signin(request) is None:
        raise CsrfRejected()
    if request.url.path != sign_in_path:
        page_principal(request)


# -- break-glass and the store ----------------------------------------------------------------


def break_glass_usable(request: Request) -> bool:
    """Whether ``MCC_API_TOKEN`` is accepted now: set, and the store has no user or
    ``MCC_BREAK_GLASS`` is on."""
    settings = web_settings(request)
    if settings.token is None:
        return False
    return settings.staff.break_glass or not staff_store(request).list_users()


def _break_glass_actor(request: Request) -> str:
    address = client_address(request, web_settings(request).trusted_proxies)
    try:
        return f"break-glass:{ipaddress.ip_address(address)}"
    except ValueError:
        return "break-glass"


def staff_store(request: Request) -> StaffStore:
    """The store of users, tokens and sessions (set by ``install``)."""
    store = request.app.state.staff_store
    assert isinstance(store, StaffStore)
    return store


def clock(request: Request) -> Callable[[], datetime]:
    """The app's clock (``install``: ``utcnow``)."""
    now: Callable[[], datetime] = request.app.state.clock
    return now


def directory(request: Request, actor: str) -> StaffDirectory:
    """The staff's use cases over the app's store, acting as ``actor``."""
    return StaffDirectory(staff_store(request), actor, clock(request))
