"""Stats read invitation outcomes from the MCC's whole history, on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome, utcnow
from mcclink.ports import Store
from mcclink.stats import compute

MCC = CustomerId.parse("123-456-7890")
OTHER_MCC = CustomerId.parse("987-654-3210")
SOL = CustomerId.parse("111-222-3333")
LUA = CustomerId.parse("444-555-6666")


def _entry(
    cid: CustomerId,
    before: LinkStatus,
    after: LinkStatus,
    at: datetime,
    *,
    mcc: CustomerId = MCC,
    outcome: Outcome = Outcome.SUCCESS,
) -> HistoryEntry:
    error = "ManagerLinkError.TOO_MANY_MANAGERS" if outcome is Outcome.FAILED else None
    return HistoryEntry(
        cid, mcc, Operation.SYNC, outcome, before, after, error_code=error, timestamp=at
    )


def test_answers_of_years_ago_count_and_only_the_last_30_days_of_errors(store: Store) -> None:
    now = utcnow()
    years_ago = now - timedelta(days=800)
    store.create_client(Client(SOL, MCC, "Padaria Sol", status=LinkStatus.UNLINKED))
    store.create_client(Client(LUA, MCC, "Lua Café", status=LinkStatus.REJECTED))
    for entry in (
        _entry(SOL, LinkStatus.NOT_LINKED, LinkStatus.PENDING, years_ago),
        _entry(SOL, LinkStatus.PENDING, LinkStatus.APPROVED, years_ago + timedelta(hours=5)),
        _entry(SOL, LinkStatus.APPROVED, LinkStatus.UNLINKED, now - timedelta(days=40)),
        _entry(LUA, LinkStatus.NOT_LINKED, LinkStatus.PENDING, now - timedelta(days=3)),
        _entry(LUA, LinkStatus.PENDING, LinkStatus.REJECTED, now - timedelta(days=2)),
        # Another MCC's answers are not this one's.
        _entry(SOL, LinkStatus.PENDING, LinkStatus.REJECTED, now, mcc=OTHER_MCC),
        # A failure older than the errors' window, and one inside it.
        _entry(
            LUA,
            LinkStatus.PENDING,
            LinkStatus.PENDING,
            now - timedelta(days=31),
            outcome=Outcome.FAILED,
        ),
        _entry(
            LUA,
            LinkStatus.PENDING,
            LinkStatus.PENDING,
            now - timedelta(days=4),
            outcome=Outcome.FAILED,
        ),
    ):
        store.append_history(entry)

    stats = compute(store, MCC, now=now)

    assert stats.acceptance_rate == 0.5
    assert stats.mean_time_to_acceptance == timedelta(hours=5)
    assert stats.errors_by_code == {"ManagerLinkError.TOO_MANY_MANAGERS": 1}
    assert not any("refusal" in alert for alert in stats.alerts)
