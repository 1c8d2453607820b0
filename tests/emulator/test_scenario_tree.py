"""Scenario managers in a tree (``managed_by``): the ACTIVE links they load, and bad trees."""

from __future__ import annotations

import json
import re

import pytest

from mcclink.emulator import Scenario
from mcclink.emulator.state import EmulatorState
from mcclink.errors import InputError

ROOT, SUB, SUB_SUB = "1000000000", "1000000001", "1000000002"


def tree(*managers: dict[str, object]) -> str:
    return json.dumps({"managers": list(managers), "clients": []})


def test_sub_managers_load_active_under_their_manager() -> None:
    scenario = Scenario.from_json(
        tree(
            {"id": ROOT, "name": "Root"},
            {"id": "100-000-0001", "name": "Sub", "managed_by": "100-000-0000"},
            {"id": SUB_SUB, "name": "Sub-sub", "managed_by": SUB},
        )
    )

    state = EmulatorState(scenario)

    assert scenario.managers[1].managed_by == ROOT
    assert state.hierarchy(ROOT) == [(ROOT, 0), (SUB, 1), (SUB_SUB, 2)]
    assert state.active_managers(SUB_SUB) == [SUB]


@pytest.mark.parametrize(
    ("managers", "problem"),
    [
        (
            [{"id": ROOT, "name": "Root", "managed_by": SUB}],
            "managers[0].managed_by names no scenario manager: 1000000001",
        ),
        (
            [
                {"id": ROOT, "name": "Root", "managed_by": SUB},
                {"id": SUB, "name": "Sub", "managed_by": ROOT},
            ],
            "managers[0].managed_by makes a cycle of managers",
        ),
        (
            [{"id": ROOT, "name": "Root", "managed_by": ROOT}],
            "managers[0].managed_by makes a cycle of managers",
        ),
        (
            [{"id": ROOT, "name": "Root", "managed_by": "12-34"}],
            "managers[0].managed_by",
        ),
    ],
    ids=["unknown", "cycle", "itself", "malformed"],
)
def test_a_bad_tree_is_named(managers: list[dict[str, object]], problem: str) -> None:
    with pytest.raises(InputError, match=re.escape(problem)):
        Scenario.from_json(tree(*managers))
