"""``mcclink clients``: register, import, list, show and archive advertisers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcclink.cli._common import (
    BulkResult,
    JsonOption,
    MaxQpsOption,
    bulk_exit,
    bulk_json,
    clients_table,
    err,
    history_table,
    out,
    parse_ids,
    print_bulk,
    print_clients,
    print_json,
    run_bulk,
    shown,
    state,
    wants_json,
)
from mcclink.cli._listing import print_json_array
from mcclink.domain import CustomerId, LinkStatus, Operation
from mcclink.errors import ConfigurationError, InputError
from mcclink.serialization import client_to_dict, history_to_dict
from mcclink.service import not_registered

if TYPE_CHECKING:
    from mcclink.bootstrap import Container

app = typer.Typer(
    help="Register, import, list, show and archive advertisers.\n\n"
    "Example: mcclink clients import advertisers.csv --invite",
    no_args_is_help=True,
)

Concurrency = Annotated[int, typer.Option(min=1, max=64, help="Invitations sent at once.")]


@app.command("add")
def add(
    ctx: typer.Context,
    customer_id: Annotated[
        str, typer.Argument(metavar="CUSTOMER_ID", help="Google Ads customer id, 123-456-7890.")
    ],
    name: Annotated[str, typer.Option("--name", help="The advertiser's name.")],
    email: Annotated[str | None, typer.Option(help="Contact e-mail.")] = None,
    invite: Annotated[
        bool, typer.Option("--invite/--no-invite", help="Send the MCC invitation at once.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Register an advertiser (NOT_LINKED) and, by default, send the MCC invitation.

    Example: mcclink clients add 111-222-3333 --name "Padaria Sol" --email sol@example.com
    """
    from mcclink.service import Registration

    s = state(ctx)
    registration = Registration.parse(customer_id, name, email)
    mcc = s.container.require_google_ads() if invite else s.container.mcc
    client = s.container.service.register(mcc, registration, invite=invite)
    _warn_if_sub_manager(s.container, mcc, client.customer_id)
    if wants_json(ctx, as_json):
        print_json(client_to_dict(client))
    else:
        out.print(clients_table([client]))


def _warn_if_sub_manager(container: Container, mcc: CustomerId, customer: CustomerId) -> None:
    """Warn when ``customer`` is a manager of the tree: registering it is allowed (inviting a
    manager builds the tree), but it is then linked as a sub-manager, not an advertiser."""
    try:
        sub_manager = container.ads.is_sub_manager(customer)
    except ConfigurationError:
        return  # no Google Ads settings: registering without an invitation needs none
    if sub_manager:
        err.print(
            f"[yellow]warning:[/] {customer} is a manager account of your tree: once invited it "
            f"is linked as a sub-manager under {mcc}, not as an advertiser; its own clients "
            f"are acted on with `mcclink --mcc {customer}`",
            soft_wrap=True,
        )


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="CSV with a customer_id,name[,email] header, at most 16 MiB."
        ),
    ],
    invite: Annotated[bool, typer.Option("--invite", help="Invite every imported client.")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the good rows even if some are bad.")
    ] = False,
    concurrency: Concurrency = 8,
    max_qps: MaxQpsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register advertisers from a CSV; the whole file is checked before anything is written.

    Rows already registered with the same data are skipped, so running the same command
    again finishes an interrupted import (and, with --invite, its invitations).

    Example: mcclink clients import advertisers.csv --invite --max-qps 10
    """
    from mcclink.importer import plan_import, read_csv

    s = state(ctx)
    if max_qps is not None:
        s.container.max_qps = max_qps
    # With --invite, every settings problem stops the import before any row is written.
    mcc = s.container.require_google_ads() if invite else s.container.mcc
    store, service = s.container.store, s.container.service
    rows, problems = read_csv(file)
    plan = plan_import(rows, {c.customer_id: c for c in store.list_clients(mcc)}, mcc)
    problems = sorted([*problems, *plan.problems], key=lambda p: p.line)
    if problems and not skip_invalid:
        listing = "\n".join(f"  {p}" for p in problems)
        raise InputError(
            f"{file}: {len(problems)} bad row(s), nothing imported:\n{listing}\n"
            "fix them, or pass --skip-invalid to import the good rows"
        )
    for registration in plan.new:
        service.register(mcc, registration)
    summary: dict[str, Any] = {
        "imported": len(plan.new),
        "skipped_existing": len(plan.existing),
        "invalid": [str(p) for p in problems],
    }
    result = BulkResult()
    if invite:
        waiting = [
            c.customer_id
            for c in (store.get_client(mcc, r.customer_id) for r in [*plan.new, *plan.existing])
            if c and (c.status is LinkStatus.NOT_LINKED or c.pending_operation is Operation.INVITE)
        ]
        result = run_bulk(
            waiting,
            lambda cid: service.invite(mcc, cid),
            label="Sending invitations",
            concurrency=concurrency,
            show_progress=not wants_json(ctx, as_json),
        )
        result.retries = s.container.google_ads_retries()
    if wants_json(ctx, as_json):
        print_json({**summary, "invitations": bulk_json(result)})
    else:
        for problem in summary["invalid"]:
            err.print(f"[yellow]skipped[/] {shown(problem, lines=True)}")
        out.print(
            f"imported {summary['imported']}, already registered "
            f"{summary['skipped_existing']}, invalid {len(problems)}"
        )
        if invite:
            print_bulk(result)
    bulk_exit(result)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only clients in this status.")] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            help="Only clients whose name holds this (case and accents aside: acai finds "
            "Açaí) or whose customer id holds these digits.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the MCC's clients, optionally of one status or matching a search.

    Example: mcclink clients list --status PENDING --search padaria
    """
    from mcclink.search import matches

    s = state(ctx)
    wanted = LinkStatus.parse(status) if status else None
    listed = s.container.store.list_clients(s.container.mcc, wanted)
    clients = (c for c in listed if matches(c, search)) if search else listed
    if wants_json(ctx, as_json):
        print_json_array(client_to_dict(c) for c in clients)
    else:
        rows = list(clients)
        print_clients(rows, f"Clients of MCC {s.container.mcc} ({len(rows)})")


@app.command("show")
def show(
    ctx: typer.Context,
    customer_id: Annotated[
        str, typer.Argument(metavar="CUSTOMER_ID", help="Google Ads customer id.")
    ],
    limit: Annotated[int, typer.Option(min=1, help="History entries to show.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Show one client and its history, newest first.

    Example: mcclink clients show 111-222-3333 --json
    """
    s = state(ctx)
    mcc, cid = s.container.mcc, CustomerId.parse(customer_id)
    client = s.container.store.get_client(mcc, cid)
    if client is None:
        raise not_registered(s.container.store, mcc, cid)
    history = list(s.container.store.client_history(mcc, cid, limit))
    if wants_json(ctx, as_json):
        print_json({**client_to_dict(client), "history": [history_to_dict(e) for e in history]})
        return
    out.print(clients_table([client], title=client.name, with_hidden=True))
    if client.last_error:
        error = client.last_error
        err.print(f"[red]last error[/]: {shown(error.code)}: {shown(error.message, lines=True)}")
    out.print(history_table(history, title="History (newest first)", one_client=True))


@app.command("archive")
def archive(
    ctx: typer.Context,
    customer_ids: Annotated[
        list[str], typer.Argument(metavar="CUSTOMER_ID", help="Customer ids to archive.")
    ],
    cancel_link: Annotated[
        bool,
        typer.Option(
            "--cancel-link",
            help="Cancel a pending invitation, or end an active link, at Google Ads first.",
        ),
    ] = False,
) -> None:
    """Remove clients from the store (their history stays); the monitor never re-imports them.

    A client whose link is PENDING or APPROVED (or an invitation in flight) is refused
    unless --cancel-link is given: archived, nothing would follow its link. Every id is
    checked before any is archived.

    Example: mcclink clients archive 111-222-3333 --cancel-link
    """
    s = state(ctx)
    archived = s.container.service.archive(
        s.container.mcc, *parse_ids(customer_ids), cancel_link=cancel_link
    )
    for client in archived:
        out.print(f"archived {client.customer_id} ({client.status.value})")
