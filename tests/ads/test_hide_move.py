"""Hiding, showing and moving clients over gRPC/TLS against the emulator, and each refusal.

The tree: ROOT manages SUB_A, SUB_B and a chain of sub-managers CHAIN[0] > ... > CHAIN[4]
(CHAIN[4] at level 5, the lowest level Google allows an account at). PADARIA is ACTIVE under
ROOT, ACAI ACTIVE under SUB_B, INVITED has ROOT's invitation pending.
"""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest

from mcclink.ads import GoogleAdsClientService
from mcclink.domain import CustomerId, LinkStatus
from mcclink.emulator import Emulator, Scenario
from mcclink.errors import AccountNotFound, LinkRefused, PermissionDenied
from mcclink.ports import GoogleLink
from tests.ads.conftest import MakeAds

ROOT = CustomerId.parse("100-000-0000")
SUB_A = CustomerId.parse("100-000-0001")
SUB_B = CustomerId.parse("100-000-0002")
CHAIN = [CustomerId.parse(f"100-000-001{n}") for n in range(5)]
OUTSIDE = CustomerId.parse("100-000-0099")  # a manager of another agency
CLOSED = CustomerId.parse("100-000-0098")  # a cancelled sub-manager of ROOT
PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")
INVITED = CustomerId.parse("888-999-0000")

TREE = Scenario.from_json(
    json.dumps(
        {
            "managers": [
                {"id": m.digits, "name": f"Manager {m}"}
                for m in (ROOT, SUB_A, SUB_B, *CHAIN, OUTSIDE)
            ]
            + [
                {
                    "id": CLOSED.digits,
                    "name": "Closed",
                    "managed_by": ROOT.digits,
                    "status": "CANCELED",
                }
            ],
            "clients": [
                {"id": PADARIA.digits, "name": "Padaria", "linked_to": [ROOT.digits]},
                {"id": ACAI.digits, "name": "Açaí", "linked_to": [SUB_B.digits]},
                {"id": INVITED.digits, "name": "Invited", "invited_by": [ROOT.digits]},
            ],
        }
    ),
    source="tests/ads/test_hide_move",
)


@pytest.fixture
def tree(emu: Emulator) -> Emulator:
    """The emulator reset to ``TREE`` (after the adapters' scenario), sub-managers linked."""
    emu.reset(TREE)
    state = emu.state
    with state.lock:
        for parent, child in [(ROOT, SUB_A), (ROOT, SUB_B), *itertools.pairwise([ROOT, *CHAIN])]:
            state.add_link(parent.digits, child.digits, "ACTIVE")
    return emu


@pytest.fixture
def root_ads(tree: Emulator, make_ads: MakeAds) -> GoogleAdsClientService:
    """The adapter logged in as ROOT (``GOOGLE_ADS_LOGIN_CUSTOMER_ID``)."""
    return make_ads(login_customer_id=ROOT)


def link_of(ads: GoogleAdsClientService, manager: CustomerId, client: CustomerId) -> GoogleLink:
    link = ads.get_link(manager, client)
    assert link is not None
    return link


def test_hiding_then_showing_an_active_link(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    link = link_of(root_ads, ROOT, PADARIA)

    hidden = root_ads.set_hidden(ROOT, link, True)
    assert hidden.link == dataclasses.replace(link, hidden=True)
    assert hidden.request_id
    assert link_of(root_ads, ROOT, PADARIA).hidden is True

    shown = root_ads.set_hidden(ROOT, hidden.link, False)
    assert shown.link.hidden is False
    assert link_of(root_ads, ROOT, PADARIA).hidden is False


def test_hiding_a_pending_link_is_refused_with_googles_code(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    link = link_of(root_ads, ROOT, INVITED)

    with pytest.raises(LinkRefused) as caught:
        root_ads.set_hidden(ROOT, link, True)

    assert caught.value.code == "ManagerLinkError.INVALID_CHANGE"
    assert "only an active link can be hidden" in caught.value.message
    assert caught.value.request_id
    assert link_of(root_ads, ROOT, INVITED).hidden is False


def test_moving_a_client_to_a_sub_manager_ends_the_old_link_and_activates_the_new(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    link = link_of(root_ads, ROOT, PADARIA)

    change = root_ads.move_client(ROOT, link, SUB_A)

    moved = change.link
    assert (moved.manager, moved.client, moved.status) == (SUB_A, PADARIA, LinkStatus.APPROVED)
    assert moved.manager_link_id > link.manager_link_id
    assert moved.resource_name == (
        f"customers/{SUB_A.digits}/customerClientLinks/{PADARIA.digits}~{moved.manager_link_id}"
    )
    assert change.request_id
    assert link_of(root_ads, SUB_A, PADARIA) == moved
    assert link_of(root_ads, ROOT, PADARIA).status is LinkStatus.UNLINKED
    assert tree.state.calls["MoveManagerLink"] == 1


def test_moving_between_two_sub_managers_logs_in_as_the_root(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    change = root_ads.move_client(SUB_B, link_of(root_ads, SUB_B, ACAI), SUB_A)

    assert change.link.manager == SUB_A
    assert tree.state.link_status(SUB_B.digits, ACAI.digits) == "INACTIVE"


def test_moving_to_the_lowest_level_allowed_works(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    change = root_ads.move_client(ROOT, link_of(root_ads, ROOT, PADARIA), CHAIN[3])

    assert change.link.manager == CHAIN[3]


@pytest.mark.parametrize(
    ("target", "code"),
    [
        (OUTSIDE, "ManagerLinkError.CLIENT_OUTSIDE_TREE"),
        (ROOT, "ManagerLinkError.INVALID_CHANGE"),
        (CHAIN[4], "ManagerLinkError.MAX_DEPTH_EXCEEDED"),
    ],
    ids=["outside-the-tree", "same-manager", "too-deep"],
)
def test_a_refused_move_is_mapped_with_googles_code_and_changes_nothing(
    root_ads: GoogleAdsClientService, tree: Emulator, target: CustomerId, code: str
) -> None:
    link = link_of(root_ads, ROOT, PADARIA)

    with pytest.raises(LinkRefused) as caught:
        root_ads.move_client(ROOT, link, target)

    assert caught.value.code == code
    assert caught.value.request_id
    assert str(PADARIA) in str(caught.value)
    assert link_of(root_ads, ROOT, PADARIA) == link


def test_a_too_deep_move_names_googles_limit_and_the_fix(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    with pytest.raises(LinkRefused) as caught:
        root_ads.move_client(ROOT, link_of(root_ads, ROOT, PADARIA), CHAIN[4])

    assert "6 levels" in caught.value.message
    assert "higher in the tree" in caught.value.message


def test_a_move_to_a_cancelled_manager_is_refused_with_a_hint_to_choose_an_enabled_one(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    link = link_of(root_ads, ROOT, PADARIA)

    with pytest.raises(AccountNotFound) as caught:
        root_ads.move_client(ROOT, link, CLOSED)

    assert caught.value.code == "AuthorizationError.CUSTOMER_NOT_ENABLED"
    assert "the new manager is not enabled" in caught.value.message
    assert "mcclink hierarchy" in caught.value.message
    assert link_of(root_ads, ROOT, PADARIA) == link


def test_moving_a_manager_below_itself_is_a_cycle(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    link = link_of(root_ads, ROOT, CHAIN[0])

    with pytest.raises(LinkRefused) as caught:
        root_ads.move_client(ROOT, link, CHAIN[2])

    assert caught.value.code == "ManagerLinkError.CYCLE_NOT_ALLOWED"


def test_a_sub_manager_moving_a_client_of_a_branch_it_cannot_reach_is_denied(
    tree: Emulator, make_ads: MakeAds
) -> None:
    sub_a = make_ads(login_customer_id=SUB_A)
    link = link_of(make_ads(login_customer_id=ROOT), SUB_B, ACAI)

    with pytest.raises(PermissionDenied) as caught:
        sub_a.move_client(SUB_B, link, SUB_A)

    assert caught.value.code == "AuthorizationError.USER_PERMISSION_DENIED"
    assert tree.state.link_status(SUB_B.digits, ACAI.digits) == "ACTIVE"


def test_a_sub_manager_cannot_move_a_client_to_a_sibling_outside_its_tree(
    tree: Emulator, make_ads: MakeAds
) -> None:
    """Without the root as login, a sub-manager's tree is its own branch."""
    sub_b = make_ads(login_customer_id=None)
    link = link_of(sub_b, SUB_B, ACAI)

    with pytest.raises(LinkRefused) as caught:
        sub_b.move_client(SUB_B, link, SUB_A)

    assert caught.value.code == "ManagerLinkError.CLIENT_OUTSIDE_TREE"
