"""``Store.history_between`` with ``limit``: the oldest entries of the range, and no more read
(one Query on DynamoDB), on both backends. The dashboard asks it whether a manager has any
history at all (``managers.Directory``)."""

from __future__ import annotations

from datetime import timedelta

from tests.store.conftest import Backend
from tests.store.records import MCC, NOON, OTHER_MCC, a_client, an_entry


def test_a_limit_gives_the_oldest_entries_of_one_manager_in_one_read(backend: Backend) -> None:
    mine, theirs = a_client(1), a_client(2, mcc=OTHER_MCC)
    for n in range(30):
        backend.store.append_history(an_entry(theirs, NOON + timedelta(minutes=n)))
        backend.store.append_history(an_entry(mine, NOON + timedelta(minutes=n, seconds=1)))
    backend.requests.clear()

    found = list(backend.store.history_between(NOON, NOON + timedelta(days=1), MCC, limit=1))

    assert [(e.mcc_customer_id, e.timestamp) for e in found] == [(MCC, NOON + timedelta(seconds=1))]
    if backend.name == "dynamodb":
        assert backend.requests == {"Query": 1}


def test_a_limit_spans_days_and_managers(backend: Backend) -> None:
    for n, client in enumerate([a_client(1), a_client(2, mcc=OTHER_MCC), a_client(3)]):
        backend.store.append_history(an_entry(client, NOON + timedelta(days=n)))

    found = backend.store.history_between(NOON, NOON + timedelta(days=3), limit=2)

    assert [e.timestamp for e in found] == [NOON, NOON + timedelta(days=1)]


def test_a_manager_without_history_reads_nothing(backend: Backend) -> None:
    backend.store.append_history(an_entry(a_client(1, mcc=OTHER_MCC), NOON))

    assert list(backend.store.history_between(NOON, NOON + timedelta(days=1), MCC, limit=1)) == []
