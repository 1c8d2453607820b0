"""Archiving (#14 item 4): a live link is never left behind, and the monitor never brings an
archived client back."""

from __future__ import annotations

import pytest

from mcclink.domain import CustomerId, LinkStatus, Operation, Outcome
from mcclink.errors import ClientNotFound, InvalidTransition, LinkRefused
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL


def register(service: GoogleAdsMCCService, cid: CustomerId, *, invite: bool) -> None:
    service.register(MCC, Registration(cid, f"Cliente {cid}", "c@example.com"), invite=invite)


def operations(store: Store, cid: CustomerId) -> list[Operation]:
    return [e.operation for e in reversed(list(store.client_history(MCC, cid)))]


def approve(service: GoogleAdsMCCService, cid: CustomerId) -> None:
    service.respond(MCC, cid, accept=True)


class Crash(BaseException):
    """Stands for the process dying (not an Exception, so nothing catches it)."""


def crash_while_inviting(service: GoogleAdsMCCService, ads: FakeAds, cid: CustomerId) -> None:
    """Google makes the invitation; the run dies before recording the answer."""

    def die() -> None:
        raise Crash

    ads.after_change = die
    with pytest.raises(Crash):
        service.invite(MCC, cid)
    ads.after_change = None


@pytest.mark.parametrize("approved", [False, True], ids=["PENDING", "APPROVED"])
def test_a_live_link_is_refused_naming_the_option_and_nothing_changes(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds, approved: bool
) -> None:
    register(service, SOL, invite=True)
    if approved:
        approve(service, SOL)
    before, calls = service.get(MCC, SOL), ads.calls.total()

    with pytest.raises(InvalidTransition) as refused:
        service.archive(MCC, SOL)

    status = before.status.value
    assert f"{SOL} is {status}" in str(refused.value)
    assert "--cancel-link" in str(refused.value)
    assert "cancel_link=true" in str(refused.value)
    assert service.get(MCC, SOL) == before
    assert Operation.ARCHIVE not in operations(store, SOL)
    assert ads.calls.total() == calls


def test_cancel_link_withdraws_a_pending_invitation_then_archives(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=True)

    [archived] = service.archive(MCC, SOL, cancel_link=True)

    assert archived.status is LinkStatus.CANCELLED
    assert ads.links[(MCC, SOL)].status is LinkStatus.CANCELLED
    assert store.get_client(MCC, SOL) is None
    assert operations(store, SOL)[-2:] == [Operation.CANCEL, Operation.ARCHIVE]


def test_cancel_link_ends_an_active_link_then_archives(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=True)
    approve(service, SOL)

    [archived] = service.archive(MCC, SOL, cancel_link=True)

    assert archived.status is LinkStatus.UNLINKED
    assert ads.links[(MCC, SOL)].status is LinkStatus.UNLINKED
    assert store.get_client(MCC, SOL) is None
    assert operations(store, SOL)[-2:] == [Operation.UNLINK, Operation.ARCHIVE]


def test_a_client_without_a_live_link_is_archived_without_calling_google(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=False)

    service.archive(MCC, SOL, cancel_link=True)

    assert store.get_client(MCC, SOL) is None
    assert ads.calls.total() == 0


def test_every_client_is_checked_before_any_is_archived(
    service: GoogleAdsMCCService, store: Store
) -> None:
    register(service, SOL, invite=False)
    register(service, LUA, invite=True)

    with pytest.raises(InvalidTransition, match=f"{LUA} is PENDING"):
        service.archive(MCC, SOL, LUA)
    with pytest.raises(ClientNotFound):
        service.archive(MCC, SOL, CustomerId.parse("999-999-9999"), cancel_link=True)

    assert store.get_client(MCC, SOL) is not None
    assert store.get_client(MCC, LUA) is not None


def test_a_refused_cancellation_is_recorded_and_archives_nothing(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=True)
    ads.failures["cancel"] = LinkRefused("no", code="INVALID_STATUS_CHANGE", request_id="r-1")

    with pytest.raises(LinkRefused):
        service.archive(MCC, SOL, cancel_link=True)

    client = service.get(MCC, SOL)
    assert client.status is LinkStatus.PENDING
    assert client.last_error is not None
    failed = next(iter(store.client_history(MCC, SOL)))
    assert (failed.operation, failed.outcome) == (Operation.CANCEL, Outcome.FAILED)


@pytest.mark.parametrize("import_all", [False, True])
def test_the_monitor_never_imports_an_archived_client_again(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds, import_all: bool
) -> None:
    register(service, SOL, invite=True)
    service.archive(MCC, SOL, cancel_link=True)
    register(service, LUA, invite=False)
    service.archive(MCC, LUA)
    ads.send_invitation(MCC, LUA)  # someone invites it again, outside mcclink

    report = service.sync(MCC, import_all=import_all)

    assert report.changes == []
    assert report.ok
    assert list(store.list_clients(MCC)) == []


def test_a_client_registered_again_after_archiving_is_followed(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=False)
    service.archive(MCC, SOL)
    register(service, SOL, invite=True)
    ads.advertiser(MCC.digits, SOL.digits, LinkStatus.APPROVED)

    report = service.sync(MCC)

    assert [(c.customer_id, c.status_after) for c in report.changes] == [(SOL, LinkStatus.APPROVED)]
    assert service.get(MCC, SOL).name == f"Cliente {SOL}"


def test_an_invitation_in_flight_is_refused_too(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=False)
    crash_while_inviting(service, ads, SOL)

    with pytest.raises(InvalidTransition, match=f"{SOL} may be invited"):
        service.archive(MCC, SOL)

    assert service.get(MCC, SOL).pending_operation is Operation.INVITE
    assert ads.links[(MCC, SOL)].status is LinkStatus.PENDING


def test_cancel_link_asks_google_about_an_invitation_in_flight_and_cancels_it(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=False)
    crash_while_inviting(service, ads, SOL)

    [archived] = service.archive(MCC, SOL, cancel_link=True)

    assert archived.status is LinkStatus.CANCELLED
    assert ads.links[(MCC, SOL)].status is LinkStatus.CANCELLED
    assert ads.invitations[SOL] == 1
    assert operations(store, SOL)[-3:] == [Operation.INVITE, Operation.CANCEL, Operation.ARCHIVE]


def test_cancel_link_archives_an_invitation_in_flight_that_never_reached_google(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=False)
    crash_while_inviting(service, ads, SOL)
    del ads.links[(MCC, SOL)]  # the invitation never landed

    service.archive(MCC, SOL, cancel_link=True)

    assert store.get_client(MCC, SOL) is None
    assert ads.calls["cancel"] == 0
