"""What happened to one MCC's invitations in a period, from its ExecutionHistory.

``build_report`` is the one place these figures are computed: ``mcclink report``, the
dashboard's Reports page and ``GET /api/v1/reports/{period}`` show its ``PeriodReport``.
Figures come from history, never from current statuses: an unlink in December does not
rewrite November. The rules (what an invitation, an answer, an error is) are
``mcclink.outcomes``'s, shared with ``mcclink stats`` and the alerts.

How it reads the store, never the whole history at once (``_Reading``):

1. the MCC's clients (``list_clients``): names, and the current status of each;
2. the history after the period (``history_between(as_of, ...)``), to roll the current
   statuses back to the period's end: a client's first status change after it starts from
   its status at the end. Chosen over reading forward from the beginning of history, which
   reads all of it for every report: for a recent period (the usual report) the entries
   after it are few. A report of a period long past reads everything since, once;
3. the ``pending_age`` before the period: the invitations sent then are the only ones
   before the period that can go stale in it;
4. the period's history (``history_between(start, as_of)``), streamed once, oldest first:
   every count is added up as it passes;
5. for an acceptance in the period of an invitation older than that, the invitation's time
   (time to acceptance): the client's ``invited_at`` (its last invitation) when that is
   before the period, else (invited again since, or removed) the client's own history
   (``client_history``), read once per client. The same for the per-client sheet's
   invitation and status times of a client changed after the period.

Memory holds a few fields per client and the period's status changes (the report lists
them), not the history.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mcclink.domain import (
    Client,
    CustomerId,
    HistoryEntry,
    LinkStatus,
    Operation,
    utcnow,
)
from mcclink.errors import InputError
from mcclink.monitor import DEFAULT_PENDING_AGE
from mcclink.onboarding import OnboardingFunnel, OnboardingLink
from mcclink.outcomes import (
    ANSWERS,
    HISTORY_START,
    ReminderOutcomes,
    google_error,
    is_invitation,
)
from mcclink.ports import Store
from mcclink.reports.periods import Period

#: The ranges durations are counted in (time to acceptance, pending age): label, upper bound.
BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("< 1 day", timedelta(days=1)),
    ("1-3 days", timedelta(days=3)),
    ("3-7 days", timedelta(days=7)),
    ("7-14 days", timedelta(days=14)),
    ("14+ days", None),
)
#: History after the period is read up to here (entries written while the report is built
#: included: they are rolled back too).
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
#: Operations that make or remove a client (their entries have no status before / after).
_LIFECYCLE = frozenset(
    {Operation.REGISTER, Operation.IMPORT, Operation.CREATE_ACCOUNT, Operation.ARCHIVE}
)


@dataclass(frozen=True)
class Duration:
    """How long something took, over several cases: median, 90th percentile, ``BUCKETS``."""

    count: int
    median: timedelta | None
    #: The nearest-rank 90th percentile: the smallest value at least 90 % of cases reach.
    p90: timedelta | None
    buckets: list[tuple[str, int]]

    @classmethod
    def of(cls, values: Iterable[timedelta]) -> Duration:
        """The summary of ``values`` (None median and p90 when there are none)."""
        ordered = sorted(values)
        n = len(ordered)
        if not n:
            return cls(0, None, None, bucket_counts(ordered))
        middle = n // 2
        median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        return cls(n, median, ordered[math.ceil(0.9 * n) - 1], bucket_counts(ordered))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: seconds for durations."""
        return {
            "count": self.count,
            "median_s": _seconds(self.median),
            "p90_s": _seconds(self.p90),
            "buckets": _buckets_dict(self.buckets),
        }


def bucket_counts(values: Iterable[timedelta]) -> list[tuple[str, int]]:
    """How many of ``values`` fall in each of ``BUCKETS`` (a bound belongs to the next)."""
    counts = Counter(_bucket(value) for value in values)
    return [(label, counts[label]) for label, _ in BUCKETS]


def _bucket(value: timedelta) -> str:
    return next(label for label, bound in BUCKETS if bound is None or value < bound)


@dataclass(frozen=True)
class DayRow:
    """One local day of the period: invitations sent, and answers and cancellations."""

    day: date
    sent: int = 0
    accepted: int = 0
    refused: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class PendingClient:
    """An invitation still unanswered at the period's end, and how long it had waited."""

    customer_id: CustomerId
    name: str | None
    since: datetime
    age: timedelta


@dataclass(frozen=True)
class ChangeRow:
    """One status change of the period (a row of the report's changes)."""

    at: datetime
    customer_id: CustomerId
    name: str | None
    operation: Operation
    before: LinkStatus | None
    after: LinkStatus | None
    actor: str


@dataclass(frozen=True)
class ClientRow:
    """One client of the per-client sheet, as it stood at the period's end."""

    customer_id: CustomerId
    #: None for a client removed since the period ended (history keeps no name).
    name: str | None
    status: LinkStatus
    #: When the client came to ``status`` (its registration, if it never changed).
    status_since: datetime | None
    #: Its last invitation before the period's end (None: never invited).
    invited_at: datetime | None
    #: Whole days pending at the period's end (None: not pending then).
    days_pending: int | None
    #: Its last failed Google Ads operation in the period: ``CODE: message``.
    last_error: str | None


@dataclass(frozen=True)
class PeriodReport:
    """One MCC's period, from history. Counts are of events inside the period."""

    period: Period
    mcc: CustomerId
    generated_at: datetime
    #: The moment the "end" figures describe: the period's end, or ``generated_at`` while
    #: the period is still running.
    as_of: datetime
    #: How long an invitation waits before it counts as stale (``went_stale``).
    stale_after: timedelta
    sent: int
    accepted: int
    refused: int
    cancelled: int
    #: Invitations that reached ``stale_after`` unanswered during the period.
    went_stale: int
    #: accepted / (accepted + refused), of the answers given in the period.
    acceptance_rate: float | None
    #: From each invitation to its acceptance, for the acceptances of the period.
    time_to_acceptance: Duration
    #: Oldest first, with their ages at ``as_of``.
    pending_at_end: list[PendingClient]
    #: ``pending_at_end``'s ages in ``BUCKETS``.
    pending_age: list[tuple[str, int]]
    errors_by_code: dict[str, int]
    #: The onboarding links created in the period, and their counts so far.
    funnel: OnboardingFunnel
    reminders_sent: int
    days: list[DayRow]
    changes: list[ChangeRow]
    clients: list[ClientRow]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the API's and ``mcclink report --format json``'s body."""
        return {
            "period": self.period.label,
            "kind": self.period.kind,
            "time_zone": self.period.zone.key,
            "start": _iso(self.period.start),
            "end": _iso(self.period.end),
            "as_of": _iso(self.as_of),
            "mcc_customer_id": self.mcc.digits,
            "generated_at": _iso(self.generated_at),
            "stale_after_s": self.stale_after.total_seconds(),
            "sent": self.sent,
            "accepted": self.accepted,
            "refused": self.refused,
            "cancelled": self.cancelled,
            "went_stale": self.went_stale,
            "acceptance_rate": self.acceptance_rate,
            "time_to_acceptance": self.time_to_acceptance.to_dict(),
            "pending_at_end": [
                {
                    "customer_id": p.customer_id.dashed,
                    "name": p.name,
                    "since": _iso(p.since),
                    "age_s": p.age.total_seconds(),
                }
                for p in self.pending_at_end
            ],
            "pending_age": _buckets_dict(self.pending_age),
            "errors_by_code": self.errors_by_code,
            "funnel": self.funnel.to_dict(),
            "reminders_sent": self.reminders_sent,
            "days": [
                {
                    "day": d.day.isoformat(),
                    "sent": d.sent,
                    "accepted": d.accepted,
                    "refused": d.refused,
                    "cancelled": d.cancelled,
                }
                for d in self.days
            ],
            "changes": [
                {
                    "at": _iso(c.at),
                    "customer_id": c.customer_id.dashed,
                    "name": c.name,
                    "operation": c.operation.value,
                    "before": _value(c.before),
                    "after": _value(c.after),
                    "actor": c.actor,
                }
                for c in self.changes
            ],
            "clients": [
                {
                    "customer_id": c.customer_id.dashed,
                    "name": c.name,
                    "status": c.status.value,
                    "status_since": _iso(c.status_since),
                    "invited_at": _iso(c.invited_at),
                    "days_pending": c.days_pending,
                    "last_error": c.last_error,
                }
                for c in self.clients
            ],
        }


@dataclass(frozen=True)
class PeriodCounts:
    """What a period's history tells without reading any client: events counted by kind.
    The Lambda monitor function logs today's (``count_period``); reports include them."""

    period: Period
    as_of: datetime
    sent: int
    accepted: int
    refused: int
    cancelled: int
    errors_by_code: dict[str, int]
    reminders_sent: int
    days: list[DayRow]

    @property
    def acceptance_rate(self) -> float | None:
        """accepted / (accepted + refused) (None without an answer)."""
        answered = self.accepted + self.refused
        return self.accepted / answered if answered else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the days (the Lambda summary's ``today``)."""
        return {
            "period": self.period.label,
            "as_of": _iso(self.as_of),
            "sent": self.sent,
            "accepted": self.accepted,
            "refused": self.refused,
            "cancelled": self.cancelled,
            "errors": sum(self.errors_by_code.values()),
            "errors_by_code": self.errors_by_code,
            "reminders_sent": self.reminders_sent,
        }


def count_period(
    store: Store, mcc: CustomerId, period: Period, *, now: datetime | None = None
) -> PeriodCounts:
    """``mcc``'s events of ``period`` up to ``now`` (default: now): one read of its history.

    Raises:
        StoreUnavailable: the store could not be read.
    """
    as_of = min(period.end, now or utcnow())
    tally = _Tally(period)
    for entry in store.history_between(period.start, as_of, mcc):
        tally.add(entry)
    return tally.counts(as_of)


class _Tally:
    """Counts a period's history entries as they stream past (``mcclink.outcomes``'s rules)."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self.days: dict[date, Counter[str]] = {day: Counter() for day in period.days()}
        self.errors: Counter[str] = Counter()
        #: The period's REMIND entries (claims and failed sends), for ``ReminderOutcomes``.
        self.reminders: list[HistoryEntry] = []

    def add(self, entry: HistoryEntry) -> None:
        """Count ``entry`` (entries come oldest first, all inside the period)."""
        code = google_error(entry)
        if code is not None:
            self.errors[code] += 1
        if entry.operation is Operation.REMIND:
            self.reminders.append(entry)
        if not _is_status_change(entry):
            return
        day = self.days[self.period.local_day(entry.timestamp)]
        before, after = entry.status_before, entry.status_after
        if is_invitation(before, after):
            day["sent"] += 1
        elif before is LinkStatus.PENDING and after is not None:
            answer = ANSWERS.get(after)
            if answer is not None:
                day["accepted" if answer else "refused"] += 1
            elif after is LinkStatus.CANCELLED:
                day["cancelled"] += 1

    def counts(self, as_of: datetime) -> PeriodCounts:
        """The counts so far."""
        totals: Counter[str] = sum(self.days.values(), Counter())
        return PeriodCounts(
            period=self.period,
            as_of=as_of,
            sent=totals["sent"],
            accepted=totals["accepted"],
            refused=totals["refused"],
            cancelled=totals["cancelled"],
            errors_by_code=dict(self.errors.most_common()),
            reminders_sent=ReminderOutcomes.of(self.reminders).sent,
            days=[DayRow(day, **counts) for day, counts in self.days.items()],
        )


def build_report(
    store: Store,
    mcc: CustomerId,
    period: Period,
    *,
    now: datetime | None = None,
    pending_age: timedelta = DEFAULT_PENDING_AGE,
) -> PeriodReport:
    """``mcc``'s figures for ``period`` (see the module's docstring for how it reads).

    Args:
        store: where the clients, history and onboarding links are.
        mcc: the manager account.
        period: the day, week or month, in the agency's zone.
        now: the time of the report (default: now); a running period ends here.
        pending_age: how long an unanswered invitation waits before it is stale.

    Raises:
        InputError: the period starts after ``now``.
        StoreUnavailable: the store could not be read.
    """
    now = now or utcnow()
    if period.start > now:
        raise InputError(
            f"period {period.label} has not started yet (it starts on {period.first_day}, "
            f"{period.zone.key}): pick the current period or an earlier one"
        )
    reading = _Reading(store, mcc, period, min(period.end, now), pending_age)
    reading.read()
    return reading.report(now)


@dataclass(slots=True)
class _Client:
    """What a report keeps of one client (a few fields: there may be 100,000 of them)."""

    name: str | None
    #: Its status at the reading's ``as_of`` (None: not registered then).
    status: LinkStatus | None
    #: When it came to ``status`` and its last invitation, from the stored client (valid
    #: while no status change after ``as_of`` is recorded; else read from its history).
    since: datetime | None
    invited: datetime | None
    #: When it was registered (None: removed since, unknown).
    created: datetime | None
    #: Whether a status change after ``as_of`` is recorded (``since`` is then not valid).
    moved_after: bool = False


@dataclass(frozen=True)
class _Past:
    """What a client's own history says of it before a moment: since when it had its
    status then, and its last invitation."""

    since: datetime | None = None
    invited: datetime | None = None


@dataclass
class _Reading:
    """One report's pass over the store: state per client, counts per day."""

    store: Store
    mcc: CustomerId
    period: Period
    as_of: datetime
    pending_age: timedelta
    clients: dict[CustomerId, _Client] = field(default_factory=dict)
    #: The period's invitations still open, by client: when each was sent.
    open: dict[CustomerId, datetime] = field(default_factory=dict)
    #: The last invitation of each client invited in the ``pending_age`` before the period.
    recent: dict[CustomerId, datetime] = field(default_factory=dict)
    #: Per client, its last status change and its last invitation in the period.
    changed: dict[CustomerId, datetime] = field(default_factory=dict)
    invited: dict[CustomerId, datetime] = field(default_factory=dict)
    last_error: dict[CustomerId, str] = field(default_factory=dict)
    waits: list[timedelta] = field(default_factory=list)
    went_stale: int = 0
    changes: list[ChangeRow] = field(default_factory=list)
    #: Clients whose own history was read (``_before_start``), by customer id.
    past: dict[CustomerId, _Past] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tally = _Tally(self.period)

    def read(self) -> None:
        """Read the clients, roll them back to ``as_of``, then stream the period."""
        for client in self.store.list_clients(self.mcc):
            self.clients[client.customer_id] = _current(client)
        after = self.store.history_between(self.as_of, _FAR_FUTURE, self.mcc)
        for entry in _status_changes(after):
            self._roll_back(entry)
        start = self.period.start
        lookback = start - min(self.pending_age, start - HISTORY_START)
        for entry in self.store.history_between(lookback, start, self.mcc):
            if is_invitation(entry.status_before, entry.status_after):
                self.recent[entry.customer_id] = entry.timestamp
        for entry in self.store.history_between(self.period.start, self.as_of, self.mcc):
            self.tally.add(entry)
            self._add(entry)

    def _roll_back(self, entry: HistoryEntry) -> None:
        """The client's first status change after ``as_of`` starts from its status then."""
        known = self.clients.get(entry.customer_id)
        if known is None:  # removed since: history keeps no name
            known = self.clients[entry.customer_id] = _Client(None, None, None, None, None)
        elif known.moved_after:
            return
        known.status, known.moved_after = entry.status_before, True

    def _add(self, entry: HistoryEntry) -> None:
        """What the tally cannot tell alone: invitation times, names, errors per client."""
        client = entry.customer_id
        code = google_error(entry)
        if code is not None:
            message = entry.error_message
            self.last_error[client] = f"{code}: {message}" if message else code
        if not _is_status_change(entry):
            return
        before, after, at = entry.status_before, entry.status_after, entry.timestamp
        known = self.clients.get(client)
        name = known.name if known is not None else None
        self.changes.append(
            ChangeRow(at, client, name, entry.operation, before, after, entry.actor)
        )
        self.changed[client] = at
        if is_invitation(before, after):
            self.open[client] = self.invited[client] = at
        elif before is LinkStatus.PENDING:
            self._close(client, at, after)

    def _close(self, client: CustomerId, at: datetime, after: LinkStatus | None) -> None:
        """An invitation ended at ``at`` (answered, cancelled, or the client removed).

        One sent before the period and not in its last ``pending_age`` went stale before
        it: its time is looked for only for its time to acceptance."""
        sent = self.open.pop(client, None) or self.recent.get(client)
        if after is LinkStatus.APPROVED:
            sent = sent or self._invited_before_start(client)
            if sent is not None:
                self.waits.append(at - sent)
        if sent is not None and self._went_stale(sent, at):
            self.went_stale += 1

    def _went_stale(self, sent: datetime, until: datetime) -> bool:
        """Whether an invitation sent at ``sent``, unanswered until ``until``, reached
        ``pending_age`` in the period (in differences: ``sent + pending_age`` may overflow)."""
        return self.period.start - sent <= self.pending_age < until - sent

    def _invited_before_start(self, client: CustomerId) -> datetime | None:
        """The client's last invitation before the period: the one read just before it,
        else the stored ``invited_at`` (its last invitation of all) when earlier, else from
        the client's own history."""
        if client in self.recent:
            return self.recent[client]
        known = self.clients.get(client)
        if known is not None and known.invited is not None and known.invited < self.period.start:
            return known.invited
        if known is not None and known.invited is None and known.name is not None:
            return None  # a stored client never invited
        return self._before_start(client).invited

    def _before_start(self, client: CustomerId) -> _Past:
        """Since when the client had its status at the period's start, and its last
        invitation before it, from its own history (read once per client)."""
        if client not in self.past:
            self.past[client] = self._read_past(client, self.period.start)
        return self.past[client]

    def _read_past(self, client: CustomerId, moment: datetime) -> _Past:
        since = None
        for entry in self.store.client_history(self.mcc, client):
            if entry.timestamp >= moment or not _is_status_change(entry):
                continue
            since = since or entry.timestamp
            if is_invitation(entry.status_before, entry.status_after):
                return _Past(since, entry.timestamp)
        return _Past(since)

    def report(self, now: datetime) -> PeriodReport:
        """The figures read."""
        pending: list[PendingClient] = []
        rows: list[ClientRow] = []
        went_stale = self.went_stale
        for customer_id, known in sorted(self.clients.items(), key=_by_digits):
            if known.status is None or (known.created or self.period.start) >= self.as_of:
                continue  # not registered at the period's end
            row = self._row(customer_id, known, known.status)
            rows.append(row)
            if row.status is LinkStatus.PENDING and row.invited_at is not None:
                age = self.as_of - row.invited_at
                pending.append(PendingClient(customer_id, known.name, row.invited_at, age))
                went_stale += self._went_stale(row.invited_at, self.as_of)
        pending.sort(key=lambda p: (p.since, p.customer_id.digits))
        counts = self.tally.counts(self.as_of)
        return PeriodReport(
            period=self.period,
            mcc=self.mcc,
            generated_at=now,
            as_of=self.as_of,
            stale_after=self.pending_age,
            sent=counts.sent,
            accepted=counts.accepted,
            refused=counts.refused,
            cancelled=counts.cancelled,
            went_stale=went_stale,
            acceptance_rate=counts.acceptance_rate,
            time_to_acceptance=Duration.of(self.waits),
            pending_at_end=pending,
            pending_age=bucket_counts(p.age for p in pending),
            errors_by_code=counts.errors_by_code,
            funnel=OnboardingFunnel.of(self._links()),
            reminders_sent=counts.reminders_sent,
            days=counts.days,
            changes=self.changes,
            clients=rows,
        )

    def _row(self, customer_id: CustomerId, known: _Client, status: LinkStatus) -> ClientRow:
        since = self.changed.get(customer_id)
        invited = self.invited.get(customer_id)
        if since is None:
            since = known.since if not known.moved_after else self._before_start(customer_id).since
        if invited is None:
            invited = self._invited_before_start(customer_id)
        pending = status is LinkStatus.PENDING
        return ClientRow(
            customer_id=customer_id,
            name=known.name,
            status=status,
            status_since=since,
            invited_at=invited,
            days_pending=(self.as_of - invited).days if invited and pending else None,
            last_error=self.last_error.get(customer_id),
        )

    def _links(self) -> Iterator[OnboardingLink]:
        """The MCC's onboarding links created in the period (listed newest first)."""
        for link in self.store.list_onboarding_links(self.mcc):
            if link.created_at < self.period.start:
                return
            if link.created_at < self.as_of:
                yield link


def _by_digits(item: tuple[CustomerId, object]) -> str:
    return item[0].digits


def _current(client: Client) -> _Client:
    return _Client(
        client.name,
        client.status,
        client.status_changed_at or client.created_at,
        client.invited_at,
        client.created_at,
    )


def _is_status_change(entry: HistoryEntry) -> bool:
    """Whether ``entry`` moved a client from one status to another (or made or removed it)."""
    before, after = entry.status_before, entry.status_after
    return before != after and (
        (before is not None and after is not None) or entry.operation in _LIFECYCLE
    )


def _status_changes(history: Iterable[HistoryEntry]) -> Iterator[HistoryEntry]:
    return (entry for entry in history if _is_status_change(entry))


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _seconds(span: timedelta | None) -> float | None:
    return span.total_seconds() if span is not None else None


def _value(status: LinkStatus | None) -> str | None:
    return status.value if status is not None else None


def _buckets_dict(buckets: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    return [{"label": label, "count": count} for label, count in buckets]
