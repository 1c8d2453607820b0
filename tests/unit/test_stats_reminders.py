"""Stats count the reminders mailed per step and the acceptances that followed them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcclink.cli import app
from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome, utcnow
from mcclink.outcomes import ReminderOutcomes
from mcclink.ports import Store
from mcclink.stats import compute
from tests.unit.conftest import LUA, MCC, SOL

T0 = utcnow() - timedelta(days=30)
DAY = timedelta(days=1)
X = CustomerId.parse("777-000-0001")
Y = CustomerId.parse("777-000-0002")
Z = CustomerId.parse("777-000-0003")


def change(
    cid: CustomerId, before: LinkStatus | None, after: LinkStatus, at: datetime
) -> HistoryEntry:
    return HistoryEntry(cid, MCC, Operation.SYNC, Outcome.SUCCESS, before, after, timestamp=at)


def invited(cid: CustomerId, at: datetime) -> HistoryEntry:
    return change(cid, LinkStatus.NOT_LINKED, LinkStatus.PENDING, at)


def remind(cid: CustomerId, step: int, at: datetime, *, failed: bool = False) -> HistoryEntry:
    return HistoryEntry(
        cid,
        MCC,
        Operation.REMIND,
        Outcome.FAILED if failed else Outcome.SUCCESS,
        LinkStatus.PENDING,
        LinkStatus.PENDING,
        error_code="MailRejected" if failed else None,
        details={"step": str(step), "message_id": f"<{cid.digits}.{step}@mcclink>"},
        timestamp=at,
    )


HISTORY = [
    *(invited(cid, T0) for cid in (SOL, LUA, X, Y, Z)),
    remind(SOL, 1, T0 + DAY),
    remind(LUA, 1, T0 + DAY),
    remind(X, 1, T0 + DAY),
    remind(X, 1, T0 + DAY + timedelta(minutes=1), failed=True),  # that step was not sent
    remind(Y, 1, T0 + DAY),
    remind(Z, 1, T0 + DAY),
    change(Z, LinkStatus.PENDING, LinkStatus.REJECTED, T0 + 2 * DAY),
    remind(SOL, 2, T0 + 3 * DAY),
    remind(X, 2, T0 + 3 * DAY),
    change(SOL, LinkStatus.PENDING, LinkStatus.APPROVED, T0 + 4 * DAY),  # 1 day after step 2
    change(LUA, LinkStatus.PENDING, LinkStatus.APPROVED, T0 + 5 * DAY),  # 4 days after step 1
    change(X, LinkStatus.PENDING, LinkStatus.REJECTED, T0 + 5 * DAY),
    # Z is invited again and reminded again: its own invitation, its own step 1.
    change(Z, LinkStatus.REJECTED, LinkStatus.PENDING, T0 + 10 * DAY),
    remind(Z, 1, T0 + 11 * DAY),
    change(Z, LinkStatus.PENDING, LinkStatus.APPROVED, T0 + 11 * DAY + timedelta(hours=3)),
    # Y is still pending.
]


def test_reminders_are_counted_per_step_less_the_failed_and_acceptances_within_2_days() -> None:
    outcomes = ReminderOutcomes.of(HISTORY)

    assert dict(outcomes.sent_by_step) == {1: 5, 2: 2}
    assert outcomes.sent == 7
    assert outcomes.failed == 1
    assert outcomes.reminded == 6  # SOL, LUA, X, Y and Z twice
    # SOL (1 day after its step 2) and Z's second invitation (3 h after its step 1); LUA
    # accepted 4 days after its reminder, Z's first invitation and X were refused.
    assert dict(outcomes.accepted_by_step) == {1: 1, 2: 1}
    assert outcomes.accepted == 2
    assert outcomes.to_dict() == {
        "sent": 7,
        "sent_by_step": {"1": 5, "2": 2},
        "failed": 1,
        "reminded_invitations": 6,
        "accepted_within_2_days": 2,
        "accepted_within_2_days_by_step": {"1": 1, "2": 1},
    }


def test_an_acceptance_without_a_reminder_or_before_its_due_time_is_not_credited_to_one() -> None:
    history = [
        invited(SOL, T0),
        change(SOL, LinkStatus.PENDING, LinkStatus.APPROVED, T0 + timedelta(hours=2)),
        invited(LUA, T0),
        # Claimed with its due time after the acceptance was recorded (clock skew).
        change(LUA, LinkStatus.PENDING, LinkStatus.APPROVED, T0 + DAY - timedelta(minutes=1)),
        remind(LUA, 1, T0 + DAY),
    ]

    outcomes = ReminderOutcomes.of(history)

    assert outcomes.accepted == 0
    assert ReminderOutcomes.of([]).to_dict()["sent_by_step"] == {}


def test_a_reminder_belongs_to_the_invitation_pending_when_it_was_due() -> None:
    second = timedelta(seconds=1)
    history = [
        # Due 1 s after the invitation, before the entry recording Google's answer to it.
        remind(SOL, 1, T0 + second),
        invited(SOL, T0 + 2 * second),
        change(SOL, LinkStatus.PENDING, LinkStatus.APPROVED, T0 + 3 * second),
        # A cancelled invitation's reminder is not the next invitation's.
        invited(LUA, T0),
        remind(LUA, 1, T0 + DAY),
        change(LUA, LinkStatus.PENDING, LinkStatus.CANCELLED, T0 + 2 * DAY),
        change(LUA, LinkStatus.CANCELLED, LinkStatus.PENDING, T0 + 3 * DAY),
        change(LUA, LinkStatus.PENDING, LinkStatus.APPROVED, T0 + 3 * DAY + second),
    ]

    outcomes = ReminderOutcomes.of(history)

    assert dict(outcomes.accepted_by_step) == {1: 1}
    assert (outcomes.sent, outcomes.reminded) == (2, 2)


def test_stats_leave_mail_failures_out_of_the_google_ads_errors(store: Store) -> None:
    store.create_client(Client(SOL, MCC, "Padaria Sol", status=LinkStatus.PENDING))
    for entry in (
        invited(SOL, T0),
        remind(SOL, 1, T0 + DAY),
        remind(SOL, 1, T0 + DAY, failed=True),
    ):
        store.append_history(entry)

    stats = compute(store, MCC)

    assert stats.errors_by_code == {}
    assert not any("Google Ads" in alert for alert in stats.alerts)
    assert stats.reminders.failed == 1


def test_mcclink_stats_prints_the_reminders_in_its_text_and_its_json(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for cid in (SOL, LUA, X, Y, Z):
        store.create_client(Client(cid, MCC, f"C {cid}"))
    for entry in HISTORY:
        store.append_history(entry)
    monkeypatch.setenv("MCC_STORE", f"sqlite:///{tmp_path / 'mcclink.db'}")
    monkeypatch.setenv("MCC_CUSTOMER_ID", MCC.dashed)
    runner = CliRunner()

    text = runner.invoke(app, ["stats"], catch_exceptions=False)
    as_json = runner.invoke(app, ["stats", "--json"], catch_exceptions=False)

    assert (
        "reminders: 7 sent (step 1: 5, step 2: 2), 1 failed; 2 of 6 reminded invitation(s) "
        "accepted within 2 days of a reminder"
    ) in " ".join(text.stdout.split())
    assert json.loads(as_json.stdout)["reminders"]["accepted_within_2_days_by_step"] == {
        "1": 1,
        "2": 1,
    }
