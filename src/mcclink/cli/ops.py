"""Monitoring and operations: monitor, stats, history, doctor, tables, accounts."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Annotated, cast

import typer

from mcclink.cli._common import (
    JsonOption,
    State,
    clients_table,
    err,
    history_table,
    out,
    print_clients,
    print_json,
    shown,
    state,
    status_text,
    wants_json,
)
from mcclink.cli._listing import SECOND
from mcclink.cli.alerts import print_notified
from mcclink.cli.remind import print_reminders
from mcclink.cli.webhooks import print_delivery, warn_if_plain_http
from mcclink.config import check_all
from mcclink.domain import CustomerId, LinkStatus, parse_duration, utcnow
from mcclink.errors import ClientNotFound, InputError, MccLinkError
from mcclink.serialization import client_to_dict, history_to_dict, sync_report_to_dict

if TYPE_CHECKING:
    from mcclink.config import WebhookSettings
    from mcclink.followups import FollowUps
    from mcclink.monitor import SyncReport
    from mcclink.outcomes import ReminderOutcomes
    from mcclink.webhooks import DeliveryReport

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

PendingAge = Annotated[
    str, typer.Option("--pending-age", help="Flag invitations pending longer than this.")
]


def monitor(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit (default).")] = False,
    every: Annotated[
        str | None, typer.Option("--every", help="Run a cycle every 10m / 1h until stopped.")
    ] = None,
    pending_age: PendingAge = "24h",
    import_all: Annotated[
        bool,
        typer.Option(
            "--import-all",
            help="Also import unknown clients whose link ended (refused, cancelled, inactive); "
            "MCC_IMPORT_ALL_LINKS=1 does it on every cycle.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Read every link of the MCC from Google Ads (one query) and update the store.

    Live links (PENDING, ACTIVE) of clients the store does not know are imported, named as
    Google names the account; a PENDING one as "Imported <id>" (Google shows a manager no
    name before the link is accepted). An archived client is never imported again.

    With --every it loops until SIGINT or SIGTERM, finishing the current cycle first;
    cycles never overlap. With --json each cycle prints one JSON object (one per line).
    With MCC_WEBHOOK_URL set, each cycle is followed by one webhook delivery pass for the
    MCC (its failures are recorded and retried; they do not change the exit code).
    With MCC_MAIL_URL set, each cycle is then followed by one reminder pass, as
    `mcclink remind` (its failures are recorded; they do not change the exit code).
    Then the agency is told of new and cleared alerts (`mcclink alerts`), at most once per
    condition and day: mailed to MCC_ALERT_EMAIL, posted to MCC_WEBHOOK_URL as events.

    Example: mcclink monitor --every 10m
    """
    if once and every:
        raise InputError("give either --once or --every, not both")
    s = state(ctx)
    interval = parse_duration(every) if every else None
    age = parse_duration(pending_age)
    # Every settings problem (MCC, Google Ads, webhook, reminders, alerts) in one error,
    # before any cycle.
    check_all(
        s.container.require_google_ads,
        lambda: s.container.settings.webhook,
        lambda: _check_follow_ups(s),
    )
    service, mcc, js = s.container.service, s.container.mcc, wants_json(ctx, as_json)
    webhook = s.container.settings.webhook
    warn_if_plain_http(webhook)
    if interval is None:
        report = service.sync(mcc, pending_age=age, import_all=import_all)
        deliveries = _deliver(s, webhook)
        follow = _follow_up(s)
        _print_report(report, deliveries, js, one_line=False, follow=follow)
        failed = follow.failure
        raise typer.Exit(failed.exit_code if failed else 0 if report.ok else 1)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request_stop)
    while not stop.is_set():
        try:
            report = service.sync(mcc, pending_age=age, import_all=import_all)
            deliveries = _deliver(s, webhook)
            follow = _follow_up(s)
            _print_report(report, deliveries, js, one_line=True, follow=follow)
        except MccLinkError as exc:  # the loop outlives one bad cycle; it is in history
            err.print(f"[red]cycle failed[/]: {shown(exc, lines=True)}")
        stop.wait(interval.total_seconds())
    if not js:
        err.print("monitor stopped")


def _deliver(s: State, webhook: WebhookSettings | None) -> DeliveryReport | None:
    """One webhook pass for the MCC after a cycle, when webhooks are configured."""
    if webhook is None:
        return None
    from mcclink.webhooks import deliver_pending

    c = s.container
    return deliver_pending(c.store, webhook, mcc=c.mcc, actor=c.actor)


def _check_follow_ups(s: State) -> None:
    """The reminder settings (with mail configured) and the alert settings.

    Raises:
        ConfigurationError: every problem of the mail, reminder and alert settings.
    """
    from mcclink.followups import check_settings

    check_settings(s.container)


def _follow_up(s: State) -> FollowUps:
    """The cycle's reminder pass (when mail is configured) and alert pass."""
    from mcclink.followups import follow_up

    return follow_up(s.container)


def _print_report(
    report: SyncReport,
    deliveries: DeliveryReport | None,
    as_json: bool,
    *,
    one_line: bool,
    follow: FollowUps,
) -> None:
    if as_json:
        webhooks = None if deliveries is None else deliveries.to_dict()
        data = sync_report_to_dict(report, webhooks) | follow.to_dict()
        print_json(data, one_line=one_line)
        return
    counts = ", ".join(f"{s.value} {report.counts[s]}" for s in LinkStatus if report.counts[s])
    stamp = report.started_at.strftime(SECOND)
    out.print(
        f"[bold]{stamp}[/] MCC {report.mcc}: {report.links_seen} link(s) at Google, "
        f"{len(report.changes)} change(s) in {report.duration_ms:.0f} ms — {counts or 'no clients'}"
    )
    for c in report.changes:
        before = status_text(c.status_before) if c.status_before else "(imported)"
        out.print(f"  {c.customer_id}: {before} → {status_text(c.status_after)}")
    if report.stale_pending:
        print_clients(report.stale_pending, "Invitations pending too long")
    for error in report.errors:
        err.print(f"[red]✗[/] {shown(error, lines=True)}")
    if deliveries is not None:
        print_delivery(deliveries)
    if follow.reminders is not None:
        print_reminders(follow.reminders)
    if follow.alerts is not None:
        print_notified(follow.alerts)
    for what, problem in (("reminders", follow.reminders_error), ("alerts", follow.alerts_error)):
        if problem is not None:
            err.print(f"[red]✗[/] {what} not sent: {shown(problem, lines=True)}")


def stats(ctx: typer.Context, pending_age: PendingAge = "24h", as_json: JsonOption = False) -> None:
    """Acceptance rate, time to acceptance, pending, errors, onboarding, reminders, alerts.

    Example: mcclink stats --json
    """
    from mcclink.alerts import AlertSettings
    from mcclink.stats import compute

    s = state(ctx)
    c = s.container
    thresholds = AlertSettings.from_env(c.environ)  # before the store: nothing opened when bad
    result = compute(
        c.store, c.mcc, pending_age=parse_duration(pending_age), alert_settings=thresholds
    )
    if wants_json(ctx, as_json):
        print_json(result.to_dict())
        return
    data = result.to_dict()
    rate = data["acceptance_rate"]
    mean = result.mean_time_to_acceptance
    out.print(f"[bold]MCC {result.mcc}[/]: {result.total} client(s)")
    out.print("  " + ", ".join(f"{k} {v}" for k, v in result.by_status.items() if v))
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
    customer_id: Annotated[str | None, typer.Argument(help="One client's history.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date/time (UTC), ISO 8601.")] = None,
    until: Annotated[str | None, typer.Option(help="Before this date/time (UTC).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many entries.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """Show ExecutionHistory: one client's (newest first) or the MCC's in a time range.

    Example: mcclink history --since 2026-01-01
    """
    s = state(ctx)
    store, mcc = s.container.store, s.container.mcc
    if customer_id:
        cid = CustomerId.parse(customer_id)
        entries = list(store.client_history(mcc, cid, limit))
        if not entries and store.get_client(mcc, cid) is None:  # archived clients keep theirs
            raise ClientNotFound(mcc.digits, cid.digits)
    else:
        start = _when(since) if since else utcnow() - timedelta(days=7)
        end = _when(until) if until else utcnow() + timedelta(seconds=1)
        entries = list(store.history_between(start, end, mcc))[-limit:]
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
