"""Statistics and alerts the spec's original system promised, computed from the store.

``compute`` is the one place they are computed: ``mcclink stats``, the dashboard, the REST
API and the Lambda monitor function all call it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome, utcnow
from mcclink.monitor import DEFAULT_PENDING_AGE
from mcclink.onboarding import OnboardingLink
from mcclink.outcomes import (
    ANSWERS,
    HISTORY_START,
    InvitationOutcomes,
    errors_by_code,
)
from mcclink.ports import Store

if TYPE_CHECKING:
    from mcclink.alerts import Alert, AlertSettings

#: History window read for "errors by code".
ERROR_WINDOW = timedelta(days=30)
#: An acceptance this soon after a reminder counts as one the reminder brought.
REMINDER_EFFECT = timedelta(days=2)


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
                if after is not None and ANSWERS.get(after) and steps:
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
    alert_settings: AlertSettings | None = None,
) -> Stats:
    """Count statuses, invitation outcomes, stale invitations, errors, the onboarding
    funnel and the reminders; raise the alerts.

    Statuses and stale invitations are the clients' current ones; the acceptance rate and
    the time to acceptance come from the MCC's history (``InvitationOutcomes``), and so do
    the reminders (``ReminderOutcomes``), errors from its last ``ERROR_WINDOW``. The funnel
    sums the counts the MCC's onboarding links keep. One listing each of clients, history
    and onboarding links. The alerts are ``mcclink.alerts.assess``'s summaries (under
    ``alert_settings``, default: the defaults), from the same reading.

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
        alerts=[a.summary for a in reading.alerts(now, alert_settings)],
    )


def alerts(
    store: Store,
    mcc: CustomerId,
    *,
    now: datetime | None = None,
    settings: AlertSettings | None = None,
) -> list[str]:
    """The alerts' summaries alone (``mcclink.alerts.evaluate``), without reading the
    onboarding links (the Lambda monitor function logs them, and its role may not read that
    table).

    Raises:
        StoreError: the store could not be read.
    """
    from mcclink.alerts import evaluate

    return [a.summary for a in evaluate(store, mcc, now, settings)]


@dataclass(frozen=True)
class _Reading:
    """What ``compute`` and ``alerts`` read of one MCC's clients and history."""

    by_status: Counter[str]
    stale: list[str]
    outcomes: InvitationOutcomes
    errors_by_code: dict[str, int]
    #: The MCC's whole history, oldest first (read once, for every figure).
    history: list[HistoryEntry]

    #: The MCC's clients, as listed.
    clients: list[Client]

    def alerts(self, now: datetime, settings: AlertSettings | None) -> list[Alert]:
        """The conditions ``mcclink.alerts`` tells the agency of, in this reading."""
        from mcclink.alerts import AlertSettings, assess  # it builds on this module

        return assess(self.clients, self.history, now, settings or AlertSettings())


def _read(store: Store, mcc: CustomerId, pending_age: timedelta, now: datetime) -> _Reading:
    by_status: Counter[str] = Counter()
    stale: list[str] = []
    clients = list(store.list_clients(mcc))
    for client in clients:
        by_status[client.status.value] += 1
        invited = client.invited_at
        if client.status is LinkStatus.PENDING and invited and now - invited > pending_age:
            stale.append(client.customer_id.digits)
    history = list(store.history_between(HISTORY_START, now + timedelta(seconds=1), mcc))
    recent = (entry for entry in history if now - entry.timestamp <= ERROR_WINDOW)
    return _Reading(
        by_status,
        stale,
        InvitationOutcomes.of(history),
        errors_by_code(recent),
        history,
        clients,
    )
