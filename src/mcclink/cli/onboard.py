"""``mcclink onboard``: links an advertiser opens to sign in with Google and accept the MCC.

A link's URL is printed once, when it is made: the store keeps only a hash of its secret,
so ``list`` and ``revoke`` name links by their public id.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from mcclink.cli._common import JsonOption, err, out, print_json, state, wants_json
from mcclink.cli._listing import MINUTE
from mcclink.domain import CustomerId, parse_duration, utcnow
from mcclink.errors import ClientNotFound, InputError
from mcclink.onboard_links import mcc_onboarding_link, new_onboarding_link
from mcclink.onboarding import DEFAULT_EXPIRY, MAX_EXPIRY, OnboardingLink, OnboardingState
from mcclink.serialization import new_onboarding_link_to_dict, onboarding_link_view

if TYPE_CHECKING:
    from mcclink.cli._tables import FittedTable

app = typer.Typer(
    help="Onboarding links: the advertiser signs in with Google and accepts the MCC's "
    "invitation on the spot.\n\nExample: mcclink onboard link 111-222-3333 --expires 7d",
    no_args_is_help=True,
)

_STATE_STYLE = {
    OnboardingState.ACTIVE: "green",
    OnboardingState.EXPIRED: "dim",
    OnboardingState.REVOKED: "red",
}


@app.command("link")
def link(
    ctx: typer.Context,
    customer_id: Annotated[
        str | None,
        typer.Argument(
            metavar="CUSTOMER_ID",
            help="The registered client the link is for (default: the agency's general "
            "access page, where the advertiser picks any of their accounts).",
        ),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            help=f"How long it works: 14d, 12h, 90m (default {DEFAULT_EXPIRY.days}d, "
            f"at most {MAX_EXPIRY.days}d).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Make an onboarding link and print its URL, under MCC_PUBLIC_URL.

    The URL is shown this once (only a hash of its secret is stored): send it to the
    advertiser. Without CUSTOMER_ID it is the general access page.

    Example: mcclink onboard link 111-222-3333 --expires 7d
    """
    try:
        expires_in = parse_duration(expires) if expires is not None else DEFAULT_EXPIRY
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="--expires") from None
    s = state(ctx)
    cid = CustomerId.parse(customer_id) if customer_id else None
    made, url = new_onboarding_link(s.container, cid, expires_in, s.container.actor)
    if wants_json(ctx, as_json):
        print_json(new_onboarding_link_to_dict(made, url))
        return
    out.print(url, markup=False, soft_wrap=True)
    err.print(
        f"onboarding link {made.id} for {_account(made)}, MCC {made.mcc_customer_id}; "
        f"works until {made.expires_at:%Y-%m-%d %H:%M} UTC. "
        "The URL is shown only now: copy it (`mcclink onboard revoke` ends it).",
        markup=False,
        soft_wrap=True,
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    customer_id: Annotated[
        str | None,
        typer.Argument(metavar="CUSTOMER_ID", help="Only the links made for this client."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the MCC's onboarding links, newest first: state and opened / signed in / accepted.

    Never their URLs: those were shown once, when each link was made.

    Example: mcclink onboard list 111-222-3333
    """
    s = state(ctx)
    cid = CustomerId.parse(customer_id) if customer_id else None
    links = list(s.container.store.list_onboarding_links(s.container.mcc, cid))
    # An unknown client is an error; an archived one still lists the links made for it.
    if cid and not links and s.container.store.get_client(s.container.mcc, cid) is None:
        raise ClientNotFound(s.container.mcc.digits, cid.digits)
    now = utcnow()
    if wants_json(ctx, as_json):
        print_json([onboarding_link_view(made, now) for made in links])
    else:
        title = f"Onboarding links of MCC {s.container.mcc} ({len(links)}; times in UTC)"
        out.print(links_table(links, now, title))


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    link_id: Annotated[
        str, typer.Argument(metavar="LINK_ID", help="The link's id, as `onboard list` shows it.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Revoke an onboarding link: it stops working at once (its counts stay).

    Example: mcclink onboard revoke q3JxV0mN8bTz2WcA
    """
    c = state(ctx).container
    before = mcc_onboarding_link(c, link_id)
    now = utcnow()
    revoked = c.store.revoke_onboarding_link(before.id, now)
    if wants_json(ctx, as_json):
        print_json(onboarding_link_view(revoked, now))
        return
    when = f"{revoked.revoked_at:%Y-%m-%d %H:%M} UTC" if revoked.revoked_at else "now"
    verb = "was already revoked" if before.revoked_at else "revoked"
    out.print(
        f"onboarding link {revoked.id} ({_account(revoked)}) {verb} at {when}",
        markup=False,
        soft_wrap=True,
    )


def links_table(links: Iterable[OnboardingLink], now: datetime, title: str) -> FittedTable:
    """A table of onboarding links: id, account, state at ``now``, expiry, funnel."""
    from mcclink.cli._tables import Column, FittedTable

    # Whole at 80 columns (a 16-character id): the expiry's time goes under its date, and
    # "Signed in" on two lines; narrower, the expiry goes, then the state.
    columns = (
        Column("ID"),
        Column("Account"),
        Column("State", drop=2),
        Column("Expires", drop=1, wrap=True),
        Column("Opened", justify="right"),
        Column("Signed in", wrap=True, justify="right"),
        Column("Accepted", justify="right"),
    )
    rows = []
    for made in links:
        current = made.state(now)
        rows.append(
            (
                made.id,
                _account(made),
                f"[{_STATE_STYLE[current]}]{current.value}[/]",
                f"{made.expires_at:{MINUTE}}",
                str(made.opened),
                str(made.signed_in),
                str(made.accepted),
            )
        )
    return FittedTable(columns, rows, title)


def _account(made: OnboardingLink) -> str:
    return made.customer_id.dashed if made.customer_id else "any account"
