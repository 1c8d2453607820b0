"""Statistics and alerts the spec's original system promised, computed from the store.

``compute`` is the one place they are computed: ``mcclink stats``, the dashboard, the REST
API and the Lambda monitor function all call it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from mcclink.domain import CustomerId, HistoryEntry, LinkStatus, Operation, Outcome, utcnow
from mcclink.monitor import DEFAULT_PENDING_AGE
from mcclink.onboarding import OnboardingLink
from mcclink.ports import Store

#: Alert thresholds: invitations pending this long, and the share of refusals.
ALERT_PENDING_AGE = timedelta(hours=48)
ALERT_REFUSAL_RATE = 0.5
#: History window read for "errors by code".
ERROR_WINDOW = timedelta(days=30)
#: Invitation outcomes are read from the MCC's whole history, from this moment on.
HISTORY_START = datetime(1970, 1, 1, tzinfo=UTC)
#: An acceptance this soon after a reminder counts as one the reminder brought.
REMINDER_EFFECT = timedelta(days=2)
#: Operations whose failures are not Google Ads errors: a webhook receiver's, and mail's
#: (reminders and alerts); they are reported where they are made, not in ``errors_by_code``.
_NOT_GOOGLE = frozenset({Operation.WEBHOOK, Operation.REMIND, Operation.ALERT})

#: How an invitation was answered, by the status its link moved to from PENDING (True:
#: accepted). Google ends a link (INACTIVE) only after it was accepted, so PENDING ->
#: UNLINKED, recorded when the acceptance fell between two monitor cycles, is one too.
_ANSWERS: Mapping[LinkStatus, bool] = MappingProxyType(
    {LinkStatus.APPROVED: True, LinkStatus.UNLINKED: True, LinkStatus.REJECTED: False}
)


@dataclass(frozen=True)
class InvitationOutcomes:
    """How advertisers answered the MCC's invitations, as ExecutionHistory recorded them.

    Each move of a link out of ``PENDING`` to an answer counts once, whatever the client's
    status is now: an invitation accepted and later unlinked stays accepted, and a client
    that refused and accepted a later invitation counts one of each. Accounts created
    under the MCC or imported already linked were never invited and are left out.
    """

    accepted: int = 0
    refused: int = 0
    #: Invitation to acceptance, for each acceptance whose invitation is in history.
    waits: tuple[timedelta, ...] = ()

    @classmethod
    def of(cls, history: Iterable[HistoryEntry]) -> InvitationOutcomes:
        """The outcomes recorded in ``history`` (one MCC's, oldest first)."""
        invited: dict[CustomerId, datetime] = {}
        answers: list[bool] = []
        waits: list[timedelta] = []
        for entry in history:
            before, after = entry.status_before, entry.status_after
            if after is LinkStatus.PENDING and before is not LinkStatus.PENDING:
                invited[entry.customer_id] = entry.timestamp
            elif before is LinkStatus.PENDING and after is not None and after in _ANSWERS:
                answers.append(_ANSWERS[after])
                sent = invited.pop(entry.customer_id, None)
                if after is LinkStatus.APPROVED and sent is not None:
                    waits.append(entry.timestamp - sent)
        return cls(sum(answers), len(answers) - sum(answers), tuple(waits))

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted ÷ answered invitations (None before the first answer)."""
        answered = self.accepted + self.refused
        return self.accepted / answered if answered else None

    @property
    def mean_time_to_acceptance(self) -> timedelta | None:
        """The mean of ``waits`` (None without one)."""
        return sum(self.waits, timedelta()) / len(self.waits) if self.waits else None


@dataclass(frozen=True)
class ReminderOutcomes:
    """The reminders mailed to advertisers, and the acceptances that followed them.

    A ``REMIND`` entry is written (the claim) before its message is sent, and a failed send
    adds a ``REMIND`` ``FAILED`` entry for the same step: sent = claimed - failed (a claim
    whose process died before sending counts as sent: history cannot tell them apart). An
    invitation counts as accepted after a reminder when its acceptance was recorded within
    ``REMINDER_EFFECT`` of its last reminder's due time (the entry's timestamp), and it is
    credited to that reminder's step.
    """

    #: Reminders sent, by step (1 = the first age of ``MCC_REMIND_AT``).
    sent_by_step: Mapping[int, int]
    failed: int
    #: Invitations that got at least one reminder.
    reminded: int
    #: Invitations accepted within ``REMINDER_EFFECT`` of their last reminder, by its step.
    accepted_by_step: Mapping[int, int]

    @classmethod
    def of(cls, history: Iterable[HistoryEntry]) -> ReminderOutcomes:
        """The reminders recorded in ``history`` (one MCC's, oldest first)."""
        failed: Counter[int] = Counter()
        sent: Counter[int] = Counter()
        accepted: Counter[int] = Counter()
        # Per client, its current invitation's reminders sent: step -> due time.
        current: dict[CustomerId, dict[int, datetime]] = {}
        reminded = 0
        for entry in history:
            before, after = entry.status_before, entry.status_after
            if entry.operation is Operation.REMIND:
                step = _step(entry)
                if step is not None and entry.outcome is Outcome.FAILED:
                    failed[step] += 1
                    current.get(entry.customer_id, {}).pop(step, None)
                elif step is not None:
                    current.setdefault(entry.customer_id, {})[step] = entry.timestamp
            elif before is LinkStatus.PENDING and after not in (None, LinkStatus.PENDING):
                # The invitation ended (answered, cancelled, ...): so did its reminders. (Not
                # at the next invitation's entry: a reminder due soon after an invitation
                # may be timed before the entry recording Google's answer to it.)
                steps = current.pop(entry.customer_id, {})
                reminded += _tally(steps, sent)
                if after is not None and _ANSWERS.get(after) and steps:
                    last_step, due = max(steps.items(), key=lambda item: item[1])
                    if timedelta() <= entry.timestamp - due <= REMINDER_EFFECT:
                        accepted[last_step] += 1
        for steps in current.values():
            reminded += _tally(steps, sent)
        return cls(
            MappingProxyType(dict(sorted(sent.items()))),
            sum(failed.values()),
            reminded,
            MappingProxyType(dict(sorted(accepted.items()))),
        )

    @property
    def sent(self) -> int:
        """Reminders sent, all steps."""
        return sum(self.sent_by_step.values())

    @property
    def accepted(self) -> int:
        """Invitations accepted within ``REMINDER_EFFECT`` of a reminder."""
        return sum(self.accepted_by_step.values())

    def to_dict(self) -> dict[str, Any]:
        """The ``reminders`` key of ``Stats.to_dict`` (JSON keys: steps as strings)."""
        return {
            "sent": self.sent,
            "sent_by_step": {str(step): n for step, n in self.sent_by_step.items()},
            "failed": self.failed,
            "reminded_invitations": self.reminded,
            "accepted_within_2_days": self.accepted,
            "accepted_within_2_days_by_step": {
                str(step): n for step, n in self.accepted_by_step.items()
            },
        }


def _step(entry: HistoryEntry) -> int | None:
    """The step a ``REMIND`` entry records (None when it records none)."""
    raw = entry.details.get("step", "")
    return int(raw) if raw.isdigit() else None


def _tally(steps: Mapping[int, datetime], sent: Counter[int]) -> int:
    """Add one invitation's reminders to ``sent``; 1 if it had any, else 0."""
    sent.update(steps.keys())
    return 1 if steps else 0


@dataclass(frozen=True)
class OnboardingFunnel:
    """How far advertisers went through the MCC's onboarding links, summed over every link.

    Steps are counted, not people: a link opened twice counts two ``opened``, and one
    sign-in on the general access page that links three accounts counts three ``accepted``.
    """

    links_created: int = 0
    opened: int = 0
    signed_in: int = 0
    accepted: int = 0

    @classmethod
    def of(cls, links: Iterable[OnboardingLink]) -> OnboardingFunnel:
        """The funnel of ``links`` (revoked and expired ones included: they were used)."""
        created = opened = signed_in = accepted = 0
        for link in links:
            created += 1
            opened += link.opened
            signed_in += link.signed_in
            accepted += link.accepted
        return cls(created, opened, signed_in, accepted)

    def to_dict(self) -> dict[str, int]:
        """The ``onboarding`` key of ``Stats.to_dict``."""
        return asdict(self)


@dataclass(frozen=True)
class Stats:
    """Link statistics of one MCC."""

    mcc: CustomerId
    total: int
    by_status: dict[str, int]
    acceptance_rate: float | None
    mean_time_to_acceptance: timedelta | None
    pending: int
    stale_pending: list[str]
    errors_by_code: dict[str, int]
    onboarding: OnboardingFunnel
    reminders: ReminderOutcomes
    alerts: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The documented ``--json`` shape of ``mcclink stats``."""
        mean = self.mean_time_to_acceptance
        return {
            "mcc_customer_id": self.mcc.digits,
            "total": self.total,
            "by_status": self.by_status,
            "acceptance_rate": self.acceptance_rate,
            "mean_time_to_acceptance_s": mean.total_seconds() if mean is not None else None,
            "pending": self.pending,
            "stale_pending": self.stale_pending,
            "errors_by_code": self.errors_by_code,
            "onboarding": self.onboarding.to_dict(),
            "reminders": self.reminders.to_dict(),
            "alerts": self.alerts,
        }


def compute(
    store: Store,
    mcc: CustomerId,
    *,
    pending_age: timedelta = DEFAULT_PENDING_AGE,
    now: datetime | None = None,
) -> Stats:
    """Count statuses, invitation outcomes, stale invitations, errors, the onboarding
    funnel and the reminders; raise the alerts.

    Statuses and stale invitations are the clients' current ones; the acceptance rate and
    the time to acceptance come from the MCC's history (``InvitationOutcomes``), and so do
    the reminders (``ReminderOutcomes``), errors from its last ``ERROR_WINDOW``. The funnel
    sums the counts the MCC's onboarding links keep. One listing each of clients, history
    and onboarding links.

    Raises:
        StoreError: the store could not be read.
    """
    now = now or utcnow()
    reading = _read(store, mcc, pending_age, now)
    outcomes = reading.outcomes
    return Stats(
        mcc=mcc,
        total=sum(reading.by_status.values()),
        by_status={s.value: reading.by_status[s.value] for s in LinkStatus},
        acceptance_rate=outcomes.acceptance_rate,
        mean_time_to_acceptance=outcomes.mean_time_to_acceptance,
        pending=reading.by_status[LinkStatus.PENDING.value],
        stale_pending=reading.stale,
        errors_by_code=reading.errors_by_code,
        onboarding=OnboardingFunnel.of(store.list_onboarding_links(mcc)),
        reminders=ReminderOutcomes.of(reading.history),
        alerts=reading.alerts(),
    )


def alerts(store: Store, mcc: CustomerId, *, now: datetime | None = None) -> list[str]:
    """The alerts of ``compute`` alone, without reading the onboarding links (the Lambda
    monitor function logs them, and its role may not read that table).

    Raises:
        StoreError: the store could not be read.
    """
    return _read(store, mcc, DEFAULT_PENDING_AGE, now or utcnow()).alerts()


@dataclass(frozen=True)
class _Reading:
    """What ``compute`` and ``alerts`` read of one MCC's clients and history."""

    by_status: Counter[str]
    stale: list[str]
    #: Invitations pending longer than ``ALERT_PENDING_AGE``.
    overdue: int
    outcomes: InvitationOutcomes
    errors_by_code: dict[str, int]
    #: The MCC's whole history, oldest first (read once, for every figure).
    history: list[HistoryEntry]

    def alerts(self) -> list[str]:
        found = []
        if self.overdue:
            found.append(f"{self.overdue} invitation(s) pending for more than 48 h")
        rate = self.outcomes.acceptance_rate
        if rate is not None and 1 - rate > ALERT_REFUSAL_RATE:
            found.append(f"high refusal rate: {1 - rate:.0%} of answers refused")
        errors = self.errors_by_code
        permission = sum(n for code, n in errors.items() if "PERMISSION" in code)
        if permission:
            found.append(f"{permission} permission error(s): check the login customer id")
        if errors:
            found.append(
                f"{sum(errors.values())} failed Google Ads operation(s) in the last 30 days"
            )
        return found


def _read(store: Store, mcc: CustomerId, pending_age: timedelta, now: datetime) -> _Reading:
    by_status: Counter[str] = Counter()
    stale: list[str] = []
    overdue = 0
    for client in store.list_clients(mcc):
        by_status[client.status.value] += 1
        invited = client.invited_at
        if client.status is LinkStatus.PENDING and invited is not None:
            if now - invited > pending_age:
                stale.append(client.customer_id.digits)
            if now - invited > ALERT_PENDING_AGE:
                overdue += 1
    history = list(store.history_between(HISTORY_START, now + timedelta(seconds=1), mcc))
    recent = (entry for entry in history if now - entry.timestamp <= ERROR_WINDOW)
    return _Reading(
        by_status,
        stale,
        overdue,
        InvitationOutcomes.of(history),
        _errors_by_code(recent),
        history,
    )


def _errors_by_code(history: Iterable[HistoryEntry]) -> dict[str, int]:
    errors: Counter[str] = Counter()
    for entry in history:
        if entry.outcome is Outcome.FAILED and entry.operation not in _NOT_GOOGLE:
            errors[entry.error_code or "UNKNOWN"] += 1
    return dict(errors.most_common())
