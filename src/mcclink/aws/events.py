"""Every status change, published as an Amazon EventBridge event from history (the outbox).

The event (``source`` "mcclink", ``detail-type`` "Client Status Changed")::

    {"customer_id": "1112223333", "mcc_customer_id": "1234567890",
     "client_name": "Padaria São João", "status_before": "PENDING",
     "status_after": "APPROVED", "imported": false,
     "changed_at": "2026-11-29T02:49:48.123456Z", "google_request_id": "...",
     "operation": "SYNC", "actor": "lambda:mcclink-monitor",
     "history_entry_id": "9f2c..."}

Any status change is published, wherever it was made: the monitor function's own sync,
an advertiser accepting through an onboarding link (the web server), a CLI invitation.
History is the outbox (``mcclink.outbox``), as for webhooks: ``publish_pending`` reads an
MCC's status changes of the last ``outbox.WINDOW`` and sends, oldest first and at most
``MAX_PER_RUN`` (the rest wait for the next run), each one with no ``EVENT`` entry yet, in
PutEvents batches of ``BATCH_SIZE``. Each event EventBridge accepts is then recorded as an
``EVENT`` history entry on the changed client (``details``: ``entry_id``, ``event_id``), so
no change is published twice by design, the run's own sync changes included.

Publishing is at least once: a crash (or a failed store write) between PutEvents and the
``EVENT`` entry publishes that change again on the next run, with the same
``history_entry_id``; consumers dedupe on it. An entry EventBridge refuses (or a batch that
never arrives) is returned as a ``FailedEvent``, never raised, and is tried again by the next
runs until it leaves the window; it never undoes the write. On DynamoDB the history is read
through an index (eventually consistent): a change written an instant before a run may go
out with the next one. ``status_before`` is null for a registration or an import,
``status_after`` for an archival.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from mcclink.domain import Client, CustomerId, HistoryEntry, Operation, Outcome, utcnow
from mcclink.errors import StoreError
from mcclink.outbox import outgoing
from mcclink.ports import Store
from mcclink.serialization import format_timestamp

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

EVENT_SOURCE = "mcclink"
DETAIL_TYPE = "Client Status Changed"
#: PutEvents takes at most 10 entries per call.
BATCH_SIZE = 10
#: Events one run publishes per MCC at most (each is a PutEvents entry and a history write).
MAX_PER_RUN = 200


@dataclass(frozen=True)
class FailedEvent:
    """A status change whose event EventBridge did not accept."""

    history_entry_id: str
    customer_id: str
    mcc_customer_id: str
    status_after: str | None
    error_code: str


@dataclass(frozen=True)
class PublishResult:
    """How many events were accepted, which were not, and how many wait for the next run."""

    published: int
    failed: list[FailedEvent]
    #: Changes not yet published, left for the next run by ``MAX_PER_RUN``.
    deferred: int = 0


def publish_pending(
    store: Store,
    client: EventBridgeClient,
    mcc: CustomerId,
    bus: str,
    *,
    actor: str,
    now: datetime | None = None,
    limit: int = MAX_PER_RUN,
) -> PublishResult:
    """Publish ``mcc``'s status changes that have no ``EVENT`` entry yet, and record each.

    Args:
        store: the history to read and record in.
        client: the EventBridge client.
        mcc: whose changes.
        bus: the event bus's name.
        actor: who publishes, recorded in each ``EVENT`` entry.
        now: the end of the window read (default: now).
        limit: at most this many events (the oldest due); the rest are ``deferred``.

    Returns:
        The events accepted, refused (returned, not raised) and deferred.

    Raises:
        StoreError: the history could not be read, or an accepted event could not be
            recorded (that change is published again by the next run).
    """
    window = outgoing(store, Operation.EVENT, now or utcnow(), mcc)
    due = [o.change for o in window if not o.records]
    chosen = due[:limit]
    published, failed = 0, []
    for start in range(0, len(chosen), BATCH_SIZE):
        changes = chosen[start : start + BATCH_SIZE]
        answers = _send(client, [_entry(change, _client(store, change), bus) for change in changes])
        for change, (event_id, code) in zip(changes, answers, strict=True):
            if code is None:
                store.append_history(_record(change, event_id, actor))
                published += 1
            else:
                failed.append(_failed(change, code))
    return PublishResult(published, failed, len(due) - len(chosen))


def _send(
    client: EventBridgeClient, batch: list[PutEventsRequestEntryTypeDef]
) -> list[tuple[str | None, str | None]]:
    """The event id and the error code of each entry of ``batch`` (code None: accepted)."""
    try:
        answer = client.put_events(Entries=batch)
    except ClientError as exc:
        return [(None, exc.response.get("Error", {}).get("Code") or "ClientError")] * len(batch)
    except BotoCoreError as exc:
        return [(None, type(exc).__name__)] * len(batch)
    results = answer.get("Entries", [])
    # EventBridge answers entry by entry, in order; a missing answer counts as a failure.
    return [
        (results[i].get("EventId"), results[i].get("ErrorCode") or None)
        if i < len(results)
        else (None, "NoAnswer")
        for i in range(len(batch))
    ]


def _client(store: Store, change: HistoryEntry) -> Client | None:
    """The client as stored now, for its name (None: archived, or the read failed)."""
    try:
        return store.get_client(change.mcc_customer_id, change.customer_id)
    except StoreError:
        return None


def _entry(change: HistoryEntry, client: Client | None, bus: str) -> PutEventsRequestEntryTypeDef:
    detail = {
        "customer_id": change.customer_id.digits,
        "mcc_customer_id": change.mcc_customer_id.digits,
        "client_name": client.name if client else None,
        "status_before": change.status_before.value if change.status_before else None,
        "status_after": change.status_after.value if change.status_after else None,
        "imported": change.operation is Operation.IMPORT,
        "changed_at": format_timestamp(change.timestamp),
        "google_request_id": change.request_id,
        "operation": change.operation.value,
        "actor": change.actor,
        "history_entry_id": change.id,
    }
    return {
        "Source": EVENT_SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(detail, ensure_ascii=False),
        "EventBusName": bus,
        "Time": change.timestamp,
    }


def _record(change: HistoryEntry, event_id: str | None, actor: str) -> HistoryEntry:
    details = {"entry_id": change.id}
    if event_id:
        details["event_id"] = event_id
    return HistoryEntry(
        customer_id=change.customer_id,
        mcc_customer_id=change.mcc_customer_id,
        operation=Operation.EVENT,
        outcome=Outcome.SUCCESS,
        actor=actor,
        details=details,
    )


def _failed(change: HistoryEntry, code: str) -> FailedEvent:
    return FailedEvent(
        history_entry_id=change.id,
        customer_id=change.customer_id.digits,
        mcc_customer_id=change.mcc_customer_id.digits,
        status_after=change.status_after.value if change.status_after else None,
        error_code=code,
    )
