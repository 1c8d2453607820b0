"""Monitoring and operations: monitor (``cli.monitoring``), stats, history, tables, accounts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Annotated, cast

import typer

from mcclink import search
from mcclink.cli._common import (
    JsonOption,
    clients_table,
    err,
    history_table,
    out,
    print_json,
    shown,
    state,
    wants_json,
)
from mcclink.cli.monitoring import PendingAge
from mcclink.domain import CustomerId, parse_duration, utcnow
from mcclink.errors import InputError
from mcclink.serialization import client_to_dict, history_to_dict
from mcclink.service import not_registered

if TYPE_CHECKING:
    from mcclink.outcomes import ReminderOutcomes
    from mcclink.stats import Stats

accounts = typer.Typer(
    help="Create Google Ads accounts under the MCC.\n\n"
    'Example: mcclink accounts create --name "Loja Nova" --currency BRL '
    "--time-zone America/Sao_Paulo",
    no_args_is_help=True,
)
tables = typer.Typer(
    help="Create the store's tables.\n\n"
    "Example: MCC_STORE='dynamodb://?region=sa-east-1' mcclink tables create",
    no_args_is_help=True,
)


def stats(
    ctx: typer.Context,
    pending_age: PendingAge = "24h",
    every_manager: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every manager (MCC_CUSTOMER_ID, MCC_CUSTOMER_IDS, then the store's others), "
            "each and summed.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Acceptance rate, time to acceptance, pending, errors, onboarding, reminders, alerts.

    With --all, every manager's figures and their sum: the sum's acceptance rate comes from
    all their answers together, not from an average of their rates.

    Example: mcclink stats --all --json
    """
    from mcclink import managers
    from mcclink.alerts import AlertSettings
    from mcclink.stats import compute, compute_all

    s = state(ctx)
    c = s.container
    thresholds = AlertSettings.from_env(c.environ)  # before the store: nothing opened when bad
    age = parse_duration(pending_age)
    if not every_manager:
        result = compute(c.store, c.mcc, pending_age=age, alert_settings=thresholds)
        if wants_json(ctx, as_json):
            print_json(result.to_dict())
            return
        _print_stats(result, pending_age)
        return
    if ctx.find_root().params.get("mcc"):
        raise InputError("--all counts every manager: drop --mcc, or drop --all for one manager")
    first = managers.configured(c.environ, c.settings.mcc_customer_id)
    every = managers.known(first, c.store)
    if not every:
        raise InputError(
            "no manager to count: the store has no clients and none is configured; set "
            "MCC_CUSTOMER_ID (or MCC_CUSTOMER_IDS), or check the store (--store, MCC_STORE)"
        )
    tree = compute_all(c.store, every, pending_age=age, alert_settings=thresholds)
    if wants_json(ctx, as_json):
        print_json(tree.to_dict())
        return
    for result in tree.managers:
        _print_stats(result, pending_age)
    total = tree.total()
    rate, mean = total["acceptance_rate"], tree.outcomes.mean_time_to_acceptance
    answered = total["accepted"] + total["refused"]
    out.print(f"[bold]All {total['managers']} managers[/]: {total['total']} client(s)")
    out.print(f"  {_statuses(total['by_status'])}")
    out.print(
        f"  acceptance rate: {'n/a' if rate is None else f'{rate:.0%}'} "
        f"({total['accepted']} of {answered} answers)"
    )
    out.print(f"  mean time to acceptance: {'n/a' if mean is None else _human(mean)}")
    out.print(f"  pending: {total['pending']} ({total['stale_pending']} over {pending_age})")
    for code, n in total["errors_by_code"].items():
        out.print(f"  errors {shown(code)}: {n}")


def _print_stats(result: Stats, pending_age: str) -> None:
    """One manager's figures for a person; its alerts on stderr."""
    rate, mean = result.acceptance_rate, result.mean_time_to_acceptance
    out.print(f"[bold]MCC {result.mcc}[/]: {result.total} client(s)")
    out.print(f"  {_statuses(result.by_status)}")
    out.print(f"  acceptance rate: {'n/a' if rate is None else f'{rate:.0%}'}")
    out.print(f"  mean time to acceptance: {'n/a' if mean is None else _human(mean)}")
    out.print(f"  pending: {result.pending} ({len(result.stale_pending)} over {pending_age})")
    for code, n in result.errors_by_code.items():
        out.print(f"  errors {shown(code)}: {n}")
    funnel = result.onboarding
    out.print(
        f"  onboarding: {funnel.links_created} link(s), opened {funnel.opened}, "
        f"signed in {funnel.signed_in}, accepted {funnel.accepted}"
    )
    out.print(f"  reminders: {_reminders_line(result.reminders)}")
    for alert in result.alerts:
        err.print(f"[yellow]alert[/]: {shown(alert, lines=True)}")


def history(
    ctx: typer.Context,
    customer_id: Annotated[
        str | None, typer.Argument(metavar="CUSTOMER_ID", help="One client's history.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this date/time (UTC), ISO 8601.")] = None,
    until: Annotated[str | None, typer.Option(help="Before this date/time (UTC).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many entries.")] = 100,
    actor: Annotated[
        str | None,
        typer.Option(
            help="Only what this actor did: any part of it, case and accents aside "
            "(cli:ana, ana@agencia.com.br, token:ci).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show ExecutionHistory: one client's (newest first) or the MCC's in a time range, with
    who acted.

    Example: mcclink history --since 2026-01-01 --actor ana@
    """
    who = search.actor_query(actor or "")
    s = state(ctx)
    store, mcc = s.container.store, s.container.mcc
    if customer_id:
        cid = CustomerId.parse(customer_id)
        # With a filter, the newest ``limit`` of the actor's entries, not of all of them.
        found = store.client_history(mcc, cid, None if who else limit)
        entries = list(islice((e for e in found if search.actor_matches(e.actor, who)), limit))
        if not entries and store.get_client(mcc, cid) is None:  # archived clients keep theirs
            raise not_registered(store, mcc, cid)
    else:
        start = _when(since) if since else utcnow() - timedelta(days=7)
        end = _when(until) if until else utcnow() + timedelta(seconds=1)
        found = store.history_between(start, end, mcc)
        entries = [e for e in found if search.actor_matches(e.actor, who)][-limit:]
    if wants_json(ctx, as_json):
        print_json([history_to_dict(e) for e in entries])
    else:
        out.print(history_table(entries, title=f"History ({len(entries)})"))


def _when(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(f"invalid date {raw!r}: expected ISO 8601, e.g. 2026-01-31") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _statuses(by_status: Mapping[str, int]) -> str:
    """The clients per status, those with none left out: ``PENDING 2, APPROVED 5``."""
    return ", ".join(f"{k} {v}" for k, v in by_status.items() if v) or "no clients"


def _reminders_line(reminders: ReminderOutcomes) -> str:
    by_step = ", ".join(f"step {step}: {n}" for step, n in reminders.sent_by_step.items())
    failed = f", {reminders.failed} failed" if reminders.failed else ""
    return (
        f"{reminders.sent} sent{f' ({by_step})' if by_step else ''}{failed}; "
        f"{reminders.accepted} of {reminders.reminded} reminded invitation(s) accepted "
        "within 2 days of a reminder"
    )


def _human(delta: timedelta) -> str:
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"


@tables.command("create")
def tables_create(ctx: typer.Context) -> None:
    """Create the Clients, ExecutionHistory, OnboardingLinks and Staff tables (idempotent; waits).

    Example: MCC_STORE='dynamodb://?region=sa-east-1' mcclink tables create
    """
    store = state(ctx).container.store
    from mcclink.store.sqlite import SqliteStore

    if isinstance(store, SqliteStore):  # not a DynamoDB import: that needs the aws extra
        store.check()
        out.print("[green]✓[/] SQLite schema is up to date (it is created when the store opens)")
        return
    from mcclink.store.dynamodb import DynamoDBStore

    dynamodb = cast(DynamoDBStore, store)
    created = dynamodb.create_tables()
    for name in dynamodb.names.all():
        verb = "created" if name in created else "already exists"
        out.print(f"[green]✓[/] table {shown(name)} {verb}; ACTIVE")


@accounts.command("create")
def accounts_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Descriptive name of the new account.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 currency; cannot change later.")],
    time_zone: Annotated[
        str, typer.Option("--time-zone", help="e.g. America/Sao_Paulo; cannot change later.")
    ],
    email: Annotated[str | None, typer.Option(help="Invite this user as admin.")] = None,
    tracking_url: Annotated[str | None, typer.Option(help="Tracking URL template.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a new Google Ads account under the MCC and register it (linked at once).

    A currency that is not ISO 4217 or a time zone that is not IANA is refused (exit 2)
    before Google is called; Google's own refusal is recorded in history (exit 1).

    Example: mcclink accounts create --name "Loja Nova" --currency BRL --time-zone America/Sao_Paulo
    """
    s = state(ctx)
    mcc = s.container.require_google_ads()
    client = s.container.service.create_account(
        mcc, name, currency, time_zone, email=email, tracking_url_template=tracking_url
    )
    if wants_json(ctx, as_json):
        print_json(client_to_dict(client))
    else:
        out.print(clients_table([client], title="Account created"))
