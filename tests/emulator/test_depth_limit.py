"""Google's depth limit (6 levels, the top manager at level 0) on every way a link is made:
an invitation, its acceptance, a scenario's tree (a move is in tests/ads/test_hide_move)."""

from __future__ import annotations

from typing import Any

import pytest

from mcclink.emulator import Emulator
from mcclink.emulator.scenario import MAX_HIERARCHY_LEVELS
from mcclink.errors import InputError, InvalidTransition
from tests.emulator.calls import MCC, PADARIA, error_code, invite, refusal, scenario
from tests.fixtures.emulator import AdsClientFactory

#: MCC at level 0, then one sub-manager per level: CHAIN[4] sits at level 5, the lowest.
CHAIN = [f"100000001{n}" for n in range(5)]
MANAGERS = [
    {"id": MCC, "name": "Agência"},
    *(
        {"id": sub, "name": f"Nível {level}", "managed_by": above}
        for level, (above, sub) in enumerate(zip([MCC, *CHAIN], CHAIN, strict=False), 1)
    ),
]


def test_the_limit_is_googles_six_levels() -> None:
    assert MAX_HIERARCHY_LEVELS == 6


def test_inviting_from_the_lowest_level_exceeds_the_depth(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(scenario({"id": PADARIA, "name": "P"}, managers=MANAGERS))

    exc = refusal(lambda: invite(ads_client_factory(MCC), CHAIN[4], PADARIA))

    assert error_code(exc) == "manager_link_error.MAX_DEPTH_EXCEEDED"
    message = exc.failure.errors[0].message
    assert "at level 6 (the top manager is level 0; at most level 5)" in message
    assert fresh_emulator.state.link_status(CHAIN[4], PADARIA) is None
    invite(ads_client_factory(MCC), CHAIN[3], PADARIA)  # level 5: allowed


def test_accepting_an_invitation_that_became_too_deep_is_refused(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.reset(
        scenario({"id": PADARIA, "name": "P", "invited_by": [CHAIN[4]]}, managers=MANAGERS)
    )

    with pytest.raises(InvalidTransition, match="maximum hierarchy depth"):
        fresh_emulator.state.respond(PADARIA, CHAIN[4], "accept")

    assert fresh_emulator.state.link_status(CHAIN[4], PADARIA) == "PENDING"


def test_a_scenario_whose_managed_by_chain_is_too_deep_is_refused_naming_it() -> None:
    too_deep = [*MANAGERS, {"id": "1000000020", "name": "Nível 6", "managed_by": CHAIN[4]}]

    with pytest.raises(InputError) as caught:
        scenario(managers=too_deep)

    said = str(caught.value)
    assert "managers[6] (1000000020) would sit at level 6" in said
    assert "the top manager is level 0" in said
    assert "levels 0 to 5" in said


def test_a_scenario_client_linked_below_the_lowest_level_is_refused() -> None:
    with pytest.raises(InputError, match=r"clients\[0\] \(1112223333, linked_to 1000000014\)"):
        scenario({"id": PADARIA, "name": "P", "linked_to": [CHAIN[4]]}, managers=MANAGERS)


def test_a_scenario_sub_manager_may_be_unreachable_or_cancelled(
    fresh_emulator: Emulator,
) -> None:
    managers: list[dict[str, Any]] = [
        {"id": MCC, "name": "Agência"},
        {"id": CHAIN[0], "name": "Fechada", "managed_by": MCC, "accessible": False},
        {"id": CHAIN[1], "name": "Encerrada", "managed_by": MCC, "status": "CANCELED"},
    ]

    fresh_emulator.reset(scenario(managers=managers))

    closed, cancelled = (fresh_emulator.state.account(m) for m in CHAIN[:2])
    assert closed is not None
    assert (closed.manager, closed.accessible) == (True, False)
    assert cancelled is not None
    assert cancelled.status == "CANCELED"
