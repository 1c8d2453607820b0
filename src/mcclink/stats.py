"""Statistics and alerts the spec's original system promised, computed from the store.

``compute`` is the one place they are computed: ``mcclink stats``, the dashboard, the REST
API and the Lambda monitor function all call it. ``compute_all`` runs it for several managers
and sums them (``mcclink stats --all``, ``GET /api/v1/stats?scope=all``, the dashboard's "All
managers" view). These are figures of all time (and the clients as they are now); a day's,
week's or month's, from history, are ``mcclink.reports.metrics``'s. Both count by
``mcclink.outcomes``' rules (what an invitation, an answer, an error and a reminder sent
are) and sum onboarding links with ``OnboardingFunnel``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, utcnow
from mcclink.monitor import DEFAULT_PENDING_AGE
from mcclink.onboarding import OnboardingFunnel
from mcclink.outcomes import (
    HISTORY_START,
    InvitationOutcomes,
    ReminderOutcomes,
    errors_by_code,
)
from mcclink.ports import Store

if TYPE_CHECKING:
    from mcclink.alerts import Alert, AlertSettings

#: History window read for "errors by code".
ERROR_WINDOW = timedelta(days=30)


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
    #: The answers the acceptance rate and mean come from (summed by ``TreeStats``).
    outcomes: InvitationOutcomes = field(default_factory=InvitationOutcomes, repr=False)

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
        outcomes=outcomes,
    )


@dataclass(frozen=True)
class TreeStats:
    """Several managers' ``Stats`` and their sum.

    The sum's acceptance rate is accepted ÷ answered over every manager's answers, and its
    mean time to acceptance the mean over every acceptance: not averages of the managers'
    rates or means, which would weigh a manager with two answers like one with two thousand.
    """

    managers: list[Stats]

    @property
    def outcomes(self) -> InvitationOutcomes:
        """Every manager's answers together."""
        parts = [s.outcomes for s in self.managers]
        waits = tuple(wait for part in parts for wait in part.waits)
        return InvitationOutcomes(
            sum(p.accepted for p in parts), sum(p.refused for p in parts), waits
        )

    def total(self) -> dict[str, Any]:
        """The managers summed: counts, answers, the rate and mean from them, the funnel."""
        outcomes = self.outcomes
        mean = outcomes.mean_time_to_acceptance
        errors: Counter[str] = Counter()
        for part in self.managers:
            errors.update(part.errors_by_code)
        funnels = [s.onboarding for s in self.managers]
        return {
            "managers": len(self.managers),
            "total": sum(s.total for s in self.managers),
            "by_status": {
                k.value: sum(s.by_status[k.value] for s in self.managers) for k in LinkStatus
            },
            "accepted": outcomes.accepted,
            "refused": outcomes.refused,
            "acceptance_rate": outcomes.acceptance_rate,
            "mean_time_to_acceptance_s": mean.total_seconds() if mean is not None else None,
            "pending": sum(s.pending for s in self.managers),
            "stale_pending": sum(len(s.stale_pending) for s in self.managers),
            "errors_by_code": dict(errors.most_common()),
            "onboarding": OnboardingFunnel(
                sum(f.links_created for f in funnels),
                sum(f.opened for f in funnels),
                sum(f.signed_in for f in funnels),
                sum(f.accepted for f in funnels),
            ).to_dict(),
            "alerts": sum(len(s.alerts) for s in self.managers),
        }

    def to_dict(self) -> dict[str, Any]:
        """The documented ``--json`` shape of ``mcclink stats --all``."""
        return {
            "scope": "all",
            "managers": [s.to_dict() for s in self.managers],
            "total": self.total(),
        }


def compute_all(
    store: Store,
    managers: Sequence[CustomerId],
    *,
    pending_age: timedelta = DEFAULT_PENDING_AGE,
    now: datetime | None = None,
    alert_settings: AlertSettings | None = None,
) -> TreeStats:
    """``compute`` for each of ``managers`` at the same moment, and their sum.

    Raises:
        StoreError: the store could not be read.
    """
    now = now or utcnow()
    return TreeStats(
        [
            compute(store, mcc, pending_age=pending_age, now=now, alert_settings=alert_settings)
            for mcc in managers
        ]
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
