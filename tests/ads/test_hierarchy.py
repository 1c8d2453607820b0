"""Walking a manager's tree over gRPC/TLS against the emulator (``manager_view``, ``walk``)."""

from __future__ import annotations

import pytest

from mcclink.ads import GoogleAdsClientService
from mcclink.domain import CustomerId
from mcclink.emulator import Emulator
from mcclink.errors import AccountNotFound, InputError, PermissionDenied
from mcclink.hierarchy import TreeNode, walk
from tests.ads.conftest import MakeAds
from tests.hierarchy_tree import (
    ACAI,
    CLOSED_SUB,
    DEEP,
    PADARIA,
    PENDING_A,
    PENDING_ROOT,
    ROOT,
    SANDBOX,
    SUB_A,
    SUB_A1,
    SUB_B,
    load_tree,
)


@pytest.fixture
def tree(emu: Emulator) -> Emulator:
    load_tree(emu)
    return emu


def by_id(nodes: list[TreeNode]) -> dict[CustomerId, TreeNode]:
    return {n.account.customer_id: n for n in nodes}


def test_the_whole_tree_with_levels_parents_flags_and_pending_invitations(
    tree: Emulator, ads: GoogleAdsClientService
) -> None:
    nodes = list(walk(ads, ROOT))

    assert [(n.account.customer_id, n.parent, n.account.level) for n in nodes] == [
        (ROOT, None, 0),
        (SUB_A, ROOT, 1),
        (SUB_B, ROOT, 1),
        (CLOSED_SUB, ROOT, 1),
        (PADARIA, ROOT, 1),
        (SANDBOX, ROOT, 1),
        (SUB_A1, SUB_A, 2),
        (ACAI, SUB_B, 2),
        (DEEP, SUB_A1, 3),
    ]
    found = by_id(nodes)
    root = found[ROOT].account
    assert (root.name, root.manager, root.currency_code, root.time_zone) == (
        "Agência Raiz",
        True,
        "BRL",
        "America/Sao_Paulo",
    )
    assert [n.account.customer_id for n in nodes if n.account.hidden] == [PADARIA]
    assert [n.account.customer_id for n in nodes if n.account.test_account] == [SANDBOX]
    assert found[CLOSED_SUB].account.status == "CANCELED"
    assert found[PADARIA].account.status == "ENABLED"
    assert found[ROOT].pending == (PENDING_ROOT,)
    assert found[SUB_A].pending == (PENDING_A,)
    assert found[SUB_B].pending == ()
    assert found[SUB_A1].pending == ()
    assert found[PADARIA].pending is None  # not a manager


def test_a_sub_manager_that_is_not_enabled_carries_googles_error_and_the_walk_goes_on(
    tree: Emulator, ads: GoogleAdsClientService
) -> None:
    found = by_id(list(walk(ads, ROOT)))

    closed = found[CLOSED_SUB]
    assert isinstance(closed.error, AccountNotFound)
    assert closed.error.code == "AuthorizationError.CUSTOMER_NOT_ENABLED"
    assert closed.pending is None
    assert all(n.parent != CLOSED_SUB for n in found.values())
    assert {ACAI, DEEP} <= found.keys()  # the branches after it were read


def test_a_sub_manager_unlinked_during_the_walk_answers_the_permission_error(
    tree: Emulator, ads: GoogleAdsClientService
) -> None:
    nodes = walk(ads, ROOT)
    first = next(nodes)  # ROOT read: SUB_B is still under it
    assert first.account.customer_id == ROOT
    with tree.state.lock:
        link = tree.state.newest_link(ROOT.digits, SUB_B.digits)
        assert link is not None
        link.status = "INACTIVE"

    found = by_id([first, *nodes])

    denied = found[SUB_B]
    assert isinstance(denied.error, PermissionDenied)
    assert denied.error.code == "AuthorizationError.USER_PERMISSION_DENIED"
    assert ACAI not in found
    assert found[DEEP].parent == SUB_A1  # SUB_A's branch was read all the same


def test_the_walk_logs_in_as_the_root_so_a_sub_manager_the_user_cannot_open_is_read(
    tree: Emulator, ads: GoogleAdsClientService
) -> None:
    with pytest.raises(PermissionDenied):  # SUB_A as its own login: the user has no access
        ads.hierarchy(SUB_A)

    assert ads.manager_view(SUB_A, ROOT).pending == [PENDING_A]


def test_the_configured_login_customer_is_used_for_every_manager(
    tree: Emulator, make_ads: MakeAds
) -> None:
    via_sub_b = make_ads(login_customer_id=SUB_B)

    with pytest.raises(PermissionDenied):  # ROOT is above the login: Google refuses
        list(walk(via_sub_b, ROOT))
    assert [n.account.customer_id for n in walk(via_sub_b, SUB_B)] == [SUB_B, ACAI]


def test_depth_limits_the_levels_read_and_the_calls_made(
    tree: Emulator, ads: GoogleAdsClientService
) -> None:
    before = tree.state.calls["SearchStream"]

    nodes = list(walk(ads, ROOT, depth=1))

    assert [n.account.level for n in nodes] == [0, 1, 1, 1, 1, 1]
    assert by_id(nodes)[SUB_A].pending is None  # below the depth: not read
    assert tree.state.calls["SearchStream"] - before == 2  # the root's accounts and invitations


def test_a_client_account_or_an_unknown_one_is_no_root(
    tree: Emulator, ads: GoogleAdsClientService
) -> None:
    with pytest.raises(InputError, match="111-222-3333 is a client account, not a manager"):
        list(walk(ads, PADARIA))
    with pytest.raises(InputError, match=r"CUSTOMER_NOT_FOUND.*check --mcc"):
        list(walk(ads, CustomerId.parse("987-654-3210")))
    with pytest.raises(InputError, match="depth must be a whole number from 1 to 100"):
        list(walk(ads, ROOT, depth=0))
