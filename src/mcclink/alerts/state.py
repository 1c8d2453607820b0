"""What an MCC's alerts are now, and when each condition was last told (``ALERT`` entries)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mcclink.alerts.conditions import RESOLVED_EVENT, Alert, AlertKind, AlertSettings, assess
from mcclink.domain import CustomerId, HistoryEntry, Operation, Outcome, utcnow
from mcclink.outcomes import HISTORY_START
from mcclink.ports import Store
from mcclink.serialization import format_timestamp, parse_timestamp


@dataclass(frozen=True)
class Notice:
    """The last time a condition was told (its claim), and its resolved note if one went out."""

    kind: AlertKind
    claim: HistoryEntry
    resolved: HistoryEntry | None = None

    @property
    def notified_at(self) -> datetime:
        """When the alert was sent (the claim's own time is its day's start)."""
        return _notified_at(self.claim)

    @property
    def resolved_at(self) -> datetime | None:
        """When the resolved note was sent, or None."""
        return None if self.resolved is None else _notified_at(self.resolved)


def _notified_at(entry: HistoryEntry) -> datetime:
    raw = entry.details.get("notified_at")
    return parse_timestamp(raw) if raw else entry.timestamp


def notices(history: Iterable[HistoryEntry]) -> dict[AlertKind, Notice]:
    """The newest claim of each condition in ``history`` (oldest first), with its resolution."""
    found: dict[AlertKind, Notice] = {}
    resolutions: dict[str, HistoryEntry] = {}
    for entry in history:
        if entry.operation is not Operation.ALERT or entry.outcome is not Outcome.SUCCESS:
            continue
        try:
            kind = AlertKind(entry.details.get("kind", ""))
        except ValueError:
            continue
        if entry.details.get("event") == RESOLVED_EVENT:
            resolutions[entry.details.get("resolves", "")] = entry
        else:
            found[kind] = Notice(kind, entry)
    return {k: Notice(k, n.claim, resolutions.get(n.claim.id)) for k, n in found.items()}


@dataclass(frozen=True)
class AlertState:
    """One MCC's alerts now, and when each condition was last told."""

    mcc: CustomerId
    now: datetime
    settings: AlertSettings
    alerts: tuple[Alert, ...]
    notices: Mapping[AlertKind, Notice] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON of ``GET /api/v1/alerts`` and ``mcclink alerts --json``."""
        return {
            "mcc_customer_id": self.mcc.digits,
            "checked_at": format_timestamp(self.now),
            "settings": self.settings.to_dict(),
            "alerts": [
                {**a.to_dict(), "last_notified_at": self.last_notified(a.kind)} for a in self.alerts
            ],
        }

    def last_notified(self, kind: AlertKind) -> str | None:
        """When ``kind`` was last told (ISO 8601), or None."""
        notice = self.notices.get(kind)
        return None if notice is None else format_timestamp(notice.notified_at)


def read_state(
    store: Store,
    mcc: CustomerId,
    *,
    settings: AlertSettings | None = None,
    now: datetime | None = None,
) -> AlertState:
    """Read one MCC's clients and history once and assess them.

    Raises:
        StoreError: the store could not be read.
    """
    now = now or utcnow()
    settings = settings or AlertSettings()
    clients = list(store.list_clients(mcc))
    history = list(store.history_between(HISTORY_START, now + timedelta(seconds=1), mcc))
    found = tuple(assess(clients, history, now, settings))
    return AlertState(mcc, now, settings, found, notices(history))


def evaluate(
    store: Store,
    mcc: CustomerId,
    now: datetime | None = None,
    settings: AlertSettings | None = None,
) -> list[Alert]:
    """The alerts of ``mcc`` now (a pure read of the store).

    Raises:
        StoreError: the store could not be read.
    """
    return list(read_state(store, mcc, settings=settings, now=now).alerts)
