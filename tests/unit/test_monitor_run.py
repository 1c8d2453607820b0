"""The record of each monitor cycle: one MONITOR entry under the MCC, read by ``last_run``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mcclink.domain import LinkStatus, Operation, Outcome, utcnow
from mcclink.errors import TransientError
from mcclink.monitor import last_run
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL


@pytest.fixture
def service(service: GoogleAdsMCCService) -> GoogleAdsMCCService:
    service.register(MCC, Registration(SOL, "Sol"), invite=True)
    service.register(MCC, Registration(LUA, "Lua"), invite=True)
    return service


def test_there_is_no_last_run_before_the_first_cycle(store: Store) -> None:
    assert last_run(store, MCC) is None


def test_a_cycle_ends_with_one_monitor_entry_that_counts_what_it_did(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    ads.advertiser(MCC.digits, SOL.digits, LinkStatus.APPROVED)

    report = service.sync(MCC, pending_age=timedelta(0))

    run = last_run(store, MCC)
    assert run is not None
    assert (run.customer_id, run.mcc_customer_id) == (MCC, MCC)
    assert (run.operation, run.outcome, run.actor) == (Operation.MONITOR, Outcome.SUCCESS, "test")
    assert run.status_before is run.status_after is None
    assert run.request_id == report.request_id is not None
    assert run.duration_ms == report.duration_ms
    assert dict(run.details) == {
        "clients": "2",
        "changes": "1",
        "errors": "0",
        "links_seen": "2",
        "stale_pending": "1",
    }


def test_last_run_is_the_newest_cycle(service: GoogleAdsMCCService, store: Store) -> None:
    service.sync(MCC)
    second = service.sync(MCC)

    run = last_run(store, MCC)

    assert run is not None
    assert run.request_id == second.request_id
    assert [e.operation for e in store.client_history(MCC, MCC)] == [Operation.MONITOR] * 2


def test_a_cycle_writes_one_entry_per_change_and_one_for_the_run(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    started = utcnow()
    ads.advertiser(MCC.digits, LUA.digits, LinkStatus.REJECTED)

    service.sync(MCC)
    service.sync(MCC)

    written = list(store.history_between(started, utcnow() + timedelta(seconds=1), MCC))
    assert [(e.customer_id, e.operation) for e in written] == [
        (LUA, Operation.SYNC),
        (MCC, Operation.MONITOR),
        (MCC, Operation.MONITOR),
    ]


def test_a_failed_listing_is_a_failed_monitor_entry(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    ads.fail_next = TransientError("unavailable", code="UNAVAILABLE", request_id="r-9")

    with pytest.raises(TransientError):
        service.sync(MCC)

    run = last_run(store, MCC)
    assert run is not None
    assert (run.operation, run.outcome, run.error_code, run.request_id) == (
        Operation.MONITOR,
        Outcome.FAILED,
        "UNAVAILABLE",
        "r-9",
    )
    assert run.error_message == "unavailable"
    assert run.details["errors"] == "1"
    assert run.details["changes"] == "0"
