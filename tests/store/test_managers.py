"""``Store.managers``: every MCC with at least one client, each once, on both backends.

DynamoDB lists no partition keys: ``managers`` is the one use case that scans (the Clients
table, its key alone). The ``backend`` fixture fails any Scan left in its counts, so each
test takes the Scans it expects out of them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from mcclink.domain import CustomerId
from mcclink.store.dynamodb import DynamoDBStore
from tests.store.conftest import Backend
from tests.store.records import MCC, OTHER_MCC, a_client, an_entry

THIRD_MCC = CustomerId.parse("100-000-0003")


def _scans(backend: Backend) -> int:
    return backend.requests.pop("Scan", 0)


def test_an_empty_store_has_no_managers(backend: Backend) -> None:
    assert backend.store.managers() == []
    assert _scans(backend) == (backend.name == "dynamodb")


def test_each_manager_with_clients_once_in_order(backend: Backend) -> None:
    backend.load([replace(a_client(n, mcc=THIRD_MCC), version=1) for n in range(1200)])
    backend.load([replace(a_client(n, mcc=MCC), version=1) for n in range(3)])
    backend.load([replace(a_client(1, mcc=OTHER_MCC), version=1)])

    assert backend.store.managers() == [MCC, OTHER_MCC, THIRD_MCC]
    assert _scans(backend) == (backend.name == "dynamodb")  # 1,204 keys: one page


def test_a_manager_whose_clients_all_went_is_no_longer_listed(backend: Backend) -> None:
    store = backend.store
    kept = store.create_client(a_client(1, mcc=MCC))
    gone = store.create_client(a_client(2, mcc=OTHER_MCC))
    store.append_history(an_entry(kept, mcc_customer_id=THIRD_MCC))  # history, no client

    store.delete_client(gone)

    assert store.managers() == [MCC]
    _scans(backend)


@pytest.mark.dynamodb
def test_dynamodb_pages_through_the_scan(dynamodb_store: DynamoDBStore) -> None:
    paged = DynamoDBStore(dynamodb_store.names, page_size=100)
    scans: list[str] = []
    paged.client.meta.events.register("before-call.dynamodb.Scan", lambda **_: scans.append(""))
    clients = [a_client(n, mcc=MCC if n % 2 else OTHER_MCC) for n in range(250)]
    for client in clients:
        dynamodb_store.create_client(client)

    assert paged.managers() == [MCC, OTHER_MCC]
    assert len(scans) == 3  # 250 items, 100 a page
