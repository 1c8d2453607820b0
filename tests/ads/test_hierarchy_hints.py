"""The fix each hierarchy refusal names (issue 17's review), over gRPC against the emulator:
a hint for the call that was made, never another command's or another mistake's."""

from __future__ import annotations

import pytest

from mcclink.ads import GoogleAdsClientService
from mcclink.emulator import Emulator
from mcclink.errors import AccountNotFound, LinkRefused
from tests.ads.test_hide_move import (
    ACAI,
    INVITED,
    OUTSIDE,
    PADARIA,
    ROOT,
    SUB_A,
    link_of,
    root_ads,
    tree,
)

__all__ = ["root_ads", "tree"]  # the fixtures, shared with test_hide_move


def test_hiding_a_link_that_is_not_active_names_the_link_not_test_accounts(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    with pytest.raises(LinkRefused) as caught:
        root_ads.set_hidden(ROOT, link_of(root_ads, ROOT, INVITED), True)

    assert "only an active link can be hidden" in caught.value.message
    assert f"`mcclink links status {INVITED}` only reads it" in caught.value.message
    assert "CUSTOMER_ID" not in caught.value.message
    assert "POST /api/v1/monitor/run" in caught.value.message  # each surface's way
    assert "test accounts" not in caught.value.message
    assert "mcclink sync" not in caught.value.message


def test_moving_to_the_manager_it_has_names_the_move(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    with pytest.raises(LinkRefused) as caught:
        root_ads.move_client(ROOT, link_of(root_ads, ROOT, PADARIA), ROOT)

    assert caught.value.code == "ManagerLinkError.INVALID_CHANGE"
    assert "only an active link can be moved" in caught.value.message
    assert "test accounts" not in caught.value.message


def test_moving_to_a_client_account_says_it_is_not_a_manager(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    with pytest.raises(AccountNotFound) as caught:
        root_ads.move_client(ROOT, link_of(root_ads, ROOT, PADARIA), ACAI)

    assert "is not a manager account" in caught.value.message
    assert "names no Google Ads account: check the ids" not in caught.value.message


def test_moving_outside_the_tree_says_the_login_customers_tree_holds_the_move(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    with pytest.raises(LinkRefused) as caught:
        root_ads.move_client(ROOT, link_of(root_ads, ROOT, PADARIA), OUTSIDE)

    assert caught.value.code == "ManagerLinkError.CLIENT_OUTSIDE_TREE"
    assert "outside the login customer's tree" in caught.value.message
    assert "GOOGLE_ADS_LOGIN_CUSTOMER_ID" in caught.value.message


def test_moving_a_link_that_ended_at_google_names_the_ended_link(
    root_ads: GoogleAdsClientService, tree: Emulator
) -> None:
    link = link_of(root_ads, ROOT, PADARIA)
    tree.state.respond(PADARIA.digits, ROOT.digits, "unlink")

    with pytest.raises(LinkRefused) as caught:
        root_ads.move_client(ROOT, link, SUB_A)

    assert caught.value.code == "AuthorizationError.USER_PERMISSION_DENIED"
    message = caught.value.message
    assert f"the link between {ROOT} and {PADARIA} is UNLINKED at Google" in message
    assert "mcclink monitor --once" in message
    assert "login-customer-id" not in message
