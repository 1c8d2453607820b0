"""A monitor cycle compares ``StoredLink``s and reads whole only the clients it must.

On SQLite ``stored_links`` carries no whole client: a cycle where nothing changed reads none,
a changed client is read whole (then written), an unchanged one pending too long is read
whole to be reported, and one that left the store meanwhile is skipped, not imported.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from mcclink.domain import Client, CustomerId, LinkStatus
from mcclink.ports import Store, StoredLink
from mcclink.service import GoogleAdsMCCService, Registration
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL


class CountingReads:
    """``store`` with its whole-client reads counted (and one client made to vanish)."""

    def __init__(self, store: Store) -> None:
        self.store, self.whole_reads, self.vanish = store, 0, set[CustomerId]()
        original = store.get_client

        def get_client(mcc: CustomerId, customer_id: CustomerId) -> Client | None:
            self.whole_reads += 1
            return None if customer_id in self.vanish else original(mcc, customer_id)

        store.get_client = get_client  # type: ignore[method-assign]


@pytest.fixture
def reads(service: GoogleAdsMCCService, store: Store) -> CountingReads:
    service.register(MCC, Registration(SOL, "Sol"), invite=True)
    service.register(MCC, Registration(LUA, "Lua"), invite=True)
    service.sync(MCC)  # both PENDING, as Google shows them
    return CountingReads(store)


def test_sqlite_gives_stored_links_without_whole_clients(store: Store) -> None:
    assert all(isinstance(s, StoredLink) and s.client is None for s in store.stored_links(MCC))


def test_a_cycle_where_nothing_changed_reads_no_client_whole(
    service: GoogleAdsMCCService, reads: CountingReads
) -> None:
    report = service.sync(MCC)

    assert (report.changes, report.errors, reads.whole_reads) == ([], [], 0)
    assert report.counts[LinkStatus.PENDING] == 2


def test_a_changed_client_is_read_whole_and_written(
    service: GoogleAdsMCCService, reads: CountingReads, ads: FakeAds, store: Store
) -> None:
    ads.advertiser(MCC.digits, SOL.digits, LinkStatus.APPROVED)

    report = service.sync(MCC)

    assert [(c.customer_id, c.status_after) for c in report.changes] == [(SOL, LinkStatus.APPROVED)]
    assert reads.whole_reads >= 1
    sol = store.get_client(MCC, SOL)
    assert sol is not None
    assert sol.status is LinkStatus.APPROVED


def test_an_unchanged_client_pending_too_long_is_reported_whole(
    service: GoogleAdsMCCService, reads: CountingReads
) -> None:
    report = service.sync(MCC, pending_age=timedelta(0))

    assert report.changes == []
    assert sorted((c.customer_id, c.name) for c in report.stale_pending) == [
        (SOL, "Sol"),
        (LUA, "Lua"),
    ]


def test_a_client_gone_before_it_is_read_whole_is_skipped_not_imported(
    service: GoogleAdsMCCService, reads: CountingReads, ads: FakeAds
) -> None:
    ads.advertiser(MCC.digits, SOL.digits, LinkStatus.APPROVED)
    reads.vanish.add(SOL)

    report = service.sync(MCC)

    assert (report.changes, report.errors) == ([], [])
    assert sum(report.counts.values()) == 1  # Lua only
