"""Each status change of a monitor cycle, published as an Amazon EventBridge event.

The event (``source`` "mcclink", ``detail-type`` "Client Status Changed")::

    {"customer_id": "1112223333", "mcc_customer_id": "1234567890",
     "client_name": "Padaria São João", "status_before": "PENDING",
     "status_after": "APPROVED", "imported": false,
     "changed_at": "2026-11-29T02:49:48.123456Z", "google_request_id": "..."}

``status_before`` is null for a client the cycle imported. Events are sent after the store
write they describe, in PutEvents batches of ``BATCH_SIZE``: an entry EventBridge refuses
(or a batch that never arrives) is returned as a ``FailedEvent``, never raised, and never
undoes the write. The ``StatusChange`` itself stays in the store's history either way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from mcclink.domain import Client, utcnow
from mcclink.errors import StoreError
from mcclink.monitor import StatusChange, SyncReport
from mcclink.ports import Store
from mcclink.serialization import format_timestamp

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

EVENT_SOURCE = "mcclink"
DETAIL_TYPE = "Client Status Changed"
#: PutEvents takes at most 10 entries per call.
BATCH_SIZE = 10


@dataclass(frozen=True)
class FailedEvent:
    """A status change whose event EventBridge did not accept."""

    customer_id: str
    mcc_customer_id: str
    status_after: str
    error_code: str


@dataclass(frozen=True)
class PublishResult:
    """How many events were accepted, and which were not."""

    published: int
    failed: list[FailedEvent]


def status_events(store: Store, report: SyncReport, bus: str) -> list[PutEventsRequestEntryTypeDef]:
    """One PutEvents entry per status change in ``report``, for the bus named ``bus``.

    The client's name and change time are read back from the store (one read per change);
    if that read fails the event still goes out, without the name and timed by the cycle.
    """
    return [
        _entry(change, _client(store, report, change), report, bus) for change in report.changes
    ]


def publish(
    client: EventBridgeClient, entries: Sequence[PutEventsRequestEntryTypeDef]
) -> PublishResult:
    """Send ``entries`` in batches of ``BATCH_SIZE``; failures are returned, not raised."""
    published, failed = 0, []
    for start in range(0, len(entries), BATCH_SIZE):
        batch = entries[start : start + BATCH_SIZE]
        codes = _send(client, batch)
        published += codes.count(None)
        failed += [_failed(entry, code) for entry, code in zip(batch, codes, strict=True) if code]
    return PublishResult(published, failed)


def _send(
    client: EventBridgeClient, batch: Sequence[PutEventsRequestEntryTypeDef]
) -> list[str | None]:
    """The error code of each entry of ``batch`` (None: accepted)."""
    try:
        answer = client.put_events(Entries=list(batch))
    except ClientError as exc:
        return [exc.response.get("Error", {}).get("Code") or "ClientError"] * len(batch)
    except BotoCoreError as exc:
        return [type(exc).__name__] * len(batch)
    results = answer.get("Entries", [])
    # EventBridge answers entry by entry, in order; a missing answer counts as a failure.
    return [
        (results[i].get("ErrorCode") or None) if i < len(results) else "NoAnswer"
        for i in range(len(batch))
    ]


def _client(store: Store, report: SyncReport, change: StatusChange) -> Client | None:
    try:
        return store.get_client(report.mcc, change.customer_id)
    except StoreError:
        return None


def _entry(
    change: StatusChange, client: Client | None, report: SyncReport, bus: str
) -> PutEventsRequestEntryTypeDef:
    changed_at: datetime = (client.status_changed_at if client else None) or utcnow()
    detail = {
        "customer_id": change.customer_id.digits,
        "mcc_customer_id": report.mcc.digits,
        "client_name": client.name if client else None,
        "status_before": change.status_before.value if change.status_before else None,
        "status_after": change.status_after.value,
        "imported": change.imported,
        "changed_at": format_timestamp(changed_at),
        "google_request_id": report.request_id,
    }
    return {
        "Source": EVENT_SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(detail, ensure_ascii=False),
        "EventBusName": bus,
        "Time": changed_at,
    }


def _failed(entry: PutEventsRequestEntryTypeDef, code: str) -> FailedEvent:
    detail = json.loads(entry["Detail"])
    return FailedEvent(
        customer_id=detail["customer_id"],
        mcc_customer_id=detail["mcc_customer_id"],
        status_after=detail["status_after"],
        error_code=code,
    )
