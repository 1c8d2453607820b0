"""Reminders' records in the stores: the new operations round-trip on both stores."""

from __future__ import annotations

import pytest

from mcclink.domain import LinkStatus, Operation
from mcclink.outbox import is_status_change
from mcclink.ports import Store
from tests.store.records import MCC, NOON, a_client, an_entry, customer

NEW_OPERATIONS = [Operation.REMIND, Operation.UNSUBSCRIBE, Operation.ALERT]


@pytest.mark.parametrize("operation", NEW_OPERATIONS)
def test_reminder_and_alert_entries_round_trip(store: Store, operation: Operation) -> None:
    entry = an_entry(
        a_client(),
        at=NOON,
        operation=operation,
        status_before=LinkStatus.PENDING,
        status_after=LinkStatus.PENDING,
        details={"step": "1", "message_id": "<abc@mcclink>"},
    )

    store.append_history(entry)

    assert list(store.client_history(MCC, customer(1))) == [entry]


@pytest.mark.parametrize("operation", NEW_OPERATIONS)
def test_reminder_and_alert_entries_are_never_status_changes(operation: Operation) -> None:
    entry = an_entry(
        a_client(),
        operation=operation,
        status_before=LinkStatus.NOT_LINKED,
        status_after=LinkStatus.PENDING,
    )

    assert not is_status_change(entry)
