"""History as an outbox: the status changes to pass on, and what was done with each.

A status change is a history entry with outcome SUCCESS whose ``status_before`` differs
from its ``status_after`` (registrations and archivals included), whoever made it: the
monitor, the CLI, the web server, an advertiser through an onboarding link. Passing a
change on is recorded as a history entry of its own operation on the same client, whose
``details["entry_id"]`` names the change: ``WEBHOOK`` (a delivery attempt, see
``mcclink.webhooks``) or ``EVENT`` (an EventBridge event, see ``mcclink.aws.events``).
What was passed on and what is still due thus follow from history alone, in either store,
with no table of its own, and passing a change on never blocks or undoes its write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mcclink.domain import CustomerId, HistoryEntry, Operation, Outcome
from mcclink.ports import Store

#: Status changes older than this are not passed on any more.
WINDOW = timedelta(days=7)
#: Operations whose entries record something done, never a change of status.
RECORDS = (
    Operation.WEBHOOK,
    Operation.EVENT,
    Operation.MONITOR,
    Operation.REMIND,
    Operation.UNSUBSCRIBE,
    Operation.ALERT,
)


@dataclass(frozen=True)
class Outgoing:
    """One status change and the entries that recorded passing it on, oldest first."""

    change: HistoryEntry
    records: tuple[HistoryEntry, ...] = ()


def outgoing(
    store: Store, record: Operation, now: datetime, mcc: CustomerId | None = None
) -> list[Outgoing]:
    """Every status change of the ``WINDOW`` before ``now`` with its ``record`` entries.

    Args:
        store: the history to read.
        record: the operation that records passing a change on (``WEBHOOK``, ``EVENT``).
        now: the end of the window.
        mcc: only this MCC's changes (default: every MCC in the store).

    Returns:
        The changes, oldest first (the store's order).

    Raises:
        StoreError: the store could not be read.
    """
    entries = store.history_between(now - WINDOW, now + timedelta(seconds=1), mcc)
    changes: dict[str, HistoryEntry] = {}
    records: dict[str, list[HistoryEntry]] = {}
    for entry in entries:
        if entry.operation is record:
            records.setdefault(entry.details.get("entry_id", ""), []).append(entry)
        elif is_status_change(entry):
            changes[entry.id] = entry
    return [Outgoing(c, tuple(records.get(i, ()))) for i, c in changes.items()]


def is_status_change(entry: HistoryEntry) -> bool:
    """Whether ``entry`` changed a client's status (and so is to be passed on)."""
    return (
        entry.outcome is Outcome.SUCCESS
        and entry.status_before != entry.status_after
        and entry.operation not in RECORDS
    )
