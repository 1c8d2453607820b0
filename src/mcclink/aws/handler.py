"""The scheduled monitor as an AWS Lambda function: ``mcclink.aws.monitor_handler``.

Each invocation runs one ``monitor.sync`` per MCC of ``MCC_CUSTOMER_IDS`` (else
``MCC_CUSTOMER_ID``; with ``MCC_MONITOR_ALL=1`` also every other manager that has clients in
the store, ``Store.managers``; with ``MCC_MONITOR_TREE=1`` every enabled manager under them,
``monitor_all.TreeManagers`` as ``mcclink monitor --tree`` finds them),
``MCC_MONITOR_CONCURRENCY`` (default 4) at once, through ``monitor_all.sync_managers`` as
``mcclink monitor --all`` runs them, then publishes
to EventBridge (``MCC_EVENT_BUS``; unset: not published) each status change of that MCC in
history not yet published, its own and those made elsewhere (``events.publish_pending``),
and writes ONE JSON line with the run's summary to stdout (CloudWatch Logs Insights reads
its fields), each MCC's ``mcclink stats`` alerts among them, and its counts of the agency's
day so far (``today``, in ``MCC_TIMEZONE``: ``reports.metrics.count_period``, the reports'
own figures). Each MCC's monitor pass is followed by the same follow-ups as every monitor
cycle (``followups.follow_up``): one reminder pass when mail is configured
(``MCC_MAIL_URL``, in AWS ``ses://?region=...``) and one alert pass when someone is to be
told; their settings are checked with the function's before anything runs.

Google Ads credentials come from the Secrets Manager secret ``MCC_SECRET_ARN`` (see
``secrets``), fetched on the first invocation and again after ``SECRET_TTL_SECONDS``; the
boto3 clients, the store and the Google Ads channel are built once and reused while the
execution environment stays warm.

The invocation fails (so the Lambda ``Errors`` metric and the failure destination see it)
when the configuration is wrong or an MCC's links or store could not be read; the other
MCCs are still synced first, and an MCC whose links could not be read still has its
pending changes published. Per-client write errors, unpublished events and reminders or
alerts that could not be sent do not fail it: they are counted in the summary line
(``errors``, ``events_failed``, ``reminders_failed``, ``alerts_failed``), which the
template's metric filter alarms on. A reminder or alert pass that cannot run at all (the
store failed, SES refused the settings) fails it, after every MCC was tried.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import boto3

from mcclink import alerts, followups, stats
from mcclink.aws.events import PublishResult, publish_pending
from mcclink.aws.secrets import SECRET_ARN_VAR, fetch_secret, secret_environment
from mcclink.bootstrap import Container
from mcclink.config import yes_no
from mcclink.domain import CustomerId, utcnow
from mcclink.errors import (
    AuthenticationFailed,
    ConfigurationError,
    InputError,
    InvalidCustomerId,
    MccLinkError,
)
from mcclink.monitor import SyncReport
from mcclink.monitor_all import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    ManagerRun,
    SkippedManager,
    TreeManagers,
    check_concurrency,
    sync_managers,
)
from mcclink.ports import Store
from mcclink.reports.metrics import PeriodCounts, count_period
from mcclink.reports.periods import Period
from mcclink.store._aws import RETRY_CONFIG

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

MCC_LIST_VAR = "MCC_CUSTOMER_IDS"
#: Yes: also every manager that has clients in the store (a Scan of Clients on DynamoDB).
MONITOR_ALL_VAR = "MCC_MONITOR_ALL"
#: Yes: every enabled manager under the configured MCCs (read from Google Ads each run).
MONITOR_TREE_VAR = "MCC_MONITOR_TREE"
#: How many managers are synced at once (default ``monitor_all.DEFAULT_CONCURRENCY``).
CONCURRENCY_VAR = "MCC_MONITOR_CONCURRENCY"
EVENT_BUS_VAR = "MCC_EVENT_BUS"
#: How long a warm function trusts its copy of the secret (a rotation is seen within it).
SECRET_TTL_SECONDS = 3600.0
#: Per-client problems quoted in the summary line (all are counted; the history has each).
MAX_PROBLEMS_LOGGED = 10
#: The summary's counts of problems that do not fail the invocation (the template's metric
#: filter alarms on each): client writes, events, reminders and alerts that did not go out.
PROBLEM_COUNTS = ("errors", "events_failed", "reminders_failed", "alerts_failed")
#: What became of each due reminder (``reminders.Result.outcome``), counted per MCC.
REMINDER_OUTCOMES = ("sent", "failed", "skipped")
RUN_MESSAGE = "mcclink monitor run"

Record = dict[str, Any]


@dataclass(frozen=True)
class FunctionSettings:
    """What the function reads from its environment (no secret among it)."""

    secret_arn: str
    mccs: tuple[CustomerId, ...]
    event_bus: str | None
    #: ``MCC_MONITOR_ALL``: also every other manager that has clients in the store.
    every_manager: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    #: ``MCC_MONITOR_TREE``: every enabled manager under the configured MCCs.
    tree: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> FunctionSettings:
        """Read and check the function's variables.

        Raises:
            ConfigurationError: every problem at once, each naming its variable and fix.
        """
        problems: list[str] = []
        arn = environ.get(SECRET_ARN_VAR, "").strip()
        if not arn:
            problems.append(
                f"{SECRET_ARN_VAR} is not set: set it to the ARN of the Secrets Manager secret "
                "holding the Google Ads credentials (the template's GoogleAdsSecretArn)"
            )
        every = yes_no(MONITOR_ALL_VAR, environ.get(MONITOR_ALL_VAR, "").strip(), problems)
        tree = yes_no(MONITOR_TREE_VAR, environ.get(MONITOR_TREE_VAR, "").strip(), problems)
        if every and tree:
            problems.append(
                f"{MONITOR_ALL_VAR} and {MONITOR_TREE_VAR} are both on: turn one off "
                f"({MONITOR_ALL_VAR}: every manager that has clients in the store; "
                f"{MONITOR_TREE_VAR}: every enabled manager under {MCC_LIST_VAR})"
            )
        mccs = _mccs(environ, problems, required=not every, tree=tree)
        concurrency = _concurrency(environ, problems)
        if problems:
            raise ConfigurationError(problems)
        bus = environ.get(EVENT_BUS_VAR, "").strip() or None
        return cls(arn, mccs, bus, every, concurrency, tree)

    def managers(self, store: Store) -> list[CustomerId]:
        """The MCCs of this run without ``MCC_MONITOR_TREE``: the configured ones, then
        (``MCC_MONITOR_ALL``) every other manager that has clients in ``store``.

        Raises:
            StoreUnavailable: the store's managers could not be read.
        """
        found = list(self.mccs)
        if self.every_manager:
            found += [mcc for mcc in store.managers() if mcc not in self.mccs]
        return found

    def covered(self, container: Container) -> tuple[list[CustomerId], list[SkippedManager]]:
        """The managers this run syncs, and (``MCC_MONITOR_TREE``) those of the trees it
        leaves out, not enabled at Google Ads.

        Raises:
            StoreUnavailable: the store's managers could not be read.
            ConfigurationError: a configured MCC of a tree is a client account, no account,
                or not enabled (named with ``MCC_CUSTOMER_IDS``).
            GoogleAdsError: a configured MCC of a tree could not be read.
        """
        if not self.tree:
            return self.managers(container.store), []
        trees = TreeManagers(container.ads, self.mccs)
        try:
            return list(trees), trees.skipped
        except InputError as exc:
            raise ConfigurationError(_configured_wrong(exc)) from exc


def _configured_wrong(exc: InputError) -> str:
    """A bad MCC as the function tells it: the only input of a run is its environment, so
    the fix is the variable (an ``InputError``'s own fix names ``--mcc`` or ``mcc=``)."""
    return (
        f"{MCC_LIST_VAR} (else MCC_CUSTOMER_ID): {exc.fact or exc}; set it to enabled manager "
        "accounts' customer ids, comma-separated (`mcclink hierarchy` lists a tree's managers "
        "and their status)"
    )


def _concurrency(environ: Mapping[str, str], problems: list[str]) -> int:
    raw = environ.get(CONCURRENCY_VAR, "").strip()
    try:
        return check_concurrency(int(raw) if raw else DEFAULT_CONCURRENCY, CONCURRENCY_VAR)
    except (ValueError, InputError):
        problems.append(
            f"{CONCURRENCY_VAR} {raw!r} is not a number from 1 to {MAX_CONCURRENCY}: set it to "
            f"how many managers to sync at once (default {DEFAULT_CONCURRENCY})"
        )
        return DEFAULT_CONCURRENCY


def _mccs(
    environ: Mapping[str, str], problems: list[str], *, required: bool, tree: bool
) -> tuple[CustomerId, ...]:
    variable = MCC_LIST_VAR if environ.get(MCC_LIST_VAR, "").strip() else "MCC_CUSTOMER_ID"
    raw = [part.strip() for part in environ.get(variable, "").split(",") if part.strip()]
    if not raw and tree:
        problems.append(
            f"{MONITOR_TREE_VAR} monitors the trees under {MCC_LIST_VAR}, which is empty: set "
            "it to the top managers' customer ids, comma-separated (e.g. 123-456-7890)"
        )
    elif not raw and required:
        problems.append(
            f"no MCC to monitor: set {MCC_LIST_VAR} to the manager accounts' customer ids, "
            f"comma-separated (e.g. 123-456-7890,234-567-8901), or {MONITOR_ALL_VAR}=1 for "
            "every manager that has clients in the store"
        )
    mccs: list[CustomerId] = []
    for text in raw:
        try:
            mcc = CustomerId.parse(text)
        except InvalidCustomerId as exc:
            problems.append(f"{variable}: {exc}")
            continue
        if mcc not in mccs:
            mccs.append(mcc)
    return tuple(mccs)


class MonitorRuntime:
    """What a warm execution environment keeps between invocations."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.environ = os.environ if environ is None else environ
        self._clock = clock
        self._secret: tuple[str, dict[str, str]] | None = None
        self._secret_read_at = 0.0
        self._built: tuple[dict[str, str], Container] | None = None

    @cached_property
    def secrets_client(self) -> SecretsManagerClient:
        """The Secrets Manager client, built on first use."""
        return boto3.session.Session().client("secretsmanager", config=RETRY_CONFIG)

    @cached_property
    def events_client(self) -> EventBridgeClient:
        """The EventBridge client, built on first use."""
        return boto3.session.Session().client("events", config=RETRY_CONFIG)

    def run(self, event: Mapping[str, Any], context: Any) -> Record:
        """One monitor run over every configured MCC; returns the summary it logs.

        Raises:
            ConfigurationError: the function's variables or the secret are wrong.
            MccLinkError: an MCC's links or store could not be read, or a published event
                could not be recorded (the first such error, raised after every MCC was
                tried and the summary was logged).
        """
        started = self._clock()
        base: Record = {"message": RUN_MESSAGE, "invocation": _request_id(context)}
        base["trigger"] = event.get("id") if isinstance(event, Mapping) else None
        try:
            settings = FunctionSettings.from_env(self.environ)
            container = self._container(settings.secret_arn)
            managers, skipped = settings.covered(container)
            if settings.tree:  # a tree's managers not enabled at Google: left out, no failure
                base["managers_skipped"] = [
                    {"mcc": m.mcc.digits, "status": m.status} for m in skipped
                ]
            thresholds = _check_follow_ups(container, managers)
            zone = container.settings.time_zone
            cycles = container.services_with_own_store()
        except MccLinkError as exc:  # the settings, or the store's managers (not one's sync)
            log({**base, "level": "ERROR", "ok": False, "error": str(exc)})
            raise
        runs = sync_managers(cycles, managers, concurrency=settings.concurrency)
        results = [
            _followed_up(
                self._published(container, run, settings.event_bus, thresholds, zone),
                container,
                run.mcc,
            )
            for run in runs
        ]
        failures = [failure for _, failure in results if failure is not None]
        summary = _summary(base, [record for record, _ in results], started, self._clock())
        log(summary)
        if failures:
            if any(isinstance(f, AuthenticationFailed) for f in failures):
                self._secret = None  # a rotated secret: read it again next time
            raise failures[0]
        return summary

    def _published(
        self,
        container: Container,
        run: ManagerRun,
        bus: str | None,
        thresholds: alerts.AlertSettings,
        zone: ZoneInfo,
    ) -> tuple[Record, MccLinkError | None]:
        """After ``run`` (one manager's sync), publish its pending changes; (its record, its
        first failure)."""
        record, failure = _synced(container, run, thresholds, zone)
        if bus is None:
            return record, failure
        try:
            result = publish_pending(
                container.store, self.events_client, run.mcc, bus, actor=container.actor
            )
        except MccLinkError as exc:
            return {**record, "ok": False, "events_error": str(exc)}, failure or exc
        for failed in result.failed:
            log({"message": "event not published", "level": "WARNING", **asdict(failed)})
        return {**record, **_published(result)}, failure

    def _container(self, arn: str) -> Container:
        """The container for the current secret (rebuilt only when the secret changed).

        Raises:
            ConfigurationError: the secret cannot be read or is malformed.
        """
        # Keyed on the secret alone: Lambda changes other variables (_X_AMZN_TRACE_ID) on
        # every invocation, and a warm function must keep its store and Google Ads channel.
        google = self._google_environment(arn)
        if self._built is None or self._built[0] != google:
            if self._built is not None:
                self._built[1].close()
            actor = f"lambda:{self.environ.get('AWS_LAMBDA_FUNCTION_NAME', 'monitor')}"
            environ = {**self.environ, **google}
            self._built = (google, Container(environ=environ, actor=actor))
        return self._built[1]

    def _google_environment(self, arn: str) -> dict[str, str]:
        fresh = self._clock() - self._secret_read_at < SECRET_TTL_SECONDS
        if self._secret is None or self._secret[0] != arn or not fresh:
            raw = fetch_secret(self.secrets_client, arn)
            self._secret = (arn, secret_environment(raw, arn))
            self._secret_read_at = self._clock()
        return self._secret[1]


def _followed_up(
    synced: tuple[Record, MccLinkError | None], container: Container, mcc: CustomerId
) -> tuple[Record, MccLinkError | None]:
    """After the MCC's monitor pass, its follow-ups (``followups.follow_up``: reminders when
    mail is configured, none after a failed sync; then alerts), added to its record;
    (the record, its first failure)."""
    record, failure = synced
    follow = followups.follow_up(container, mcc=mcc, sync_failed="error" in record)
    if follow.reminders is not None:
        counts = {f"reminders_{o}": follow.reminders.count(o) for o in REMINDER_OUTCOMES}
        record = {**record, **counts}
    if follow.reminders_error is not None:
        record = {**record, "reminders_error": follow.reminders_error}
    if follow.alerts_error is not None:
        record = {**record, "alerts_error": follow.alerts_error}
    elif container.settings.mail is not None or follow.alerts is not None:
        told = follow.alerts
        fired = [] if told is None else [alert.kind.value for alert in told.fired]
        record = {
            **record,
            "alerts_notified": fired,
            "alerts_failed": len(told.errors) if told else 0,
        }
    if follow.failure is not None:
        record, failure = {**record, "ok": False}, failure or follow.failure
    return record, failure


def _check_follow_ups(container: Container, managers: list[CustomerId]) -> alerts.AlertSettings:
    """The follow-ups' settings (the reminders' for the first manager), or the alerts' alone
    when there is no manager to monitor.

    Raises:
        ConfigurationError: every problem at once, each naming its setting.
    """
    if not managers:
        return alerts.check_settings(container)
    return followups.check_settings(container, managers[0])


def _synced(
    container: Container, run: ManagerRun, thresholds: alerts.AlertSettings, zone: ZoneInfo
) -> tuple[Record, MccLinkError | None]:
    """The manager's record after its sync: its report, its ``stats`` alerts and its counts
    of the agency's day; (the record, its failure)."""
    if run.report is None:
        assert run.error is not None  # a run without a report has its error
        return {"mcc": run.mcc.digits, "ok": False, "error": str(run.error)}, run.error
    try:
        found = stats.alerts(container.store, run.mcc, settings=thresholds)
        today = Period.containing("day", utcnow(), zone)
        counts = count_period(container.store, run.mcc, today)
    except MccLinkError as exc:
        return {"mcc": run.mcc.digits, "ok": False, "error": str(exc)}, exc
    return _mcc_record(run.report, found, counts), None


def _mcc_record(report: SyncReport, found: list[str], today: PeriodCounts) -> Record:
    return {
        "mcc": report.mcc.digits,
        "ok": report.ok,
        "clients": sum(report.counts.values()),
        "by_status": {status.value: count for status, count in sorted(report.counts.items())},
        "changes": len(report.changes),
        "errors": len(report.errors),
        "problems": report.errors[:MAX_PROBLEMS_LOGGED],
        "links_seen": report.links_seen,
        "skipped_managers": report.skipped_managers,
        "stale_pending": len(report.stale_pending),
        "google_request_id": report.request_id,
        "duration_ms": round(report.duration_ms, 1),
        "alerts": found,
        "today": today.to_dict(),
    }


def _published(result: PublishResult) -> Record:
    return {
        "events_published": result.published,
        "events_failed": len(result.failed),
        "events_deferred": result.deferred,
    }


def _summary(base: Record, mccs: list[Record], started: float, ended: float) -> Record:
    totals = {
        key: sum(record.get(key, 0) for record in mccs)
        for key in (
            "clients",
            "changes",
            "events_published",
            "events_deferred",
            "reminders_sent",
            *PROBLEM_COUNTS,
        )
    }
    failed = sum(not record["ok"] for record in mccs)
    return {
        **base,
        "level": "ERROR" if failed else "INFO",
        "ok": not failed and not any(totals[key] for key in PROBLEM_COUNTS),
        "mccs_failed": failed,
        **totals,
        "duration_ms": round((ended - started) * 1000, 1),
        "mcc_results": mccs,
    }


def _request_id(context: Any) -> str | None:
    return getattr(context, "aws_request_id", None)


def log(record: Record) -> None:
    """Write ``record`` as one JSON line on stdout (the function's CloudWatch log stream)."""
    sys.stdout.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


_runtime: MonitorRuntime | None = None


def monitor_handler(event: Mapping[str, Any], context: Any) -> Record:
    """The Lambda entry point: one monitor run (see ``MonitorRuntime.run``).

    Raises:
        ConfigurationError: the function's variables or the secret are wrong.
        MccLinkError: an MCC's links or store could not be read, or an event not recorded.
    """
    global _runtime
    if _runtime is None:
        _runtime = MonitorRuntime()
    return _runtime.run(event, context)
