"""Server-rendered pages (Jinja2): readable without JavaScript, htmx only as a nicety."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from mcclink.errors import MccLinkError
from mcclink.web.security import (
    CSRF_FIELD,
    Session,
    end_session,
    new_session,
    read_session,
    require_csrf,
    require_session,
    set_session_cookie,
    web_settings,
)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


def login_url(next_path: str) -> str:
    """The sign-in page, returning to ``next_path`` afterwards."""
    return f"/login?next={quote(next_path, safe='')}"


def render(
    request: Request,
    name: str,
    status_code: int = 200,
    session: Session | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render template ``name``; every form gets the session's CSRF token."""
    session = session or read_session(request)
    context["csrf_field"] = CSRF_FIELD
    context["csrf_token"] = session.csrf if session else ""
    context["signed_in"] = bool(session and session.signed_in)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, exc: MccLinkError, status_code: int) -> HTMLResponse:
    """An mcclink error as a page, with the CLI's message."""
    return render(request, "error.html", status_code, message=str(exc), status=status_code)


def _safe_next(raw: str | None) -> str:
    # Only a path on this site: never a URL that sends the browser elsewhere.
    return raw if raw and raw.startswith("/") and not raw.startswith("//") else "/"


def _login_page(request: Request, next_path: str, *, failed: bool) -> HTMLResponse:
    session = new_session(signed_in=False)
    response = render(
        request, "login.html", 401 if failed else 200, session, next=next_path, failed=failed
    )
    set_session_cookie(response, request, session)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return _login_page(request, _safe_next(next), failed=False)


@router.post("/login", dependencies=[Depends(require_csrf)])
def login(
    request: Request,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Sign in with MCC_API_TOKEN: a new, signed-in session (and a new CSRF token)."""
    if not web_settings(request).token_matches(token.strip()):
        return _login_page(request, _safe_next(next), failed=True)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, request, new_session(signed_in=True))
    return response


@router.post("/logout", dependencies=[Depends(require_session), Depends(require_csrf)])
def logout() -> Response:
    """Sign out."""
    response = RedirectResponse("/login", status_code=303)
    end_session(response)
    return response


@router.get("/")
def dashboard(request: Request, session: Annotated[Session, Depends(require_session)]) -> Response:
    """The dashboard (built out by the pages work)."""
    return render(request, "dashboard.html", session=session)
