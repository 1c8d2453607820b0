"""The history page's filter (``web.history_page.HistoryFilter``): what the query means."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mcclink.domain import CustomerId, HistoryEntry, Operation, Outcome
from mcclink.errors import InputError
from mcclink.web.history_page import HistoryFilter

TODAY = date(2026, 12, 1)
MCC = CustomerId.parse("999-888-7777")


def _entry(operation: Operation, actor: str) -> HistoryEntry:
    return HistoryEntry(
        CustomerId.parse("111-222-3333"), MCC, operation, Outcome.SUCCESS, actor=actor
    )


def test_without_a_day_the_filter_looks_back_a_week() -> None:
    wanted = HistoryFilter.parse("", "", "", TODAY)
    assert wanted.since == TODAY - timedelta(days=7)
    assert wanted.start.isoformat() == "2026-11-24T00:00:00+00:00"
    assert HistoryFilter.parse(" ana ", "remind", "2026-01-02", TODAY) == HistoryFilter(
        since=date(2026, 1, 2), actor="ana", operation=Operation.REMIND
    )
    with pytest.raises(InputError):
        HistoryFilter.parse("", "", "02/01/2026", TODAY)


@pytest.mark.parametrize(
    ("actor", "operation", "kept"),
    [
        ("", "", True),
        ("ANA@", "", True),
        ("agência", "", True),
        ("joão", "", False),
        ("", "INVITE", True),
        ("", "CANCEL", False),
        ("ana", "cancel", False),
    ],
)
def test_an_entry_is_kept_when_both_its_actor_and_its_operation_match(
    actor: str, operation: str, kept: bool
) -> None:
    wanted = HistoryFilter.parse(actor, operation, "", TODAY)
    assert wanted.matches(_entry(Operation.INVITE, "user:ana@agencia.com.br")) is kept
