"""``monitor_all.sync_managers``: every manager once, a bounded number at once, a failure
kept to its manager, one service per running cycle, each closed at the end."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mcclink.domain import CustomerId, Operation, Outcome
from mcclink.errors import InputError, PermissionDenied
from mcclink.monitor import last_run
from mcclink.monitor_all import MAX_CONCURRENCY, Cycles, sync_managers
from mcclink.ports import LinkListing
from mcclink.service import GoogleAdsMCCService
from mcclink.store import open_store
from tests.fakes import FakeAds

MANAGERS = [CustomerId(f"100000000{n}") for n in range(6)]
REFUSED = MANAGERS[3]


class CountingAds(FakeAds):
    """Listings that wait for ``together`` of them to be in flight (so a bound below it
    times out), counting the most at once; ``REFUSED``'s listing is refused."""

    def __init__(self, together: int) -> None:
        super().__init__()
        self.in_flight = self.most = 0
        self._lock = threading.Lock()
        self._together = threading.Barrier(together)

    def list_links(self, manager: CustomerId) -> LinkListing:
        with self._lock:
            self.calls["list_links"] += 1
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            self._together.wait(timeout=5)
            if manager == REFUSED:
                raise PermissionDenied("user cannot access the customer", code="denied")
            return LinkListing([], f"req-{manager.digits}")
        finally:
            with self._lock:
                self.in_flight -= 1


class Opener:
    """Opens services over stores of their own on one SQLite file, as the CLI does."""

    def __init__(self, path: Path, ads: FakeAds) -> None:
        self.url, self.ads = f"sqlite:///{path}", ads
        self.opened = self.closed = 0

    @contextmanager
    def __call__(self) -> Iterator[Cycles]:
        store = open_store(self.url, {})
        self.opened += 1
        try:
            yield GoogleAdsMCCService(store, self.ads, actor="test")
        finally:
            store.close()
            self.closed += 1


@pytest.fixture
def opener(tmp_path: Path) -> Opener:
    return Opener(tmp_path / "mcclink.db", CountingAds(together=2))


def test_every_manager_once_and_a_refusal_kept_to_its_manager(opener: Opener) -> None:
    runs = list(sync_managers(opener, [*MANAGERS, MANAGERS[0]], concurrency=2))

    assert sorted(run.mcc for run in runs) == MANAGERS
    failed = [run for run in runs if not run.ok]
    assert [run.mcc for run in failed] == [REFUSED]
    assert isinstance(failed[0].error, PermissionDenied)
    store = open_store(opener.url, {})
    for manager in MANAGERS:
        entry = last_run(store, manager)
        assert entry is not None
        assert entry.operation is Operation.MONITOR
        assert entry.outcome is (Outcome.FAILED if manager == REFUSED else Outcome.SUCCESS)
    store.close()


def test_no_more_cycles_at_once_than_the_concurrency(opener: Opener) -> None:
    assert isinstance(opener.ads, CountingAds)

    list(sync_managers(opener, MANAGERS, concurrency=2))

    assert opener.ads.most == 2
    assert opener.opened == opener.closed <= 2


def test_the_next_manager_waits_for_the_caller_to_take_a_finished_run(tmp_path: Path) -> None:
    opener = Opener(tmp_path / "mcclink.db", CountingAds(together=1))
    runs = sync_managers(opener, MANAGERS, concurrency=1)

    first = next(runs)

    assert first.mcc == MANAGERS[0]
    assert opener.ads.calls["list_links"] == 1
    assert len(list(runs)) == len(MANAGERS) - 1


@pytest.mark.parametrize("concurrency", [0, -1, MAX_CONCURRENCY + 1])
def test_a_concurrency_out_of_range_is_refused_before_anything_runs(
    opener: Opener, concurrency: int
) -> None:
    with pytest.raises(InputError, match=f"--concurrency {concurrency} is out of range"):
        next(sync_managers(opener, MANAGERS, concurrency=concurrency))
    assert opener.opened == 0
