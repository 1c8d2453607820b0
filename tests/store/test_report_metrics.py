"""A month's report from a known history, every figure computed by hand, on both stores.

The agency is in America/Sao_Paulo (UTC-3 all year since 2019): November 2026 runs from
2026-11-01T03:00Z to 2026-12-01T03:00Z. The report is made on 2026-12-10, so history after
the month exists and the current statuses must be rolled back to the month's end.

The clients (times local, "->" a status change), the invitations' 24-hour stale mark, and
what each brings to November:

- A Ana: invited Oct 28 12:00, accepted Nov 2 09:00 (waited 4d21h), unlinked Nov 20 11:00.
  Accepted-then-unlinked: it stays one acceptance of November. Stale mark Oct 29: not in
  November. Invited again Dec 3: its stored invited_at is December's, so the invitation it
  accepted in November is read from its own history.
- B Bela: invited Nov 3 10:00, refused Nov 5 10:00 (stale mark Nov 4 10:00 passed: stale),
  invited again Nov 10 10:00, accepted Nov 13 16:00 (waited 3d6h; stale mark Nov 11: stale).
- C Casa: invited Nov 25 08:00, still pending at the month's end (age 5d16h: "3-7 days",
  5 whole days; stale mark Nov 26: stale), accepted Dec 2 (after the month: rolled back).
- D Duda: invited Sep 1 09:00, pending ever since (age at the end 90d15h: "14+ days",
  90 whole days; stale mark Sep 2: not in November). Two reminders claimed in November,
  one of them failed to send; one more in October (not November's).
- E Eva: invited Nov 15 10:00, cancelled Nov 16 09:00 (23 h: not stale), invited again
  Dec 5 (after the month: its stored invited_at is December's).
- F Fio: registered Oct 5, never invited; two invitations failed in November
  (TOO_MANY_MANAGERS), the last one's message "second try". One failure in October.
- G Gil: invited Oct 31 20:00 (in the day before the month, read with it), refused Nov 1
  22:00 (that is Nov 2 01:00 UTC: a Nov 1 refusal in the agency's calendar; stale mark Nov 1
  20:00: stale), invited again Dec 4. One quota error Nov 8.
- H Hugo: registered Dec 2: not a client at the month's end.
- I Ivo: invited Nov 20 10:00, accepted Nov 21 10:00 (waited exactly 1 day: "1-3 days";
  stale mark = acceptance: not stale), unlinked and removed Dec 6: still in the sheet,
  as APPROVED, with no name (history keeps none).
- Another MCC's invitation on Nov 10, a webhook failure and a reminder of C (Nov 27).

Hand totals for November: sent B, B, C, E, I = 5; accepted A, B, I = 3; refused B, G = 2;
cancelled E = 1; acceptance rate 3 / (3 + 2) = 0.6; stale B, B, C, G = 4; waits 1d, 3d6h,
4d21h: median 3d6h, p90 (nearest rank ceil(0.9 x 3) = 3rd) 4d21h; reminders: 3 claims (D,
D, C) - 1 failed = 2; errors TOO_MANY_MANAGERS 2, RESOURCE_EXHAUSTED 1 (the webhook's is
not a Google Ads error).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome
from mcclink.errors import InputError
from mcclink.onboarding import OnboardingFunnel
from mcclink.ports import Store
from mcclink.reports.metrics import (
    ChangeRow,
    ClientRow,
    DayRow,
    PendingClient,
    build_report,
    count_period,
)
from mcclink.reports.periods import Period
from tests.store.conftest import Backend
from tests.store.records import MCC, OTHER_MCC, a_link, customer

ZONE = ZoneInfo("America/Sao_Paulo")
NOVEMBER = Period.parse("2026-11", ZONE)
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)

A, B, C, D, E, F, G, H, I = (customer(n) for n in range(1, 10))  # noqa: E741
S = LinkStatus
NL, PE, AP, RE, CA, UN = S.NOT_LINKED, S.PENDING, S.APPROVED, S.REJECTED, S.CANCELLED, S.UNLINKED


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A local time of 2026 in the agency's zone, as the aware UTC instant stored."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def move(
    who: CustomerId,
    before: LinkStatus | None,
    after: LinkStatus | None,
    when: datetime,
    operation: Operation = Operation.SYNC,
    mcc: CustomerId = MCC,
) -> HistoryEntry:
    return HistoryEntry(who, mcc, operation, Outcome.SUCCESS, before, after, timestamp=when)


def failure(
    who: CustomerId, code: str, when: datetime, message: str | None = None, **changes: Any
) -> HistoryEntry:
    entry = HistoryEntry(
        who,
        MCC,
        Operation.INVITE,
        Outcome.FAILED,
        NL,
        NL,
        error_code=code,
        error_message=message,
        timestamp=when,
    )
    return replace(entry, **changes)


def remind(who: CustomerId, step: int, when: datetime, outcome: Outcome) -> HistoryEntry:
    return HistoryEntry(
        who, MCC, Operation.REMIND, outcome, details={"step": str(step)}, timestamp=when
    )


TOO_MANY = "ManagerLinkError.TOO_MANY_MANAGERS"
QUOTA = "QuotaError.RESOURCE_EXHAUSTED"

HISTORY = [
    move(D, NL, PE, at(9, 1, 9), Operation.INVITE),
    move(F, None, NL, at(10, 5, 9), Operation.REGISTER),
    failure(F, TOO_MANY, at(10, 6, 9)),
    remind(D, 1, at(10, 20, 9), Outcome.SUCCESS),
    move(A, NL, PE, at(10, 28, 12), Operation.INVITE),
    move(G, NL, PE, at(10, 31, 20), Operation.INVITE),
    # November
    move(G, PE, RE, at(11, 1, 22)),
    move(A, PE, AP, at(11, 2, 9)),
    move(B, NL, PE, at(11, 3, 10), Operation.INVITE),
    move(B, PE, RE, at(11, 5, 10)),
    failure(F, TOO_MANY, at(11, 7, 10), "first try"),
    failure(G, QUOTA, at(11, 8, 10), operation=Operation.SYNC, status_before=RE, status_after=RE),
    failure(F, TOO_MANY, at(11, 9, 10), "second try"),
    failure(
        A,
        "HTTP 500",
        at(11, 9, 11),
        operation=Operation.WEBHOOK,
        status_before=None,
        status_after=None,
    ),
    move(B, RE, PE, at(11, 10, 10), Operation.INVITE),
    move(customer(50), NL, PE, at(11, 10, 11), Operation.INVITE, mcc=OTHER_MCC),
    remind(D, 2, at(11, 10, 12), Outcome.SUCCESS),
    move(B, PE, AP, at(11, 13, 16)),
    move(E, NL, PE, at(11, 15, 10), Operation.INVITE),
    move(E, PE, CA, at(11, 16, 9), Operation.CANCEL),
    move(I, NL, PE, at(11, 20, 10), Operation.INVITE),
    move(A, AP, UN, at(11, 20, 11), Operation.UNLINK),
    remind(D, 3, at(11, 20, 12), Outcome.SUCCESS),
    remind(D, 3, at(11, 20, 12, 1), Outcome.FAILED),
    move(I, PE, AP, at(11, 21, 10)),
    move(C, NL, PE, at(11, 25, 8), Operation.INVITE),
    remind(C, 1, at(11, 27, 8), Outcome.SUCCESS),
    # After the month
    move(C, PE, AP, at(12, 2, 10)),
    move(H, None, NL, at(12, 2, 11), Operation.REGISTER),
    move(A, UN, PE, at(12, 3, 10), Operation.INVITE),
    move(G, RE, PE, at(12, 4, 10), Operation.INVITE),
    move(E, CA, PE, at(12, 5, 10), Operation.INVITE),
    move(I, AP, UN, at(12, 6, 10), Operation.UNLINK),
    move(I, UN, None, at(12, 6, 10, 1), Operation.ARCHIVE),
]

#: The clients as stored now: statuses and times as the history above left them.
CLIENTS = [
    (A, "Ana Ltda", PE, at(12, 3, 10), at(12, 3, 10)),
    (B, "Bela Modas", AP, at(11, 10, 10), at(11, 13, 16)),
    (C, "Casa Nova", AP, at(11, 25, 8), at(12, 2, 10)),
    (D, "Duda Doces", PE, at(9, 1, 9), at(9, 1, 9)),
    (E, "Eva Estúdio", PE, at(12, 5, 10), at(12, 5, 10)),
    (F, "Fio Têxtil", NL, None, None),
    (G, "Gil Garagem", PE, at(12, 4, 10), at(12, 4, 10)),
    (H, "Hugo Hortas", NL, None, None),
]
CREATED = {F: at(10, 5, 9), H: at(12, 2, 11)}


def load(store: Store) -> None:
    for who, name, status, invited, changed in CLIENTS:
        created = CREATED.get(who, at(8, 1, 9))
        client = Client(
            who,
            MCC,
            name,
            status=status,
            invited_at=invited,
            status_changed_at=changed,
            created_at=created,
            updated_at=created,
        )
        store.create_client(client)
    for entry in HISTORY:
        store.append_history(entry)
    links = [
        a_link(1, at=at(10, 20, 9), opened=5),  # October's: not November's
        a_link(2, at=at(11, 5, 9), opened=3, signed_in=2, accepted=1),
        a_link(None, at=at(11, 28, 9), opened=1),
        a_link(3, at=at(12, 2, 9), opened=2),  # December's
    ]
    for link in links:
        store.create_onboarding_link(link)


def test_november_figures_equal_the_hand_computed_ones(backend: Backend) -> None:
    load(backend.store)
    queries_before = backend.requests.get("Query", 0)

    report = build_report(backend.store, MCC, NOVEMBER, now=NOW)

    assert (report.period, report.mcc, report.generated_at) == (NOVEMBER, MCC, NOW)
    assert report.as_of == datetime(2026, 12, 1, 3, tzinfo=UTC)  # November's end, in UTC
    assert report.stale_after == timedelta(hours=24)
    assert (report.sent, report.accepted, report.refused, report.cancelled) == (5, 3, 2, 1)
    assert report.acceptance_rate == 0.6
    assert report.went_stale == 4
    duration = report.time_to_acceptance
    assert duration.count == 3
    assert duration.median == timedelta(days=3, hours=6)  # B
    assert duration.p90 == timedelta(days=4, hours=21)  # A
    assert duration.buckets == [
        ("< 1 day", 0),
        ("1-3 days", 1),  # I: exactly 1 day belongs to the next range
        ("3-7 days", 2),  # B, A
        ("7-14 days", 0),
        ("14+ days", 0),
    ]
    end = report.as_of
    assert report.pending_at_end == [
        PendingClient(D, "Duda Doces", at(9, 1, 9), end - at(9, 1, 9)),
        PendingClient(C, "Casa Nova", at(11, 25, 8), end - at(11, 25, 8)),
    ]
    assert end - at(9, 1, 9) == timedelta(days=90, hours=15)
    assert end - at(11, 25, 8) == timedelta(days=5, hours=16)
    assert report.pending_age == [
        ("< 1 day", 0),
        ("1-3 days", 0),
        ("3-7 days", 1),
        ("7-14 days", 0),
        ("14+ days", 1),
    ]
    assert report.errors_by_code == {TOO_MANY: 2, QUOTA: 1}
    assert list(report.errors_by_code) == [TOO_MANY, QUOTA]  # most frequent first
    # The links made on Nov 5 and Nov 28.
    assert report.funnel == OnboardingFunnel(links_created=2, opened=4, signed_in=2, accepted=1)
    assert report.reminders_sent == 2
    assert [day.day for day in report.days] == NOVEMBER.days()
    assert len(report.days) == 30
    assert [row for row in report.days if row != DayRow(row.day)] == [
        DayRow(date(2026, 11, 1), refused=1),  # G, 22:00 local
        DayRow(date(2026, 11, 2), accepted=1),  # A
        DayRow(date(2026, 11, 3), sent=1),  # B
        DayRow(date(2026, 11, 5), refused=1),  # B
        DayRow(date(2026, 11, 10), sent=1),  # B again
        DayRow(date(2026, 11, 13), accepted=1),  # B
        DayRow(date(2026, 11, 15), sent=1),  # E
        DayRow(date(2026, 11, 16), cancelled=1),  # E
        DayRow(date(2026, 11, 20), sent=1),  # I (A's unlink is no answer)
        DayRow(date(2026, 11, 21), accepted=1),  # I
        DayRow(date(2026, 11, 25), sent=1),  # C
    ]
    assert [(c.customer_id, c.before, c.after) for c in report.changes] == [
        (G, PE, RE),
        (A, PE, AP),
        (B, NL, PE),
        (B, PE, RE),
        (B, RE, PE),
        (B, PE, AP),
        (E, NL, PE),
        (E, PE, CA),
        (I, NL, PE),
        (A, AP, UN),
        (I, PE, AP),
        (C, NL, PE),
    ]
    assert report.changes[-1] == ChangeRow(
        at(11, 25, 8), C, "Casa Nova", Operation.INVITE, NL, PE, "mcclink"
    )
    assert report.clients == [
        # Invited again in December: unlinked at November's end.
        ClientRow(A, "Ana Ltda", UN, at(11, 20, 11), at(10, 28, 12), None, None),
        ClientRow(B, "Bela Modas", AP, at(11, 13, 16), at(11, 10, 10), None, None),
        # Accepted in December: pending at November's end.
        ClientRow(C, "Casa Nova", PE, at(11, 25, 8), at(11, 25, 8), 5, None),
        ClientRow(D, "Duda Doces", PE, at(9, 1, 9), at(9, 1, 9), 90, None),
        # Invited again in December: November's invitation, from history.
        ClientRow(E, "Eva Estúdio", CA, at(11, 16, 9), at(11, 15, 10), None, None),
        ClientRow(F, "Fio Têxtil", NL, at(10, 5, 9), None, None, f"{TOO_MANY}: second try"),
        ClientRow(G, "Gil Garagem", RE, at(11, 1, 22), at(10, 31, 20), None, QUOTA),
        # H registered in December: not listed. I removed in December: listed, no name.
        ClientRow(I, None, AP, at(11, 21, 10), at(11, 20, 10), None, None),
    ]
    if backend.name == "dynamodb":
        # One Query each: clients, history after the month, the day before it, the month
        # (by_mcc), A's own history (its invitation before the month), the onboarding links.
        assert backend.requests["Query"] - queries_before == 6


def test_the_report_s_counts_are_what_history_alone_counts(backend: Backend) -> None:
    load(backend.store)

    counts = count_period(backend.store, MCC, NOVEMBER, now=NOW)
    report = build_report(backend.store, MCC, NOVEMBER, now=NOW)

    assert (counts.sent, counts.accepted, counts.refused, counts.cancelled) == (5, 3, 2, 1)
    assert counts.acceptance_rate == report.acceptance_rate == 0.6
    assert counts.errors_by_code == report.errors_by_code
    assert counts.reminders_sent == report.reminders_sent == 2
    assert counts.days == report.days
    assert counts.to_dict()["errors"] == 3


def test_a_running_month_ends_now_and_reads_current_statuses(backend: Backend) -> None:
    load(backend.store)
    december = Period.parse("2026-12", ZONE)

    report = build_report(backend.store, MCC, december, now=NOW)

    assert report.as_of == NOW
    # Sent: A (Dec 3), G (Dec 4), E (Dec 5); accepted: C (Dec 2, waited 7d2h). I's unlink:
    # no answer.
    assert (report.sent, report.accepted, report.refused, report.cancelled) == (3, 1, 0, 0)
    assert report.time_to_acceptance.median == timedelta(days=7, hours=2)
    assert [(p.customer_id, p.since, p.age) for p in report.pending_at_end] == [
        (D, at(9, 1, 9), NOW - at(9, 1, 9)),
        (A, at(12, 3, 10), NOW - at(12, 3, 10)),
        (G, at(12, 4, 10), NOW - at(12, 4, 10)),
        (E, at(12, 5, 10), NOW - at(12, 5, 10)),
    ]
    # A, G and E passed their 24-hour mark on Dec 4, 5 and 6.
    assert report.went_stale == 3
    assert [c.customer_id for c in report.clients] == [A, B, C, D, E, F, G, H]
    assert report.to_dict()["clients"][7] == {
        "customer_id": H.dashed,
        "name": "Hugo Hortas",
        "status": "NOT_LINKED",
        "status_since": "2026-12-02T14:00:00Z",
        "invited_at": None,
        "days_pending": None,
        "last_error": None,
    }


def test_a_period_that_has_not_started_is_refused(store: Store) -> None:
    with pytest.raises(InputError, match=r"period 2027-01 has not started yet"):
        build_report(store, MCC, Period.parse("2027-01", ZONE), now=NOW)


def test_a_stale_age_longer_than_history_reads_from_its_start(store: Store) -> None:
    load(store)

    report = build_report(store, MCC, NOVEMBER, now=NOW, pending_age=timedelta(days=999_999_999))

    assert report.went_stale == 0
    assert (report.sent, report.accepted, report.refused) == (5, 3, 2)
    assert report.time_to_acceptance.p90 == timedelta(days=4, hours=21)
