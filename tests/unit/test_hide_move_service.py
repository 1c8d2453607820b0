"""GoogleAdsMCCService.hide / move: the rules, history and refusals, on the fake Google Ads
and a real SQLite store."""

from __future__ import annotations

import dataclasses

import pytest

from mcclink.domain import Client, CustomerId, LinkStatus, Operation, Outcome
from mcclink.errors import InputError, InvalidTransition, LinkRefused
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL

SUB = CustomerId.parse("123-000-0001")


def linked(service: GoogleAdsMCCService, ads: FakeAds, cid: CustomerId = SOL) -> Client:
    """``cid`` registered, invited and accepted under MCC."""
    service.register(MCC, Registration(cid, f"Cliente {cid}"), invite=True)
    return service.respond(MCC, cid, accept=True)


def entries(store: Store, mcc: CustomerId, cid: CustomerId) -> list[tuple[Operation, Outcome]]:
    return [(e.operation, e.outcome) for e in reversed(list(store.client_history(mcc, cid)))]


def test_hide_then_unhide_records_each_and_keeps_the_status(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    linked(service, ads)

    hidden = service.hide(MCC, SOL)
    assert (hidden.hidden, hidden.status) == (True, LinkStatus.APPROVED)
    assert ads.links[(MCC, SOL)].hidden is True

    shown = service.hide(MCC, SOL, hidden=False)
    assert shown.hidden is False
    assert store.get_client(MCC, SOL) == shown
    assert entries(store, MCC, SOL)[-2:] == [
        (Operation.HIDE, Outcome.SUCCESS),
        (Operation.UNHIDE, Outcome.SUCCESS),
    ]
    newest = next(iter(store.client_history(MCC, SOL)))
    assert newest.request_id
    assert newest.status_before is newest.status_after


def test_hiding_a_hidden_client_is_a_noop_and_calls_nothing(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    linked(service, ads)
    service.hide(MCC, SOL)

    service.hide(MCC, SOL)

    assert ads.calls["set_hidden"] == 1
    assert entries(store, MCC, SOL)[-1] == (Operation.HIDE, Outcome.NOOP)


def test_hiding_a_pending_link_is_refused_before_google(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    service.register(MCC, Registration(SOL, "Sol"), invite=True)

    with pytest.raises(InvalidTransition, match="link is PENDING; hide needs an APPROVED link"):
        service.hide(MCC, SOL)

    assert ads.calls["set_hidden"] == 0


def test_googles_refusal_to_hide_is_recorded_as_failed(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    linked(service, ads)
    ads.advertiser(MCC.digits, SOL.digits, LinkStatus.UNLINKED)  # ended at Google, not yet seen

    with pytest.raises(LinkRefused) as caught:
        service.hide(MCC, SOL)

    assert caught.value.code == "ManagerLinkError.INVALID_CHANGE"
    stored = store.get_client(MCC, SOL)
    assert stored is not None
    assert stored.hidden is False
    assert stored.last_error is not None
    assert stored.last_error.code == "ManagerLinkError.INVALID_CHANGE"
    assert entries(store, MCC, SOL)[-1] == (Operation.HIDE, Outcome.FAILED)


def test_move_re_keys_the_client_under_the_new_manager_with_both_managers_in_history(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    before = linked(service, ads)
    service.hide(MCC, SOL)

    moved = service.move(MCC, SOL, SUB)

    assert moved.mcc_customer_id == SUB
    assert moved.status is LinkStatus.APPROVED
    assert moved.manager_link_id == ads.links[(SUB, SOL)].manager_link_id != before.manager_link_id
    assert moved.hidden is False  # a new link: shown
    assert store.get_client(MCC, SOL) is None
    assert store.get_client(SUB, SOL) == moved
    [entry] = store.client_history(SUB, SOL)
    assert (entry.operation, entry.outcome) == (Operation.MOVE, Outcome.SUCCESS)
    assert entry.details == {"from_mcc": MCC.digits, "to_mcc": SUB.digits}
    assert entry.request_id
    assert ads.links[(MCC, SOL)].status is LinkStatus.UNLINKED


def test_a_refused_move_is_recorded_failed_under_the_manager_it_stays_with(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    linked(service, ads)
    ads.failures["move_client"] = LinkRefused(
        "outside", code="ManagerLinkError.CLIENT_OUTSIDE_TREE", request_id="req-x"
    )

    with pytest.raises(LinkRefused):
        service.move(MCC, SOL, SUB)

    stored = store.get_client(MCC, SOL)
    assert stored is not None
    assert stored.status is LinkStatus.APPROVED
    assert store.get_client(SUB, SOL) is None
    failed = next(iter(store.client_history(MCC, SOL)))
    assert (failed.operation, failed.outcome) == (Operation.MOVE, Outcome.FAILED)
    assert failed.error_code == "ManagerLinkError.CLIENT_OUTSIDE_TREE"
    assert failed.details == {"from_mcc": MCC.digits, "to_mcc": SUB.digits}


@pytest.mark.parametrize(
    ("to", "problem"),
    [(MCC, "the manager it is under"), (SOL, "the client itself")],
    ids=["same-manager", "itself"],
)
def test_moving_to_the_same_manager_or_itself_is_refused_before_anything(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds, to: CustomerId, problem: str
) -> None:
    linked(service, ads)
    before = entries(store, MCC, SOL)

    with pytest.raises(InputError, match=problem):
        service.move(MCC, SOL, to)

    assert ads.calls["move_client"] == 0
    assert entries(store, MCC, SOL) == before


def test_moving_a_client_not_yet_active_is_refused(
    service: GoogleAdsMCCService, ads: FakeAds
) -> None:
    service.register(MCC, Registration(LUA, "Lua"))

    with pytest.raises(InvalidTransition, match="NOT_LINKED; move needs an APPROVED link"):
        service.move(MCC, LUA, SUB)

    assert ads.calls["move_client"] == 0


def test_moving_onto_a_record_already_under_the_new_manager_is_refused_before_google(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    linked(service, ads)
    service.register(SUB, Registration(SOL, "Sol, again"))

    with pytest.raises(InputError, match=r"archive that one first \(mcclink --mcc 123-000-0001"):
        service.move(MCC, SOL, SUB)

    assert ads.calls["move_client"] == 0
    assert store.get_client(MCC, SOL) is not None


def test_the_monitor_follows_a_client_hidden_or_shown_in_the_google_ads_ui(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    linked(service, ads)
    ads.links[(MCC, SOL)] = dataclasses.replace(ads.links[(MCC, SOL)], hidden=True)

    report = service.sync(MCC)

    stored = store.get_client(MCC, SOL)
    assert stored is not None
    assert (stored.hidden, stored.status) == (True, LinkStatus.APPROVED)
    assert report.changes == []
    ads.links[(MCC, SOL)] = dataclasses.replace(ads.links[(MCC, SOL)], hidden=False)
    service.sync(MCC)
    assert service.get(MCC, SOL).hidden is False


def test_the_monitor_imports_a_hidden_link_as_hidden(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    linked(service, ads, LUA)
    store.delete_client(service.get(MCC, LUA))  # as if never registered (no ARCHIVE entry)
    ads.links[(MCC, LUA)] = dataclasses.replace(ads.links[(MCC, LUA)], hidden=True)

    service.sync(MCC)

    assert service.get(MCC, LUA).hidden is True
