"""``mcclink links``: invite, cancel, unlink, respond, hide, move, and read links at Google Ads."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from mcclink.cli._common import (
    JsonOption,
    MaxQpsOption,
    bulk_exit,
    bulk_json,
    out,
    parse_ids,
    print_bulk,
    print_json,
    run_bulk,
    state,
    status_text,
    wants_json,
)
from mcclink.domain import Client, CustomerId
from mcclink.errors import InputError
from mcclink.ports import GoogleLink
from mcclink.serialization import link_to_dict
from mcclink.service import GoogleAdsMCCService

if TYPE_CHECKING:
    from mcclink.cli._tables import FittedTable

app = typer.Typer(
    help="Invite, cancel, unlink, respond, hide and move; read links at Google Ads.\n\n"
    "Example: mcclink links invite 111-222-3333 444-555-6666"
)

Ids = Annotated[
    list[str], typer.Argument(metavar="CUSTOMER_ID", help="One or more Google Ads customer ids.")
]
Concurrency = Annotated[int, typer.Option(min=1, max=64, help="Calls made at once.")]

Action = Callable[[GoogleAdsMCCService, CustomerId, CustomerId], Client]


def _bulk(
    ctx: typer.Context,
    ids: list[str],
    action: Action,
    label: str,
    conc: int,
    js: bool,
    max_qps: float | None = None,
    noops: dict[CustomerId, str] | None = None,
    notes: dict[CustomerId, str] | None = None,
) -> None:
    """Run ``action`` on every id and print the outcome; ``noops`` (hide / unhide) is
    filled by ``action`` with the clients it left as they were, ``notes`` (move) with what
    it did that the client table does not show."""
    s = state(ctx)
    if max_qps is not None:
        s.container.max_qps = max_qps
    customer_ids = parse_ids(ids)
    # Every settings problem is said once, not once per customer id.
    mcc, service = s.container.require_google_ads(), s.container.service
    as_json = wants_json(ctx, js)
    result = run_bulk(
        customer_ids,
        lambda cid: action(service, mcc, cid),
        label=label,
        concurrency=conc,
        show_progress=len(customer_ids) > 1 and not as_json,
    )
    result.retries = s.container.google_ads_retries()
    unchanged = None if noops is None else {c: n for c, n in noops.items() if c in result.done}
    if as_json:
        data = bulk_json(result)
        if unchanged is not None:
            data["noop"] = sorted(c.digits for c in unchanged)
        print_json(data)
    else:
        print_bulk(result, noops=unchanged, notes=notes)
    bulk_exit(result)


def _bulk_command(
    name: str, action: Action, label: str, doc: str, *, hides: bool | None = None
) -> None:
    """Register ``mcclink links NAME CUSTOMER_ID...``, running ``action`` on each id;
    ``hides`` (hide: True, unhide: False) makes it say which clients were already so."""

    def command(
        ctx: typer.Context,
        customer_ids: Ids,
        concurrency: Concurrency = 8,
        max_qps: MaxQpsOption = None,
        as_json: JsonOption = False,
    ) -> None:
        noops: dict[CustomerId, str] = {}
        run = action if hides is None else _noting_noops(action, hides, noops)
        noted = None if hides is None else noops
        _bulk(ctx, customer_ids, run, label, concurrency, as_json, max_qps, noted)

    command.__doc__ = doc
    app.command(name)(command)


_bulk_command(
    "invite",
    GoogleAdsMCCService.invite,
    "Inviting",
    """Send (or re-send) the MCC's invitation to registered clients.

    Example: mcclink links invite 111-222-3333 444-555-6666 --max-qps 10
    """,
)
_bulk_command(
    "cancel",
    GoogleAdsMCCService.cancel,
    "Cancelling",
    """Withdraw pending invitations.

    Example: mcclink links cancel 111-222-3333
    """,
)
_bulk_command(
    "unlink",
    GoogleAdsMCCService.unlink,
    "Unlinking",
    """End active links between the MCC and these clients.

    Example: mcclink links unlink 111-222-3333
    """,
)


def _noting_noops(action: Action, hidden: bool, noops: dict[CustomerId, str]) -> Action:
    """``action`` (hide or unhide), noting in ``noops`` each client already as asked (the
    service then records a NOOP and sends nothing to Google)."""

    def act(service: GoogleAdsMCCService, mcc: CustomerId, cid: CustomerId) -> Client:
        if service.get(mcc, cid).hidden is hidden:
            noops[cid] = "already hidden" if hidden else "already shown"
        return action(service, mcc, cid)

    return act


_bulk_command(
    "hide",
    GoogleAdsMCCService.hide,
    "Hiding",
    """Hide active clients in the MCC's account list at Google Ads (the link stays active).

    Example: mcclink links hide 111-222-3333 444-555-6666
    """,
    hides=True,
)


_bulk_command(
    "unhide",
    GoogleAdsMCCService.unhide,
    "Showing",
    """Show hidden clients again in the MCC's account list at Google Ads.

    Example: mcclink links unhide 111-222-3333
    """,
    hides=False,
)


@app.command("move")
def move(
    ctx: typer.Context,
    customer_id: Annotated[
        str, typer.Argument(metavar="CUSTOMER_ID", help="The active client account to move.")
    ],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="MANAGER",
            help="The manager of the same tree to move it to (customer id).",
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Move an active client from the MCC to another manager of its tree, in one Google call
    (the old link ends, the new one is active; the login customer, MCC_CUSTOMER_ID for its
    sub-managers, must reach both managers).

    Example: mcclink --mcc 123-456-7890 links move 111-222-3333 --to 222-000-0001
    """
    try:
        manager = CustomerId.parse(to)
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from None

    notes: dict[CustomerId, str] = {}

    def moved(service: GoogleAdsMCCService, mcc: CustomerId, cid: CustomerId) -> Client:
        client = service.move(mcc, cid, manager)
        notes[cid] = f"moved from {mcc} to {client.mcc_customer_id}"
        return client

    _bulk(ctx, [customer_id], moved, "Moving", 1, as_json, notes=notes)


@app.command("respond")
def respond(
    ctx: typer.Context,
    customer_id: Annotated[
        str, typer.Argument(metavar="CUSTOMER_ID", help="The client account answering.")
    ],
    accept: Annotated[
        bool | None, typer.Option("--accept/--refuse", help="Accept or refuse the invitation.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Accept or refuse the MCC's invitation as the client (needs access to its account).

    Example: mcclink links respond 111-222-3333 --accept
    """
    if accept is None:
        raise typer.BadParameter("say --accept or --refuse")

    def answer(service: GoogleAdsMCCService, mcc: CustomerId, cid: CustomerId) -> Client:
        return service.respond(mcc, cid, accept=accept)

    _bulk(ctx, [customer_id], answer, "Answering", 1, as_json)


@app.command("status")
def status(
    ctx: typer.Context,
    customer_id: Annotated[
        str, typer.Argument(metavar="CUSTOMER_ID", help="Google Ads customer id.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Ask Google Ads for one link's current state (the store is not changed).

    Example: mcclink links status 111-222-3333
    """
    s = state(ctx)
    mcc = s.container.require_google_ads()
    link = s.container.ads.get_link(mcc, CustomerId.parse(customer_id))
    _print_links([link] if link else [], wants_json(ctx, as_json))


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List every client link of the MCC as Google Ads has it (one query).

    Example: mcclink links list --json
    """
    s = state(ctx)
    mcc = s.container.require_google_ads()
    listing = s.container.ads.list_links(mcc)
    _print_links(listing.links, wants_json(ctx, as_json))


def _print_links(links: list[GoogleLink], as_json: bool) -> None:
    if as_json:
        print_json([link_to_dict(x) for x in links])
        return
    out.print(links_table(links))


def links_table(links: list[GoogleLink]) -> FittedTable:
    """Google's links as a table; when narrow the Google status, then the link id, go."""
    from mcclink.cli._tables import Column, FittedTable

    columns = (
        Column("Customer ID"),
        Column("Link ID", drop=2),
        Column("Status"),
        Column("Google status", drop=1),
        Column("Hidden"),
    )
    rows = [
        (
            x.client.dashed,
            str(x.manager_link_id),
            status_text(x.status),
            x.status.google_name or "",
            "yes" if x.hidden else "",
        )
        for x in links
    ]
    return FittedTable(columns, rows, f"Links at Google Ads ({len(links)})")
