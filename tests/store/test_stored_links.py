"""``Store.stored_links``: what a monitor cycle compares, the same on every store.

SQLite reads only the compared columns (no whole client); DynamoDB gives the whole clients of
``list_clients``. Either way each ``StoredLink`` must say what ``StoredLink.of`` says of the
client read whole: a difference would let the monitor skip a client whose link changed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mcclink.domain import Client, LastError, LinkStatus, Operation
from mcclink.ports import Store, StoredLink
from tests.store.conftest import Backend
from tests.store.records import MCC, NOON, OTHER_MCC, a_client, customer

RESOURCE = f"customers/{MCC.digits}/customerClientLinks/{{}}~{{}}"


def _linked(n: int, status: LinkStatus, **changes: Any) -> Client:
    return a_client(
        n,
        status=status,
        manager_link_id=n * 10,
        link_resource_name=RESOURCE.format(customer(n).digits, n * 10),
        invited_at=NOON,
        **changes,
    )


def _compared(stored: StoredLink) -> StoredLink:
    """``stored`` without the whole client a store may carry along."""
    return replace(stored, client=None)


def test_each_stored_link_says_what_the_whole_client_says(store: Store) -> None:
    clients = [
        a_client(1),
        _linked(2, LinkStatus.PENDING),
        _linked(3, LinkStatus.APPROVED, hidden=True),
        _linked(4, LinkStatus.APPROVED, last_error=LastError("INTERNAL_ERROR", "failed", "r1")),
        _linked(5, LinkStatus.PENDING, pending_operation=Operation.CANCEL),
        a_client(6, pending_operation=Operation.INVITE),
        _linked(7, LinkStatus.UNLINKED),
    ]
    for client in reversed(clients):
        store.create_client(client)
    store.create_client(_linked(8, LinkStatus.APPROVED, mcc=OTHER_MCC))

    stored = list(store.stored_links(MCC))

    expected = [StoredLink.of(client) for client in store.list_clients(MCC)]
    assert [_compared(s) for s in stored] == [_compared(e) for e in expected]
    assert [s.customer_id for s in stored] == [customer(n) for n in range(1, 8)]
    assert [s.in_flight for s in stored] == [False, False, False, False, True, True, False]
    assert [s.failed for s in stored] == [False, False, False, True, False, False, False]
    assert stored[1].invited_at == NOON


def test_a_carried_client_is_the_client_read_whole(store: Store) -> None:
    store.create_client(_linked(1, LinkStatus.APPROVED))

    (stored,) = store.stored_links(MCC)

    assert stored.client in (None, store.get_client(MCC, customer(1)))


def test_stored_links_cross_pages_each_client_once(backend: Backend) -> None:
    count = 1_234  # more than one SQLite page (500) and than DynamoDB's first answer
    backend.load([replace(_linked(n, LinkStatus.APPROVED), version=1) for n in range(count)])

    listed = [s.customer_id for s in backend.store.stored_links(MCC)]

    assert listed == [customer(n) for n in range(count)]
