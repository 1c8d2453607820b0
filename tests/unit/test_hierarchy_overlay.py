"""``hierarchy.read_tree``'s overlay and JSON shape, and the depth rules, on the fake Google
Ads and a real SQLite store."""

from __future__ import annotations

import pytest

from mcclink.domain import LinkStatus
from mcclink.errors import InputError
from mcclink.hierarchy import MAX_DEPTH, check_depth, read_tree
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from mcclink.web.hierarchy import parse_depth
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL


def test_the_overlay_says_what_mcclink_holds_of_each_account_and_invitation(
    service: GoogleAdsMCCService, ads: FakeAds, store: Store
) -> None:
    service.register(MCC, Registration(SOL, "Sol"), invite=True)  # PENDING at Google
    link = ads.get_link(MCC, SOL)
    assert link is not None
    ads.respond_as_client(link, accept=True)  # Google: active; the store: still PENDING
    service.register(MCC, Registration(LUA, "Lua"), invite=True)

    tree = read_tree(ads, store, MCC).to_dict()

    assert tree["root"] == MCC.digits
    assert tree["unreachable"] == 0
    root, sol = tree["accounts"]
    assert (root["level"], root["parent"], root["manager"]) == (0, None, True)
    assert (root["registered"], root["link_status"]) == (False, None)
    assert root["pending_invitations"] == [
        {"customer_id": LUA.digits, "registered": True, "link_status": "PENDING"}
    ]
    assert root["error"] is None
    assert (sol["customer_id"], sol["parent"], sol["level"]) == (SOL.digits, MCC.digits, 1)
    assert (sol["registered"], sol["link_status"]) == (True, LinkStatus.PENDING.value)
    assert "pending_invitations" not in sol  # a client account has none
    assert "error" not in sol


def test_depth_rules(ads: FakeAds, store: Store) -> None:
    assert check_depth(None) is None
    assert check_depth(1) == 1
    assert check_depth(MAX_DEPTH) == MAX_DEPTH
    for depth in (0, MAX_DEPTH + 1):
        with pytest.raises(InputError, match="depth must be a whole number from 1 to 100"):
            read_tree(ads, store, MCC, depth=depth)
    assert parse_depth(None) is None
    assert parse_depth("") is None
    assert parse_depth("3") == 3
    for bad in ("0", "-1", "abc", "1.5", " 2", "101", "99999999999999999999", "²"):
        with pytest.raises(InputError, match="depth must be a whole number from 1 to 100"):
            parse_depth(bad)
    assert ads.calls["hierarchy"] == 0  # refused before Google was asked
