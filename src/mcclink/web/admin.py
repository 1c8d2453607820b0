"""The staff pages: users (admins), every token (admins), and each person's own tokens.

All of it goes through ``staff_service.StaffDirectory`` acting as the signed-in person
(``user:<email>``), as ``mcclink users`` / ``mcclink tokens`` do on the command line, so the
rules are the same: the last admin stays, a token's role is at most its owner's, a person
revokes only their own tokens unless they are admin. Each route declares its role
(``roles``: users and everyone's tokens are the admin's; one's own tokens anyone's, a form's
CSRF token checked with it), and every form answers with a redirect and a one-shot message
(Post/Redirect/Get). A new token's secret is
shown once, in that message's copy field; afterwards only its prefix ``mcl_<id>``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from mcclink.errors import InputError, MccLinkError
from mcclink.staff import ApiToken, Role
from mcclink.staff_service import reentry_warning
from mcclink.web import problems
from mcclink.web.auth import Principal, clock, directory
from mcclink.web.roles import Admin, Viewer
from mcclink.web.views import Flash, render, set_flash

router = APIRouter(include_in_schema=False)

#: How long a token made on the page works, as the form offers it (None: no end).
TOKEN_EXPIRIES: dict[str, tuple[str, timedelta | None]] = {
    "30d": ("30 days", timedelta(days=30)),
    "90d": ("90 days", timedelta(days=90)),
    "1y": ("1 year", timedelta(days=365)),
    "never": ("never expires", None),
}
USERS_PAGE, ALL_TOKENS_PAGE, MY_TOKENS_PAGE = "/admin/users", "/admin/tokens", "/tokens"
#: The user a form is about: a form field, not a path segment (an address may hold a ``/``).
Email = Annotated[str, Form()]


def _done(request: Request, page: str, act: Callable[[], Flash]) -> Response:
    """Do ``act`` and go back to ``page`` with its message, or with the error's."""
    response = RedirectResponse(page, status_code=303)
    try:
        flash = act()
    except MccLinkError as exc:
        flash = Flash("error", problems.public_detail(exc, "page"))
    set_flash(response, request, flash)
    return response


# -- users (admin) -----------------------------------------------------------------------------


@router.get(USERS_PAGE)
def users_page(request: Request, principal: Admin) -> Response:
    """Every user with their role, and the forms to add, change, sign out and remove them."""
    return render(
        request,
        "admin_users.html",
        users=directory(request, principal.actor).users(),
        roles=list(Role),
    )


@router.post(USERS_PAGE)
def add_user(
    request: Request,
    principal: Admin,
    email: Email = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    """Register a person with a role; they can sign in with Google at once."""

    def add() -> Flash:
        user = directory(request, principal.actor).add_user(email, Role.parse(role))
        return Flash("ok", f"Added {user.email} as {user.role.value}: they can sign in now.")

    return _done(request, USERS_PAGE, add)


@router.post(USERS_PAGE + "/role")
def set_role(
    request: Request,
    principal: Admin,
    email: Email = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    """Give a user another role; it applies from their next request."""

    def change() -> Flash:
        user = directory(request, principal.actor).set_role(email, Role.parse(role))
        return Flash("ok", f"{user.email} is now {user.role.value}, from their next request.")

    return _done(request, USERS_PAGE, change)


@router.post(USERS_PAGE + "/remove")
def remove_user(request: Request, principal: Admin, email: Email = "") -> Response:
    """Remove a user: their sessions end and their tokens stop working at once."""

    def remove() -> Flash:
        warning = reentry_warning(directory(request, principal.actor).remove_user(email))
        done = f"Removed {email}: signed out everywhere, their tokens revoked."
        return Flash("ok", f"{done} {warning}." if warning else done)

    return _done(request, USERS_PAGE, remove)


@router.post(USERS_PAGE + "/sign-out")
def sign_out_user(request: Request, principal: Admin, email: Email = "") -> Response:
    """End every session of a user (they can sign in again)."""

    def sign_out() -> Flash:
        ended = directory(request, principal.actor).sign_out_everywhere(email)
        return Flash("ok", f"Signed {email} out everywhere: {ended} session(s) ended.")

    return _done(request, USERS_PAGE, sign_out)


# -- tokens --------------------------------------------------------------------------------------


@router.get(ALL_TOKENS_PAGE)
def all_tokens_page(request: Request, principal: Admin) -> Response:
    """Every personal API token, whoever owns it, with a revoke button."""
    return _tokens_page(
        request, principal, directory(request, principal.actor).tokens(), everyone=True
    )


@router.post(ALL_TOKENS_PAGE + "/{token_id}/revoke")
def revoke_any_token(request: Request, token_id: str, principal: Admin) -> Response:
    """Revoke any token: it stops working at once."""
    return _done(request, ALL_TOKENS_PAGE, lambda: _revoke(request, principal, token_id, None))


@router.get(MY_TOKENS_PAGE)
def my_tokens_page(request: Request, principal: Viewer) -> Response:
    """The signed-in person's tokens, and the form to make one."""
    mine = directory(request, principal.actor).tokens(principal.email) if principal.email else []
    return _tokens_page(request, principal, mine, everyone=False)


@router.post(MY_TOKENS_PAGE)
def create_token(
    request: Request,
    principal: Viewer,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    expires: Annotated[str, Form()] = "90d",
) -> Response:
    """Make a token for the signed-in person (a role up to theirs); its secret shows once."""

    def create() -> Flash:
        if expires not in TOKEN_EXPIRIES:
            raise InputError(
                f"unknown expiry {expires!r}: choose one of {', '.join(TOKEN_EXPIRIES)}"
            )
        _, expires_in = TOKEN_EXPIRIES[expires]
        secret, token = directory(request, principal.actor).create_token(
            name, Role.parse(role), _own_email(principal), expires_in
        )
        until = (
            "never expires"
            if token.expires_at is None
            else f"works until {token.expires_at:%Y-%m-%d %H:%M} UTC"
        )
        return Flash(
            "ok",
            f"Token {token.name} ({token.prefix}) made with the {token.role.value} role; "
            f"it {until}.",
            copy=secret,
            copy_label="Copy the token now: it is shown only once (afterwards only "
            f"{token.prefix}).",
        )

    return _done(request, MY_TOKENS_PAGE, create)


@router.post(MY_TOKENS_PAGE + "/{token_id}/revoke")
def revoke_my_token(request: Request, token_id: str, principal: Viewer) -> Response:
    """Revoke one of one's own tokens: it stops working at once."""
    return _done(
        request,
        MY_TOKENS_PAGE,
        lambda: _revoke(request, principal, token_id, _own_email(principal)),
    )


def _revoke(request: Request, principal: Principal, token_id: str, by: str | None) -> Flash:
    token = directory(request, principal.actor).revoke_token(token_id, by=by)
    return Flash("ok", f"Token {token.name} ({token.prefix}) revoked: it no longer works.")


def _own_email(principal: Principal) -> str:
    """The signed-in person's e-mail, whose tokens these are.

    Raises:
        InputError: the break-glass token is signed in: it is nobody, and owns no tokens.
    """
    if principal.email is None:
        raise InputError(
            "the break-glass token owns no tokens: sign in with Google to make your own, "
            f"or manage everyone's at {ALL_TOKENS_PAGE}"
        )
    return principal.email


def _tokens_page(
    request: Request, principal: Principal, tokens: list[ApiToken], *, everyone: bool
) -> Response:
    return render(
        request,
        "tokens.html",
        tokens=tokens,
        everyone=everyone,
        roles=[r for r in Role if principal.role.allows(r)],
        expiries={key: text for key, (text, _) in TOKEN_EXPIRIES.items()},
        now=clock(request)(),
    )
