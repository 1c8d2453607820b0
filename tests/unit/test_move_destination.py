"""A move's destination is checked before Google is asked to move (a client account or an
unknown id is bad input: nothing written), and the manager a client left says where it went.
On the fake Google Ads and a real SQLite store."""

from __future__ import annotations

import pytest

from mcclink.domain import Client, CustomerId, LinkStatus, Operation, Outcome
from mcclink.errors import ClientMovedAway, ClientNotFound, InputError
from mcclink.ports import AccountInfo, Store
from mcclink.service import GoogleAdsMCCService, Registration, not_registered
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL

SUB = CustomerId.parse("100-000-0001")
GHOST = CustomerId.parse("999-999-9999")


@pytest.fixture
def checking(store: Store, ads: FakeAds) -> GoogleAdsMCCService:
    """The installation's service (MCC its own manager); Google knows SUB as a manager."""
    ads.accounts.add(SUB)
    ads.infos[SUB] = AccountInfo(SUB, "Filial", "BRL", "America/Sao_Paulo", False, True, "ENABLED")
    return GoogleAdsMCCService(store, ads, actor="test", verify_managers=True, home=MCC)


def linked(service: GoogleAdsMCCService) -> Client:
    """SOL registered, invited and accepted under MCC."""
    service.register(MCC, Registration(SOL, "Sol"), invite=True)
    return service.respond(MCC, SOL, accept=True)


@pytest.mark.parametrize(
    ("to", "problem"),
    [(LUA, "it is a client account, not a manager"), (GHOST, "it is no enabled manager")],
    ids=["client-account", "no-such-account"],
)
def test_a_destination_that_is_no_manager_is_bad_input_and_nothing_is_written(
    checking: GoogleAdsMCCService, store: Store, ads: FakeAds, to: CustomerId, problem: str
) -> None:
    before = linked(checking)
    history = list(store.client_history(MCC, SOL))

    with pytest.raises(InputError, match=problem) as refused:
        checking.move(MCC, SOL, to)

    assert f"cannot move {SOL} to {to}" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert "--to" in str(refused.value)  # a manager, or the id, to give there
    assert "`mcclink hierarchy` lists" in str(refused.value)
    assert "`to`" in refused.value.told("api")
    assert "GET /api/v1/hierarchy lists" in refused.value.told("api")
    assert "Move to manager" in refused.value.told("page")
    assert ads.calls["move_client"] == 0
    assert store.get_client(MCC, SOL) == before  # no last_error, same version
    assert list(store.client_history(MCC, SOL)) == history  # no FAILED MOVE
    assert store.get_client(to, SOL) is None


def test_a_manager_google_confirms_is_moved_to(
    checking: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    linked(checking)

    moved = checking.move(MCC, SOL, SUB)

    assert (moved.mcc_customer_id, moved.status) == (SUB, LinkStatus.APPROVED)
    assert ads.calls["describe_account"] == 1


def test_the_manager_left_keeps_the_move_and_says_where_the_client_went(
    checking: GoogleAdsMCCService, store: Store
) -> None:
    linked(checking)
    checking.move(MCC, SOL, SUB)

    newest = next(iter(store.client_history(MCC, SOL)))
    assert (newest.operation, newest.outcome) == (Operation.MOVE, Outcome.SUCCESS)
    assert newest.details == {"from_mcc": MCC.digits, "to_mcc": SUB.digits}
    with pytest.raises(ClientMovedAway) as gone:
        checking.get(MCC, SOL)
    message = str(gone.value)
    assert f"it was moved to {SUB} on {newest.timestamp:%Y-%m-%d}" in message
    assert f"mcclink --mcc {SUB} clients show {SOL.digits}" in message
    assert "clients add" not in message  # no invitation to register it twice
    assert f"mcc={SUB}" in gone.value.told("api")
    assert f"choose {SUB} in the Manager list" in gone.value.told("page")
    assert isinstance(gone.value, ClientNotFound)  # still a 404 / exit 2


def test_a_client_never_under_the_manager_or_moved_back_is_not_told_it_moved(
    checking: GoogleAdsMCCService, store: Store
) -> None:
    linked(checking)
    checking.move(MCC, SOL, SUB)

    never = not_registered(store, SUB, LUA)
    assert type(never) is ClientNotFound
    with pytest.raises(ClientNotFound) as under_new:
        checking.get(SUB, LUA)
    assert "moved" not in str(under_new.value)

    checking.move(SUB, SOL, MCC)  # back: the newest entry under SUB is now the move away
    assert checking.get(MCC, SOL).mcc_customer_id == MCC
    assert isinstance(not_registered(store, SUB, SOL), ClientMovedAway)
