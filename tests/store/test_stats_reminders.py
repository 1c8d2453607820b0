"""Stats read the reminders from the same one reading of history, on both backends."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome, utcnow
from mcclink.ports import Store
from mcclink.stats import compute

MCC = CustomerId.parse("123-456-7890")
OTHER_MCC = CustomerId.parse("987-654-3210")
SOL = CustomerId.parse("111-222-3333")


def test_reminders_and_acceptances_come_from_the_one_history_reading(store: Store) -> None:
    now = utcnow()
    invited = now - timedelta(days=5)
    store.create_client(Client(SOL, MCC, "Padaria Sol", status=LinkStatus.APPROVED))
    steps = [(1, invited + timedelta(days=1)), (2, invited + timedelta(days=3))]
    entries = [
        HistoryEntry(
            SOL,
            MCC,
            Operation.SYNC,
            Outcome.SUCCESS,
            LinkStatus.NOT_LINKED,
            LinkStatus.PENDING,
            timestamp=invited,
        ),
        *(
            HistoryEntry(
                SOL,
                MCC,
                Operation.REMIND,
                Outcome.SUCCESS,
                LinkStatus.PENDING,
                LinkStatus.PENDING,
                details={"step": str(step), "message_id": "<m@mcclink>"},
                timestamp=due,
                id=f"remind-{step}",
            )
            for step, due in steps
        ),
        HistoryEntry(
            SOL,
            MCC,
            Operation.SYNC,
            Outcome.SUCCESS,
            LinkStatus.PENDING,
            LinkStatus.APPROVED,
            timestamp=invited + timedelta(days=4),
        ),
        # Another MCC's reminder is not this one's.
        HistoryEntry(
            SOL,
            OTHER_MCC,
            Operation.REMIND,
            Outcome.SUCCESS,
            details={"step": "1"},
            timestamp=invited,
        ),
    ]
    for entry in entries:
        store.append_history(entry)
    store.append_history(entries[1])  # the same claim twice is recorded once

    with mock.patch.object(store, "history_between", wraps=store.history_between) as read:
        stats = compute(store, MCC, now=now)

    assert read.call_count == 1
    assert stats.reminders.to_dict() == {
        "sent": 2,
        "sent_by_step": {"1": 1, "2": 1},
        "failed": 0,
        "reminded_invitations": 1,
        "accepted_within_2_days": 1,
        "accepted_within_2_days_by_step": {"2": 1},
    }
    assert stats.acceptance_rate == 1.0
    assert stats.mean_time_to_acceptance == timedelta(days=4)
