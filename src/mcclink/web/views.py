"""What every page shares: the templates, ``render``, one-shot messages, template filters.

A one-shot message rides in a signed cookie to the next page. A value it shows once to copy
(a new API token, an onboarding link's URL) does not: it waits in this process's memory
(``flash_copies``, a ``OneTimeStore``) and the cookie carries only its key, so a secret is
never written to the browser's cookie jar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer

from mcclink.domain import CustomerId, format_span, utcnow
from mcclink.managers import Directory
from mcclink.serialization import as_utc
from mcclink.staff import Role
from mcclink.web.ephemeral import OneTimeStore
from mcclink.web.security import CSRF_FIELD, SignInCookie, read_signin, web_settings

if TYPE_CHECKING:
    from mcclink.web.auth import Principal

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
FLASH_COOKIE = "mcclink_flash"
#: The cookie a browser keeps its chosen manager in (``deps.page_manager`` reads it): not a
#: secret, the same choice the page's URL may carry as ``?mcc=``.
MANAGER_COOKIE = "mcclink_mcc"
#: The pages the manager switcher leads back to (from a client's page: the clients list).
_MANAGER_PAGES = frozenset({"clients", "history", "reports", "hierarchy", "import"})
#: How long a one-shot message (and its value to copy) waits for the next page.
FLASH_MAX_AGE = timedelta(minutes=1)


@dataclass(frozen=True)
class Flash:
    """A one-shot message shown on the next page: ``kind`` is ``ok`` or ``error``; ``copy``
    is a value shown once in a read-only field to copy (a new onboarding link's URL, a new
    API token), under ``copy_label``."""

    kind: str
    text: str
    copy: str | None = None
    copy_label: str = "Copy it now (it is shown only once):"


def render(
    request: Request,
    name: str,
    status_code: int = 200,
    *,
    signin: SignInCookie | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render template ``name``; every form gets the session's CSRF token (the sign-in
    cookie's, ``signin`` when just made, before signing in), once the flash.

    Templates also get ``principal``: who is signed in (``auth.Principal``, kept on
    ``request.state`` by the route's role check), None on public pages; and ``can(role)``:
    whether they have that role, so a page offers only the buttons its reader may press.
    A page that acts on a manager (``deps.page_manager``) also gets ``manager``, the
    switcher's ``managers`` and their ``manager_names`` (those known), and the browser
    remembers that manager.
    """
    principal: Principal | None = getattr(request.state, "principal", None)
    # Forms post the session's CSRF token; before signing in, the sign-in cookie's.
    signin = signin or read_signin(request)
    if principal is not None and principal.session is not None:
        csrf = principal.session.csrf
    else:
        csrf = signin.csrf if signin else ""
    context["csrf_field"] = CSRF_FIELD
    context["csrf_token"] = csrf
    context["signed_in"] = principal is not None
    context["principal"] = principal
    context["flash"] = _read_flash(request)
    context["path"] = request.url.path
    context["can"] = lambda needed: principal is not None and principal.role.allows(Role(needed))
    manager: CustomerId | None = getattr(request.state, "manager", None)
    context.setdefault("manager", manager)
    if manager is not None:
        known = request.app.state.managers
        assert isinstance(known, Directory)
        context["managers"] = known.all()
        context["manager_names"] = known.names()
        section = request.url.path.split("/")[1]
        context["switch_to"] = f"/{section}" if section in _MANAGER_PAGES else "/"
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="strict")
    if manager is not None and request.cookies.get(MANAGER_COOKIE) != manager.digits:
        response.set_cookie(
            MANAGER_COOKIE,
            manager.digits,
            max_age=30 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=web_settings(request).secure_cookies,
            path="/",
        )
    return response


def _flash_signer(request: Request) -> URLSafeTimedSerializer:
    return web_settings(request).signer("flash")


def flash_copies() -> OneTimeStore[str]:
    """Where the values to copy of an app's one-shot messages wait (``app.state``)."""
    return OneTimeStore(FLASH_MAX_AGE)


def _copies(request: Request) -> OneTimeStore[str]:
    copies = request.app.state.flash_copies
    assert isinstance(copies, OneTimeStore)
    return copies


def set_flash(response: Response, request: Request, flash: Flash) -> None:
    """Show ``flash`` on the next page rendered (a signed cookie, one minute at most; its
    value to copy in memory, under a key the cookie carries)."""
    key = None if flash.copy is None else _copies(request).put(flash.copy)
    response.set_cookie(
        FLASH_COOKIE,
        _flash_signer(request).dumps([flash.kind, flash.text[:1000], key, flash.copy_label[:200]]),
        max_age=int(FLASH_MAX_AGE.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=web_settings(request).secure_cookies,
        path="/",
    )


def _read_flash(request: Request) -> Flash | None:
    cookie = request.cookies.get(FLASH_COOKIE)
    if not cookie:
        return None
    try:
        kind, text, key, label = _flash_signer(request).loads(
            cookie, max_age=int(FLASH_MAX_AGE.total_seconds())
        )
    except (BadSignature, ValueError, TypeError):
        return None
    copy = None if key is None else _copies(request).take(str(key))
    return Flash(str(kind), str(text), copy, str(label))


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def _ago(moment: datetime | None) -> str:
    return "never" if moment is None else f"{format_span(utcnow() - as_utc(moment))} ago"


templates.env.filters.update(
    when=_when, span=format_span, ago=_ago, iso=lambda m: as_utc(m).isoformat()
)
