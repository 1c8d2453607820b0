"""``mcclink users`` and ``mcclink tokens``: who may use the dashboard and the REST API.

A thin layer over ``staff_service.StaffDirectory`` (the dashboard's admin pages use it too),
acting as the command line's actor (``cli:<os user>``): whoever has the store may manage its
staff, which is how the first admin is made. A token's secret is printed once, when it is
made; after that only its prefix ``mcl_<id>`` is ever shown.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from mcclink.cli._common import JsonOption, err, out, print_json, shown, state, wants_json
from mcclink.cli._listing import MINUTE
from mcclink.domain import parse_duration, utcnow
from mcclink.errors import InputError
from mcclink.serialization import api_token_view, format_timestamp, staff_user_to_dict
from mcclink.staff import ApiToken, Role, StaffUser, TokenState, normalize_email
from mcclink.staff_service import StaffDirectory, reentry_warning

if TYPE_CHECKING:
    from mcclink.cli._tables import FittedTable

users = typer.Typer(
    help="Staff users: who may sign in to the dashboard, and with which role (viewer reads, "
    "operator also changes links and clients, admin also manages users and tokens).\n\n"
    "Example: mcclink users add ana@agencia.com.br --role admin",
    no_args_is_help=True,
)
tokens = typer.Typer(
    help="Personal API tokens for the REST API: shown once when made, stored only as a hash.\n\n"
    "Example: mcclink tokens create --name ci --role operator --expires 90d",
    no_args_is_help=True,
)

RoleOption = Annotated[
    str, typer.Option("--role", help="admin, operator or viewer.", show_default=False)
]
EmailArgument = Annotated[
    str, typer.Argument(metavar="EMAIL", help="The address they sign in with at Google.")
]

_STATE_STYLE = {TokenState.ACTIVE: "green", TokenState.EXPIRED: "dim", TokenState.REVOKED: "red"}


@users.command("add")
def add_user(
    ctx: typer.Context,
    email: EmailArgument,
    role: RoleOption,
    name: Annotated[
        str | None, typer.Option("--name", help="Their name, as the dashboard shows it.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a person who may sign in with Google, with a role (the first admin too).

    Example: mcclink users add ana@agencia.com.br --role admin --name "Ana Souza"
    """
    user = _directory(ctx).add_user(email, _role(role), name)
    if wants_json(ctx, as_json):
        print_json(staff_user_to_dict(user))
    else:
        out.print(f"[green]✓[/] {shown(user.email)} added as {user.role.value}")


@users.command("list")
def list_users(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the users: role, when they last signed in, who added them.

    Example: mcclink users list
    """
    found = _directory(ctx).users()
    if wants_json(ctx, as_json):
        print_json([staff_user_to_dict(user) for user in found])
    elif found:
        out.print(users_table(found, f"Users ({len(found)}; times in UTC)"))
    else:
        out.print("no users yet: add the first admin with `mcclink users add EMAIL --role admin`")


@users.command("set-role")
def set_role(
    ctx: typer.Context, email: EmailArgument, role: RoleOption, as_json: JsonOption = False
) -> None:
    """Give a user another role; it applies from their next request (the last admin stays).

    Example: mcclink users set-role joao@agencia.com.br --role operator
    """
    user = _directory(ctx).set_role(email, _role(role))
    if wants_json(ctx, as_json):
        print_json(staff_user_to_dict(user))
    else:
        out.print(f"[green]✓[/] {shown(user.email)} is now {user.role.value}")


@users.command("remove")
def remove_user(
    ctx: typer.Context,
    email: EmailArgument,
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask (needed when not at a terminal).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Remove a user: their sessions end and their tokens are revoked (the last admin stays).

    Asks first at a terminal; elsewhere (a script, cron) --yes is required.

    Example: mcclink users remove joao@agencia.com.br --yes
    """
    address = _directory(ctx).removable(email).email  # an unknown or last admin: before asking
    if not yes:
        _confirm(
            f"Remove {address}? Their sessions end and their API tokens are revoked.",
            what=f"remove {address}",
        )
    warning = reentry_warning(_directory(ctx).remove_user(address))
    if wants_json(ctx, as_json):
        print_json({"email": address, "removed": True})
    else:
        out.print(f"[green]✓[/] {shown(address)} removed: signed out, their tokens revoked")
    if warning:
        err.print(f"[yellow]![/] {shown(warning)}")


@users.command("sign-out")
def sign_out(ctx: typer.Context, email: EmailArgument, as_json: JsonOption = False) -> None:
    """Sign a user out everywhere: every browser session of theirs ends now.

    Their API tokens still work: `mcclink tokens revoke` ends those.

    Example: mcclink users sign-out joao@agencia.com.br
    """
    address = normalize_email(email)
    ended = _directory(ctx).sign_out_everywhere(address)
    if wants_json(ctx, as_json):
        print_json({"email": address, "sessions_ended": ended})
    else:
        out.print(f"[green]✓[/] {shown(address)} signed out: {ended} session(s) ended")


@tokens.command("create")
def create_token(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Option(
            "--name",
            help="What it is for (ci, zapier): 1-32 of a-z, 0-9, '.', '_', '-'; history "
            "names its actions token:<name> (<owner>).",
            show_default=False,
        ),
    ],
    role: RoleOption,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires", help="How long it works: 90d, 12h, 30m (at most 3650d; default: no end)."
        ),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner",
            help="The user it belongs to: its role is never above theirs, and it stops "
            "working when they are removed (default: you at the command line, cli:<os user>).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Make a personal API token and print it: this is the only time it is shown.

    The token goes to stdout, what it is to stderr, so `TOKEN=$(mcclink tokens create ...)`
    keeps just the token. The store keeps only its hash; `tokens list` shows its prefix.

    Example: mcclink tokens create --name ci --role operator --expires 90d
    """
    expires_in = None
    if expires is not None:
        try:
            expires_in = parse_duration(expires)
        except InputError as exc:
            raise typer.BadParameter(str(exc), param_hint="--expires") from None
    directory = _directory(ctx)
    secret, token = directory.create_token(name, _role(role), owner or directory.actor, expires_in)
    if wants_json(ctx, as_json):
        print_json(
            {
                "token": secret,
                "id": token.id,
                "name": token.name,
                "role": token.role.value,
                "owner": token.owner,
                "expires_at": token.expires_at and format_timestamp(token.expires_at),
            }
        )
        return
    out.print(secret, markup=False, soft_wrap=True)
    until = f"until {token.expires_at:{MINUTE}} UTC" if token.expires_at else "with no end"
    err.print(
        f"API token {token.prefix} ({token.name}, {token.role.value}, owner {token.owner}) "
        f"works {until}. It is shown only now and cannot be shown again: copy it "
        f"(`mcclink tokens revoke {token.prefix}` ends it).",
        markup=False,
        soft_wrap=True,
    )


@tokens.command("list")
def list_tokens(
    ctx: typer.Context,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only this owner's (an e-mail or cli:<user>).")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Also the revoked and expired tokens.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List the API tokens, newest first: prefix, name, role, owner, when last used.

    Never the tokens themselves: each was shown once, when it was made.

    Example: mcclink tokens list --all
    """
    now = utcnow()
    every = _directory(ctx).tokens(owner)
    shown_tokens = every if all_ else [t for t in every if t.state(now) is TokenState.ACTIVE]
    if wants_json(ctx, as_json):
        print_json([api_token_view(token, now) for token in shown_tokens])
        return
    if not every:
        out.print("no API tokens: make one with `mcclink tokens create --name ci --role viewer`")
        return
    kind = "" if all_ else " active"
    out.print(
        tokens_table(shown_tokens, now, f"API tokens ({len(shown_tokens)}{kind}; times in UTC)")
    )
    if hidden := len(every) - len(shown_tokens):
        out.print(f"{hidden} revoked or expired token(s) not shown: --all shows them")


@tokens.command("revoke")
def revoke_token(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="The token's id, its mcl_<id> prefix (as `tokens list` shows it) or the "
            "whole token.",
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Revoke an API token: it stops working at once (a revoked token stays listed, --all).

    Example: mcclink tokens revoke mcl_k3x9q2m7p4ab
    """
    now = utcnow()
    token = _directory(ctx).revoke_token(ref)
    if wants_json(ctx, as_json):
        print_json(api_token_view(token, now))
        return
    when = f"{token.revoked_at:{MINUTE}} UTC" if token.revoked_at else "now"
    out.print(f"[green]✓[/] API token {token.prefix} ({shown(token.name)}) revoked at {when}")


def users_table(found: Sequence[StaffUser], title: str) -> FittedTable:
    """A table of users: e-mail, name, role, last sign-in, when and by whom added; when
    narrow who added them and when go first, then the name."""
    from mcclink.cli._tables import Column, FittedTable

    columns = (
        Column("E-mail"),
        Column("Name", wrap=True, drop=2),
        Column("Role"),
        Column("Last sign-in"),
        Column("Added", drop=1),
        Column("Added by", drop=1),
    )
    rows = [
        (
            shown(user.email),
            shown(user.name or ""),
            user.role.value,
            _at(user.last_sign_in_at, "never"),
            _at(user.created_at, ""),
            shown(user.created_by or ""),
        )
        for user in found
    ]
    return FittedTable(columns, rows, title)


def tokens_table(found: Sequence[ApiToken], now: datetime, title: str) -> FittedTable:
    """A table of tokens by prefix (never the secret): name, role, owner, dates, state; when
    narrow the creation date goes first, then the expiry, then the last use."""
    from mcclink.cli._tables import Column, FittedTable

    columns = (
        Column("Token"),
        Column("Name"),
        Column("Role"),
        Column("Owner", wrap=True, min_width=16),
        Column("Created", drop=1),
        Column("Expires", drop=2),
        Column("Last used", drop=3),
        Column("State"),
    )
    rows = []
    for token in found:
        current = token.state(now)
        rows.append(
            (
                token.prefix,
                shown(token.name),
                token.role.value,
                shown(token.owner),
                _at(token.created_at, ""),
                _at(token.expires_at, "never"),
                _at(token.last_used_at, "never"),
                f"[{_STATE_STYLE[current]}]{current.value}[/]",
            )
        )
    return FittedTable(columns, rows, title)


def _directory(ctx: typer.Context) -> StaffDirectory:
    container = state(ctx).container
    return StaffDirectory(container.store, container.actor)


def _role(raw: str) -> Role:
    try:
        return Role.parse(raw)
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="--role") from None


def _at(moment: datetime | None, default: str) -> str:
    return f"{moment:{MINUTE}}" if moment else default


def _confirm(question: str, *, what: str) -> None:
    """Ask ``question`` at a terminal; stop (exit 1) on no.

    Raises:
        InputError: there is no terminal to ask at (pass ``--yes``).
    """
    if not sys.stdin.isatty():
        raise InputError(f"no terminal to ask for confirmation: pass --yes to {what}")
    if not typer.confirm(question, default=False, err=True):
        err.print("nothing changed")
        raise typer.Exit(1)
