"""Statistics and alerts the spec's original system promised, computed from the store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from mcclink.domain import CustomerId, LinkStatus, Operation, Outcome, utcnow
from mcclink.monitor import DEFAULT_PENDING_AGE
from mcclink.onboarding import OnboardingLink
from mcclink.ports import Store

#: Alert thresholds: invitations pending this long, and the share of refusals.
ALERT_PENDING_AGE = timedelta(hours=48)
ALERT_REFUSAL_RATE = 0.5
#: History window read for "errors by code".
ERROR_WINDOW = timedelta(days=30)


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
            "alerts": self.alerts,
        }


def compute(
    store: Store,
    mcc: CustomerId,
    *,
    pending_age: timedelta = DEFAULT_PENDING_AGE,
    now: datetime | None = None,
) -> Stats:
    """Count statuses, acceptance, time to acceptance, stale invitations, errors and the
    onboarding funnel.

    Acceptance rate is accepted / (accepted + refused) over invitations the advertisers
    answered; accounts created under the MCC (never invited) are left out. The funnel sums
    the counts the MCC's onboarding links keep (one listing of the MCC's links).

    Raises:
        StoreError: the store could not be read.
    """
    now = now or utcnow()
    by_status: Counter[str] = Counter()
    waits: list[timedelta] = []
    stale: list[str] = []
    errors: Counter[str] = Counter()
    for client in store.list_clients(mcc):
        by_status[client.status.value] += 1
        invited, changed = client.invited_at, client.status_changed_at
        if client.status is LinkStatus.APPROVED and invited and changed and changed >= invited:
            waits.append(changed - invited)
        if client.status is LinkStatus.PENDING and invited and now - invited > pending_age:
            stale.append(client.customer_id.digits)
    for entry in store.history_between(now - ERROR_WINDOW, now + timedelta(seconds=1), mcc):
        # A failed webhook delivery is the receiver's problem, not a Google Ads error: it is
        # reported by ``webhooks.delivery_problems`` and kept out of the alerts' counts.
        if entry.outcome is Outcome.FAILED and entry.operation is not Operation.WEBHOOK:
            errors[entry.error_code or "UNKNOWN"] += 1
    accepted, refused = len(waits), by_status[LinkStatus.REJECTED.value]
    rate = accepted / (accepted + refused) if accepted + refused else None
    mean = sum(waits, timedelta()) / len(waits) if waits else None
    stats = Stats(
        mcc=mcc,
        total=sum(by_status.values()),
        by_status={s.value: by_status[s.value] for s in LinkStatus},
        acceptance_rate=rate,
        mean_time_to_acceptance=mean,
        pending=by_status[LinkStatus.PENDING.value],
        stale_pending=stale,
        errors_by_code=dict(errors.most_common()),
        onboarding=OnboardingFunnel.of(store.list_onboarding_links(mcc)),
        alerts=[],
    )
    stats.alerts.extend(_alerts(store, mcc, stats, now))
    return stats


def _alerts(store: Store, mcc: CustomerId, stats: Stats, now: datetime) -> list[str]:
    alerts = []
    very_old = [
        c.customer_id.digits
        for c in store.list_clients(mcc, LinkStatus.PENDING)
        if c.invited_at is not None and now - c.invited_at > ALERT_PENDING_AGE
    ]
    if very_old:
        alerts.append(f"{len(very_old)} invitation(s) pending for more than 48 h")
    if stats.acceptance_rate is not None and 1 - stats.acceptance_rate > ALERT_REFUSAL_RATE:
        alerts.append(f"high refusal rate: {1 - stats.acceptance_rate:.0%} of answers refused")
    permission = sum(n for code, n in stats.errors_by_code.items() if "PERMISSION" in code)
    if permission:
        alerts.append(f"{permission} permission error(s): check the login customer id")
    failures = sum(stats.errors_by_code.values())
    if failures:
        alerts.append(f"{failures} failed Google Ads operation(s) in the last 30 days")
    return alerts
