"""Signing in and out of the dashboard.

- ``GET /login``: the sign-in page: "Sign in with Google" when ``MCC_STAFF_CLIENT_ID`` is
  set, and the break-glass token form while ``MCC_API_TOKEN`` is usable (``auth``). It keeps
  the browser's sign-in cookie (another tab's form still works), or gives it one.
- ``POST /login``: the break-glass token (its CSRF token from the sign-in cookie); a wrong
  one counts against the address.
- ``GET /login/google?next=``: starts OpenID Connect with the staff's OAuth client
  (``oidc_client.STAFF``: code + PKCE + state + nonce), bound to this browser's sign-in cookie;
  ``GET /login/callback``: verifies the ID token, admits the person
  (``StaffDirectory.admit``: a registered user, or a verified account of an allowed Workspace
  domain), and opens a stored session. A refusal is a page that says why and whom to ask.
- ``POST /logout`` ends this browser's session; ``POST /logout/everywhere`` every session of
  the person.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mcclink.errors import InputError
from mcclink.staff import BREAK_GLASS
from mcclink.staff_service import Admission, Identity, SignInRefused
from mcclink.web.auth import (
    break_glass_usable,
    directory,
    end_every_session,
    end_session,
    require_signin_csrf,
    signed_in,
    start_session,
)
from mcclink.web.oidc_client import Failure, OidcClient, SignInFailed
from mcclink.web.roles import PUBLIC, Viewer
from mcclink.web.security import (
    SESSION_COOKIE,
    check_failures,
    count_failure,
    end_session_cookie,
    new_signin,
    read_signin,
    set_signin_cookie,
    web_settings,
)
from mcclink.web.throttle import AddressThrottle, TooManyRequests, client_address
from mcclink.web.views import Flash, render, set_flash, templates

router = APIRouter(include_in_schema=False)
#: What a failed Google sign-in page says, and its status.
_FAILURES: dict[Failure, tuple[str, int]] = {
    Failure.STATE: (
        "This sign-in expired or was started in another browser. Start again from the "
        "sign-in page.",
        400,
    ),
    Failure.DENIED: ("You declined at Google: nothing was signed in.", 403),
    Failure.REFUSED: (
        "Google refused the sign-in request. Start again; if it keeps failing, ask an admin "
        "to check MCC_STAFF_CLIENT_ID and the OAuth client's redirect URI.",
        400,
    ),
    Failure.SCOPE: ("Google did not grant what the sign-in asked for. Start again.", 403),
    Failure.INVALID_TOKEN: (
        "Google's answer failed its checks (the ID token's signature, issuer, audience, "
        "time or nonce): nothing was signed in. Start again.",
        400,
    ),
    Failure.UNAVAILABLE: (
        "Google's sign-in could not be reached. Try again in a minute; if it keeps failing, "
        "ask an admin to run `mcclink doctor`.",
        503,
    ),
}
_HEADINGS = {
    "unverified": "E-mail address not verified",
    "not_registered": "Not a user of mcclink",
    "domain": "Not a user of mcclink",
}


def login_url(next_path: str) -> str:
    """The sign-in page, returning to ``next_path`` afterwards."""
    return f"/login?next={quote(next_path, safe='')}"


def safe_next(raw: str | None) -> str:
    """``raw`` when it is a path on this site, else ``/``: never a URL elsewhere.

    A browser reads ``\\`` as ``/`` and drops tabs and newlines from a URL, so ``/\\evil``
    and ``/<tab>/evil`` would lead off the site as ``//evil`` does: they are refused too.
    """
    if not raw or not raw.startswith("/") or raw.startswith("//"):
        return "/"
    if "\\" in raw or any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        return "/"
    return raw


def _login_page(request: Request, next_path: str, *, failed: bool) -> HTMLResponse:
    signin = read_signin(request)
    fresh = signin is None
    if signin is None:
        signin = new_signin()
    google = _staff_client(request) is not None
    response = render(
        request,
        "login.html",
        401 if failed else 200,
        signin=signin,
        next=next_path,
        failed=failed,
        google=google,
        google_href=f"/login/google?next={quote(next_path, safe='')}",
        token_form=break_glass_usable(request),
    )
    if fresh:
        set_signin_cookie(response, request, signin)
    if SESSION_COOKIE in request.cookies:  # a session that no longer signs anyone in
        end_session_cookie(response)
    return response


@router.get("/login", dependencies=[PUBLIC])
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in page; signed in already, straight on to ``next``."""
    if signed_in(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, safe_next(next), failed=False)


@router.post("/login", dependencies=[PUBLIC, Depends(require_signin_csrf)])
def login(
    request: Request,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Sign in with the break-glass token: a new stored session (with a new CSRF token); a
    wrong token counts against the address.

    Raises:
        TooManyRequests: the address failed too often lately; even the right token waits.
    """
    token = token.strip()
    if not token:
        return _login_page(request, safe_next(next), failed=True)
    check_failures(request)
    if not web_settings(request).token_matches(token):
        count_failure(request)
        return _login_page(request, safe_next(next), failed=True)
    if not break_glass_usable(request):
        return _login_page(request, safe_next(next), failed=True)
    response = RedirectResponse(safe_next(next), status_code=303)
    start_session(request, response, BREAK_GLASS)
    return response


@router.post("/logout")
def logout(request: Request, principal: Viewer) -> Response:
    """Sign out: this session ends in the store, wherever its cookie is."""
    response = RedirectResponse("/login", status_code=303)
    end_session(request, response)
    return response


@router.post("/logout/everywhere")
def logout_everywhere(request: Request, principal: Viewer) -> Response:
    """Sign out every browser of the person signed in, this one included."""
    ended = end_every_session(request, principal)
    response = RedirectResponse("/login", status_code=303)
    end_session_cookie(response)
    set_flash(response, request, Flash("ok", f"Signed out everywhere ({ended} session(s))."))
    return response


@router.get("/login/google", dependencies=[PUBLIC])
def google(request: Request, next: str | None = None) -> Response:
    """Send the browser to Google's sign-in, to come back to ``next``."""
    client = _staff_client(request)
    if client is None:
        return _refused(request, "Sign-in with Google is off", _GOOGLE_OFF, 404)
    starts = request.app.state.signin_starts
    assert isinstance(starts, AddressThrottle)
    try:
        starts.spend(client_address(request, web_settings(request).trusted_proxies))
    except TooManyRequests as exc:
        wait = f"Too many sign-ins started from this address: wait {exc.retry_after} seconds."
        page = _refused(request, "Not signed in", wait, 429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    signin = read_signin(request) or new_signin()
    try:
        target = client.begin(safe_next(next), signin.browser)
    except SignInFailed as exc:
        return _failed(request, exc.reason)
    response = RedirectResponse(target, status_code=303)
    set_signin_cookie(response, request, signin)  # renewed: ten more minutes
    return response


@router.get("/login/callback", dependencies=[PUBLIC])
def callback(request: Request) -> Response:
    """Back from Google: verify, admit, open a session, then on to where the person was
    going.

    Raises:
        TooManyRequests: the address failed too often lately.
    """
    client = _staff_client(request)
    if client is None:
        return _refused(request, "Sign-in with Google is off", _GOOGLE_OFF, 404)
    check_failures(request)
    signin = read_signin(request)
    try:
        done = client.finish(dict(request.query_params), signin.browser if signin else "")
    except SignInFailed as exc:
        if exc.reason in (Failure.STATE, Failure.INVALID_TOKEN):
            count_failure(request)
        return _failed(request, exc.reason)
    settings = web_settings(request).staff
    identity = Identity(done.email, done.email_verified, done.hd, done.name, done.subject)
    try:
        user = directory(request, "sign-in").admit(
            identity, Admission(settings.domains, settings.domain_role)
        )
    except SignInRefused as exc:
        return _refused(request, _HEADINGS[exc.reason], str(exc), 403)
    except InputError as exc:  # an address mcclink cannot take as a user's
        return _refused(request, "Not a user of mcclink", str(exc), 403)
    next_path = safe_next(done.context)
    response = templates.TemplateResponse(
        request, "signin_continue.html", {"next": next_path, "email": user.email}
    )
    start_session(request, response, user.email)
    return response


_GOOGLE_OFF = (
    "This server does not offer sign-in with Google: an admin sets MCC_STAFF_CLIENT_ID and "
    "MCC_STAFF_CLIENT_SECRET and restarts it."
)


def _staff_client(request: Request) -> OidcClient | None:
    client = request.app.state.staff_signin
    assert client is None or isinstance(client, OidcClient)
    return client


def _failed(request: Request, reason: Failure) -> HTMLResponse:
    message, status = _FAILURES[reason]
    return _refused(request, "Not signed in", message, status)


def _refused(request: Request, heading: str, message: str, status: int) -> HTMLResponse:
    return render(request, "signin_refused.html", status, heading=heading, message=message)
