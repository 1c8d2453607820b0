"""A monitor cycle never imports, under the manager a client was moved away from, the link the
move ended (issue 17 review): the move entry that manager keeps counts as an archive does. On
the fake Google Ads and a real SQLite store."""

from __future__ import annotations

from mcclink.domain import CustomerId, LinkStatus, Operation
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from tests.fakes import FakeAds
from tests.unit.conftest import MCC, SOL

SUB = CustomerId.parse("123-000-0001")


def moved_to_sub(service: GoogleAdsMCCService) -> None:
    """SOL registered, accepted under MCC, then moved to SUB."""
    service.register(MCC, Registration(SOL, "Padaria Sol"), invite=True)
    service.respond(MCC, SOL, accept=True)
    service.move(MCC, SOL, SUB)


def test_import_all_under_the_manager_left_does_not_import_the_moved_client(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    moved_to_sub(service)
    assert ads.links[(MCC, SOL)].status is LinkStatus.UNLINKED  # the link the move ended

    report = service.sync(MCC, import_all=True)

    assert list(store.list_clients(MCC)) == []
    assert not [c for c in report.changes if c.customer_id == SOL]
    assert next(iter(store.client_history(MCC, SOL))).operation is Operation.MOVE
    moved = store.get_client(SUB, SOL)
    assert moved is not None
    assert moved.name == "Padaria Sol"


def test_after_import_all_the_client_can_be_moved_back_and_is_not_reimported_either_side(
    service: GoogleAdsMCCService, store: Store
) -> None:
    moved_to_sub(service)
    service.sync(MCC, import_all=True)

    back = service.move(SUB, SOL, MCC)
    service.sync(SUB, import_all=True)
    service.sync(MCC, import_all=True)

    assert (back.mcc_customer_id, back.name) == (MCC, "Padaria Sol")
    assert list(store.list_clients(SUB)) == []
    assert [c.customer_id for c in store.list_clients(MCC)] == [SOL]


def test_a_client_moved_in_and_archived_is_still_never_imported_again(
    service: GoogleAdsMCCService, store: Store
) -> None:
    moved_to_sub(service)
    service.archive(SUB, SOL, cancel_link=True)

    service.sync(SUB, import_all=True)

    assert list(store.list_clients(SUB)) == []
