"""Where a moved client is now: the loser of two simultaneous moves is told where the winner
took the client, a manager left says where the client is after later moves (followed a
bounded number of times), and a destination that names no account is told to check the id,
not to change the login. On the fake Google Ads and a real SQLite store."""

from __future__ import annotations

import copy
import itertools

import pytest

from mcclink.domain import CustomerId, LinkStatus, Operation, Outcome
from mcclink.errors import ClientMovedAway, InputError, Surface
from mcclink.ports import AccountInfo, GoogleLink, LinkChange, Store
from mcclink.service import MOVES_FOLLOWED, GoogleAdsMCCService, Registration, not_registered
from tests.fakes import FakeAds
from tests.unit.conftest import MCC, SOL

SUBS = [CustomerId.parse(f"100-000-{n:04d}") for n in range(1, MOVES_FOLLOWED + 4)]
GHOST = CustomerId.parse("999-999-9999")


@pytest.fixture
def checking(store: Store, ads: FakeAds) -> GoogleAdsMCCService:
    """The installation's service (MCC its own manager), with SOL linked under MCC; Google
    knows every one of SUBS as a manager."""
    for sub in SUBS:
        ads.accounts.add(sub)
        ads.infos[sub] = AccountInfo(
            sub, "Filial", "BRL", "America/Sao_Paulo", False, True, "ENABLED"
        )
    service = GoogleAdsMCCService(store, ads, actor="test", verify_managers=True, home=MCC)
    service.register(MCC, Registration(SOL, "Sol"), invite=True)
    service.respond(MCC, SOL, accept=True)
    return service


def test_the_loser_of_two_simultaneous_moves_is_told_where_the_winner_took_the_client(
    checking: GoogleAdsMCCService, store: Store, ads: FakeAds, monkeypatch: pytest.MonkeyPatch
) -> None:
    rival = GoogleAdsMCCService(store, copy.copy(ads), actor="rival")
    sent = ads.move_client

    def rival_first(manager: CustomerId, link: GoogleLink, to: CustomerId) -> LinkChange:
        rival.move(MCC, SOL, SUBS[1])  # the other command's move lands first
        return sent(manager, link, to)

    monkeypatch.setattr(ads, "move_client", rival_first)

    with pytest.raises(ClientMovedAway) as lost:
        checking.move(MCC, SOL, SUBS[0])

    message = str(lost.value)
    assert f"it was moved to {SUBS[1]}" in message
    assert f"mcclink --mcc {SUBS[1]} clients show" in message
    assert "clients add" not in message  # no invitation to register it a second time
    moved = store.get_client(SUBS[1], SOL)
    assert moved is not None
    assert moved.status is LinkStatus.APPROVED
    assert store.get_client(SUBS[0], SOL) is None
    assert store.get_client(MCC, SOL) is None
    # Google refused the second move (the link had moved); the manager left keeps only the
    # rival's MOVE, no failure of a client it no longer holds.
    assert ads.calls["move_client"] == 2
    newest = next(iter(store.client_history(MCC, SOL)))
    assert (newest.operation, newest.outcome, newest.actor) == (
        Operation.MOVE,
        Outcome.SUCCESS,
        "rival",
    )


def test_a_manager_left_says_where_the_client_is_after_later_moves(
    checking: GoogleAdsMCCService, store: Store
) -> None:
    checking.move(MCC, SOL, SUBS[0])
    checking.move(SUBS[0], SOL, SUBS[1])
    checking.move(SUBS[1], SOL, SUBS[2])

    gone = not_registered(store, MCC, SOL)

    assert isinstance(gone, ClientMovedAway)
    assert (gone.to, gone.now) == (str(SUBS[0]), str(SUBS[2]))
    assert f"it was moved to {SUBS[0]} on " in str(gone)
    assert f", then on to {SUBS[2]}; act on it there, with --mcc {SUBS[2]}" in str(gone)
    assert "and on from there" not in str(gone)
    assert f"mcc={SUBS[2]}" in gone.told("api")


def test_a_client_moved_back_is_found_where_it_came_back_to(
    checking: GoogleAdsMCCService, store: Store
) -> None:
    checking.move(MCC, SOL, SUBS[0])
    checking.move(SUBS[0], SOL, SUBS[1])
    checking.move(SUBS[1], SOL, MCC)  # root -> 0001 -> 0002 -> root

    gone = not_registered(store, SUBS[0], SOL)

    assert isinstance(gone, ClientMovedAway)
    assert gone.now == str(MCC)
    assert f"act on it there, with --mcc {MCC}" in str(gone)


def test_past_the_moves_followed_the_message_says_the_client_moved_on(
    checking: GoogleAdsMCCService, store: Store
) -> None:
    path = [MCC, *SUBS[: MOVES_FOLLOWED + 2]]
    for here, there in itertools.pairwise(path):
        checking.move(here, SOL, there)

    gone = not_registered(store, MCC, SOL)

    assert isinstance(gone, ClientMovedAway)
    last_followed = path[MOVES_FOLLOWED + 1]
    assert gone.now == str(last_followed)
    assert f"then on to {last_followed} (and on from there)" in str(gone)
    # One hop fewer and the end of the chain is reached: no "and on".
    assert "and on from there" not in str(not_registered(store, path[1], SOL))


@pytest.mark.parametrize(
    ("surface", "fix"),
    [
        ("cli", "check the id given to --to (`mcclink hierarchy` lists your tree)"),
        ("api", "check the id given as `to` (GET /api/v1/hierarchy lists your tree)"),
        ("page", "check the id in Move to manager (Hierarchy shows your tree)"),
    ],
)
def test_a_destination_that_names_no_account_is_told_to_check_the_id(
    checking: GoogleAdsMCCService, surface: Surface, fix: str
) -> None:
    with pytest.raises(InputError, match="CUSTOMER_NOT_FOUND") as refused:
        checking.move(MCC, SOL, GHOST)

    assert fix in refused.value.told(surface)
    assert "GOOGLE_ADS_LOGIN_CUSTOMER_ID" not in refused.value.told(surface)
