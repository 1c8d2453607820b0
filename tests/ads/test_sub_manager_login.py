"""Acting under a sub-manager over gRPC/TLS against the emulator: the login customer is the
home MCC (``MCC_CUSTOMER_ID``) when no ``GOOGLE_ADS_LOGIN_CUSTOMER_ID`` is set, so a
sub-manager the user cannot open directly (SUB_A) is reached through the root."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from mcclink.ads import GoogleAdsClientService
from mcclink.config import GoogleAdsSettings
from mcclink.domain import LinkStatus
from mcclink.emulator import Emulator
from mcclink.errors import PermissionDenied
from mcclink.hierarchy import walk
from tests.ads.conftest import FAST_RETRY
from tests.hierarchy_tree import DEEP, NEWCOMER, OTHER_MCC, ROOT, SUB_A, SUB_A1, SUB_B, load_tree


@pytest.fixture
def tree(emu: Emulator) -> Emulator:
    load_tree(emu)
    return emu


@pytest.fixture
def home_ads(tree: Emulator, settings: GoogleAdsSettings) -> Iterator[GoogleAdsClientService]:
    """The adapter as the CLI builds it for an agency whose MCC_CUSTOMER_ID is ROOT."""
    ads = GoogleAdsClientService(settings, FAST_RETRY, home=ROOT)
    yield ads
    ads.close()


def searches(emu: Emulator) -> int:
    return emu.state.calls["SearchStream"]


def test_an_invitation_under_a_sub_manager_logs_in_as_the_root(
    home_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    change = home_ads.send_invitation(SUB_A, NEWCOMER)

    assert change.link.manager == SUB_A
    assert change.link.status is LinkStatus.PENDING
    assert tree.state.link_status(SUB_A.digits, NEWCOMER.digits) == "PENDING"
    assert home_ads.get_link(SUB_A, NEWCOMER) == change.link


def test_without_a_home_the_sub_manager_is_its_own_login_and_google_refuses(
    tree: Emulator, settings: GoogleAdsSettings
) -> None:
    ads = GoogleAdsClientService(settings, FAST_RETRY)
    try:
        with pytest.raises(PermissionDenied) as caught:
            ads.send_invitation(SUB_A, NEWCOMER)
    finally:
        ads.close()

    assert caught.value.code == "AuthorizationError.USER_PERMISSION_DENIED"
    assert tree.state.link_status(SUB_A.digits, NEWCOMER.digits) is None


def test_the_sub_managers_are_read_once_and_only_for_a_manager_other_than_the_home(
    home_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    before = searches(tree)
    home_ads.list_links(ROOT)
    assert searches(tree) - before == 1  # the home itself: no look-up

    home_ads.list_links(SUB_A1)  # a level-2 sub-manager: the look-up, then the listing
    home_ads.list_links(SUB_B)
    assert searches(tree) - before == 4


def test_a_manager_outside_the_home_tree_stays_its_own_login(
    home_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    change = home_ads.send_invitation(OTHER_MCC, NEWCOMER)

    assert change.link.manager == OTHER_MCC
    assert tree.state.link_status(OTHER_MCC.digits, NEWCOMER.digits) == "PENDING"


def test_a_configured_login_customer_is_used_as_is(
    tree: Emulator, settings: GoogleAdsSettings
) -> None:
    via_sub_b = dataclasses.replace(settings, login_customer_id=SUB_B)
    ads = GoogleAdsClientService(via_sub_b, FAST_RETRY, home=ROOT)
    before = searches(tree)
    try:
        with pytest.raises(PermissionDenied):  # SUB_A is not below SUB_B
            ads.send_invitation(SUB_A, NEWCOMER)
    finally:
        ads.close()
    assert searches(tree) == before  # no look-up of the home's sub-managers


def test_the_walk_from_a_sub_manager_reads_through_the_root(
    home_ads: GoogleAdsClientService,
) -> None:
    nodes = [n.account.customer_id for n in walk(home_ads, SUB_A)]

    assert nodes == [SUB_A, SUB_A1, DEEP]
