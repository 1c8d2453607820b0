"""An account is linked once within a manager hierarchy (the accounts under one top-level
manager), as Google Ads Help states (support.google.com/google-ads/answer/9626114): a manager
cannot invite a client that a manager above it, beside it or below it already manages. Through
the official library, logged in as the root of ``tests.hierarchy_tree``."""

from __future__ import annotations

import pytest

from mcclink.domain import CustomerId
from mcclink.emulator import Emulator
from tests.emulator.calls import error_code, invite, refusal
from tests.fixtures.emulator import AdsClientFactory
from tests.hierarchy_tree import (
    ACAI,
    DEEP,
    NEWCOMER,
    OTHER_MCC,
    PADARIA,
    ROOT,
    SUB_A,
    SUB_A1,
    SUB_B,
    load_tree,
)


@pytest.mark.parametrize(
    ("manager", "client", "manages_it"),
    [
        (SUB_A1, PADARIA, ROOT),  # up: the root, two levels above, manages it
        (SUB_B, PADARIA, ROOT),  # up: the manager directly above
        (SUB_A, ACAI, SUB_B),  # beside: a sibling sub-manager manages it
        (SUB_B, DEEP, SUB_A1),  # beside, lower: a sibling's sub-manager manages it
        (ROOT, DEEP, SUB_A1),  # down: a sub-manager's sub-manager manages it
    ],
)
def test_a_client_managed_elsewhere_in_the_hierarchy_is_refused(
    fresh_emulator: Emulator,
    ads_client_factory: AdsClientFactory,
    manager: CustomerId,
    client: CustomerId,
    manages_it: CustomerId,
) -> None:
    load_tree(fresh_emulator)
    state = fresh_emulator.state
    assert state.link_status(manages_it.digits, client.digits) == "ACTIVE"

    exc = refusal(lambda: invite(ads_client_factory(ROOT.digits), manager.digits, client.digits))

    assert error_code(exc) == "manager_link_error.ALREADY_MANAGED_IN_HIERARCHY"
    assert state.link_status(manager.digits, client.digits) is None
    assert state.invitations_sent(client.digits, manager.digits) == 0


def test_a_client_of_another_hierarchy_or_whose_link_ended_may_be_invited(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    load_tree(fresh_emulator)
    state = fresh_emulator.state
    with state.lock:
        state.add_link(OTHER_MCC.digits, NEWCOMER.digits, "ACTIVE")  # another agency's client
    state.respond(PADARIA.digits, ROOT.digits, "unlink")  # the root's link ended
    ads = ads_client_factory(ROOT.digits)

    invite(ads, SUB_B.digits, NEWCOMER.digits)
    invite(ads, SUB_B.digits, PADARIA.digits)

    assert state.link_status(SUB_B.digits, NEWCOMER.digits) == "PENDING"
    assert state.link_status(SUB_B.digits, PADARIA.digits) == "PENDING"
