"""``mcclink monitor``: one MCC's cycle, or every manager's (``--all`` / ``--tree``), once or
every interval, each followed by its webhook, reminder and alert passes."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcclink.cli._common import (
    JsonOption,
    State,
    err,
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
from mcclink.domain import CustomerId, LinkStatus, parse_duration
from mcclink.errors import InputError, MccLinkError
from mcclink.monitor_all import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    ManagerRun,
    SkippedManager,
    TreeManagers,
)
from mcclink.serialization import sync_report_to_dict

if TYPE_CHECKING:
    from mcclink.config import WebhookSettings
    from mcclink.followups import FollowUps
    from mcclink.monitor import SyncReport
    from mcclink.webhooks import DeliveryReport

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
    every_manager: Annotated[
        bool,
        typer.Option(
            "--all", help="Every manager that has clients in the store, each its own cycle."
        ),
    ] = False,
    tree: Annotated[
        bool,
        typer.Option(
            "--tree",
            help="Every enabled manager under the MCC (the MCC included); cancelled or "
            "closed ones are skipped.",
        ),
    ] = False,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            help="With --all or --tree: managers synced at once, 1 to "
            f"{MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY}).",
        ),
    ] = None,
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

    With --all (every manager that has clients in the store) or --tree (every manager
    under the MCC, read from Google Ads) each manager gets its own cycle, --concurrency at
    a time: one listing and one MONITOR entry per manager, its follow-ups as above. A
    manager that fails never stops the others: its error is printed and recorded, and the
    exit code is 1. --tree skips the sub-managers Google holds as not enabled (cancelled,
    suspended, closed: nothing to read) and names them with their status; with --all such
    a manager fails, since clients are registered under it. With --json each manager
    prints one JSON object per line, then a summary line.

    Example: mcclink monitor --every 10m
    """
    if once and every:
        raise InputError("give either --once or --every, not both")
    s = state(ctx)
    many = _many(ctx, s, every_manager, tree, concurrency)
    interval = parse_duration(every) if every else None
    age = parse_duration(pending_age)
    # Every settings problem (MCC, Google Ads, webhook, reminders, alerts) in one error,
    # before any cycle. --all needs no MCC: the reminders' is each manager of the store.
    first = many.first if many is not None else None
    check_all(
        (lambda: s.container.google_ads_settings)
        if every_manager
        else s.container.require_google_ads,
        lambda: s.container.settings.webhook,
        lambda: _check_follow_ups(s, first),
    )
    js = wants_json(ctx, as_json)
    webhook = s.container.settings.webhook
    warn_if_plain_http(webhook)
    if many is not None:
        _monitor_many(s, many, age, import_all, interval, js)
        return
    service, mcc = s.container.service, s.container.mcc
    if interval is None:
        report = service.sync(mcc, pending_age=age, import_all=import_all)
        deliveries = _deliver(s, webhook)
        follow = _follow_up(s)
        _print_report(report, deliveries, js, one_line=False, follow=follow)
        failed = follow.failure
        raise typer.Exit(failed.exit_code if failed else 0 if report.ok else 1)
    stop = threading.Event()
    _stop_on_signals(stop)
    while not stop.is_set():
        try:
            report = service.sync(mcc, pending_age=age, import_all=import_all)
            deliveries = _deliver(s, webhook)
            follow = _follow_up(s)
            _print_report(report, deliveries, js, one_line=True, follow=follow)
        except InputError:  # a typo'd --mcc, say: every cycle would be refused alike
            raise
        except MccLinkError as exc:  # the loop outlives one bad cycle; it is in history
            err.print(f"[red]cycle failed[/]: {shown(exc, lines=True)}")
        stop.wait(interval.total_seconds())
    if not js:
        err.print("monitor stopped")


@dataclass(frozen=True)
class _Many:
    """A run over many managers (--all or --tree)."""

    #: The managers of one cycle, read afresh for each (lazily for --tree: ``TreeManagers``,
    #: which also names the managers it skips).
    managers: Callable[[], Iterable[CustomerId]]
    concurrency: int
    #: --all: the store's managers when the command started (the first cycle runs over
    #: them; the follow-ups' settings are checked for the first).
    initial: list[CustomerId] | None = None

    @property
    def first(self) -> CustomerId | None:
        """The first of ``initial``, if any."""
        return self.initial[0] if self.initial else None


def _many(
    ctx: typer.Context, s: State, every_manager: bool, tree: bool, concurrency: int | None
) -> _Many | None:
    """The run over many managers that --all / --tree ask for, or None.

    Raises:
        InputError: --all with --tree or with --mcc, --concurrency without either, or a
            concurrency out of range.
    """
    from mcclink.monitor_all import check_concurrency

    if every_manager and tree:
        raise InputError("give either --all (the store's managers) or --tree, not both")
    if every_manager and ctx.find_root().params.get("mcc"):
        raise InputError(
            "--all syncs every manager of the store: drop --mcc, or give --tree to sync the "
            "managers under that MCC"
        )
    if not (every_manager or tree):
        if concurrency is not None:
            raise InputError("--concurrency applies to --all or --tree: add one, or drop it")
        return None
    bound = check_concurrency(DEFAULT_CONCURRENCY if concurrency is None else concurrency)
    if tree:
        return _Many(lambda: TreeManagers(s.container.ads, [s.container.mcc]), bound)
    store = s.container.store
    return _Many(store.managers, bound, store.managers())


def _monitor_many(
    s: State,
    many: _Many,
    age: timedelta,
    import_all: bool,
    interval: timedelta | None,
    as_json: bool,
) -> None:
    """Cycles over many managers: once (exit 1 when a manager failed), or every
    ``interval`` until SIGINT / SIGTERM."""
    from mcclink.monitor_all import sync_managers

    c, webhook = s.container, s.container.settings.webhook
    cycles = c.services_with_own_store()
    managers, stop = many.initial, threading.Event()
    if interval is not None:
        _stop_on_signals(stop)
    while True:
        started, outcomes = time.monotonic(), _Outcomes()
        covered = managers if managers is not None else many.managers()
        runs = sync_managers(
            cycles,
            covered,
            concurrency=many.concurrency,
            pending_age=age,
            import_all=import_all,
        )
        with _progress(as_json) as advance:
            for run in runs:
                outcomes.add(run, _after_run(s, run, webhook, as_json))
                advance(run.mcc)
        if isinstance(covered, TreeManagers):
            outcomes.skipped = covered.skipped
        _print_summary(outcomes, time.monotonic() - started, as_json)
        managers = None
        if interval is None:
            raise typer.Exit(outcomes.exit_code)
        stop.wait(interval.total_seconds())
        if stop.is_set():
            break
    if not as_json:
        err.print("monitor stopped")


def _stop_on_signals(stop: threading.Event) -> None:
    """SIGINT and SIGTERM set ``stop`` (the loop ends after its current cycle)."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request_stop)


@dataclass
class _Outcomes:
    """What one cycle over many managers came to."""

    synced: list[CustomerId] = field(default_factory=list)
    failed: list[CustomerId] = field(default_factory=list)
    #: --tree: the managers left out (not enabled at Google).
    skipped: list[SkippedManager] = field(default_factory=list)
    changes: int = 0
    #: The first follow-up failure (its exit code, when no manager failed).
    follow_up_failure: MccLinkError | None = None

    def add(self, run: ManagerRun, follow: FollowUps) -> None:
        (self.synced if run.ok else self.failed).append(run.mcc)
        self.changes += len(run.report.changes) if run.report else 0
        self.follow_up_failure = self.follow_up_failure or follow.failure

    @property
    def exit_code(self) -> int:
        if self.failed:
            return 1
        return self.follow_up_failure.exit_code if self.follow_up_failure else 0


def _after_run(
    s: State, run: ManagerRun, webhook: WebhookSettings | None, as_json: bool
) -> FollowUps:
    """One manager's webhook pass and follow-ups (in this thread: the container's store and
    mail connection serve one at a time), then its report printed."""
    deliveries = _deliver(s, webhook, run.mcc)
    follow = _follow_up(s, run.mcc, sync_failed=run.report is None)
    if run.report is not None:
        _print_report(run.report, deliveries, as_json, one_line=as_json, follow=follow)
    elif as_json:
        failed = {"mcc_customer_id": run.mcc.digits, "error": _error_json(run.error)}
        webhooks = None if deliveries is None else deliveries.to_dict()
        print_json(failed | {"webhooks": webhooks} | follow.to_dict(), one_line=True)
    else:
        err.print(f"[red]✗[/] MCC {run.mcc}: {shown(run.error, lines=True)}")
    return follow


def _error_json(error: MccLinkError | None) -> dict[str, Any]:
    code = getattr(error, "code", None) or type(error).__name__
    return {"code": code, "message": str(error)}


@contextmanager
def _progress(as_json: bool) -> Iterator[Callable[[CustomerId], None]]:
    """A progress line on stderr (a terminal, without --json): managers done, the last one."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=as_json or not err.is_terminal) as bar:
        task, done = bar.add_task("monitor: starting", total=None), 0

        def advance(mcc: CustomerId) -> None:
            nonlocal done
            done += 1
            bar.update(task, description=f"monitor: {done} manager(s) done, last {mcc}")

        yield advance


def _print_summary(outcomes: _Outcomes, seconds: float, as_json: bool) -> None:
    managers = len(outcomes.synced) + len(outcomes.failed)
    if as_json:
        summary = {
            "managers": managers,
            "synced": [m.digits for m in outcomes.synced],
            "failed": [m.digits for m in outcomes.failed],
            "skipped": [m.to_dict() for m in outcomes.skipped],
            "changes": outcomes.changes,
            "duration_ms": round(seconds * 1000, 1),
        }
        print_json({"summary": summary}, one_line=True)
        return
    failed = ", ".join(str(m) for m in outcomes.failed)
    skipped = ", ".join(f"{m.mcc} ({m.status})" for m in outcomes.skipped)
    out.print(
        f"[bold]{managers} manager(s)[/] in {seconds:.1f} s: {len(outcomes.synced)} synced, "
        f"{outcomes.changes} change(s)"
        + (f"; [red]failed: {failed}[/]" if failed else "")
        + (f"; skipped, not enabled at Google Ads: {skipped}" if skipped else "")
        + ("" if managers or skipped else " (no manager has clients in the store)")
    )


def _deliver(
    s: State, webhook: WebhookSettings | None, mcc: CustomerId | None = None
) -> DeliveryReport | None:
    """One webhook pass for ``mcc`` (default: the MCC) after a cycle, when webhooks are
    configured."""
    if webhook is None:
        return None
    from mcclink.webhooks import deliver_pending

    c = s.container
    return deliver_pending(c.store, webhook, mcc=mcc or c.mcc, actor=c.actor)


def _check_follow_ups(s: State, mcc: CustomerId | None = None) -> None:
    """The reminder settings (with mail configured; for ``mcc``, default: the MCC) and the
    alert settings.

    Raises:
        ConfigurationError: every problem of the mail, reminder and alert settings.
    """
    from mcclink.followups import check_settings

    check_settings(s.container, mcc)


def _follow_up(s: State, mcc: CustomerId | None = None, *, sync_failed: bool = False) -> FollowUps:
    """The cycle's reminder pass (when mail is configured) and alert pass, for ``mcc``
    (default: the MCC); no reminders after a failed sync."""
    from mcclink.followups import follow_up

    return follow_up(s.container, mcc=mcc, sync_failed=sync_failed)


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
    if report.skipped_managers:
        out.print(
            f"  skipped {report.skipped_managers} sub-manager(s): manager accounts are not "
            "imported as clients (see mcclink hierarchy)"
        )
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
