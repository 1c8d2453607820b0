"""#14 item 1: the scripts' payloads have a schema. Booleans are JSON booleans, ids are id
strings, ``pendingHours`` a number of hours within a year; anything else (or an unknown
field) is exit 2 naming the field, before anything is written or sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import Cli
from tests.e2e.test_scripts import script


def world(cli: Cli) -> tuple[Any, Any, Any]:
    """The store's clients and history and the links at Google: what a refusal must keep."""
    return cli.json("clients", "list"), cli.json("history"), cli.json("links", "list")


@pytest.mark.parametrize(
    ("payload", "phrases"),
    [
        (
            {"name": "Padaria", "googleAdsCustomerId": "1112223333", "sendMccInvitation": "false"},
            ['sendMccInvitation: must be true or false (a JSON boolean), not "false"'],
        ),
        (
            {"name": "Padaria", "googleAdsCustomerId": "1112223333", "sendMccInvitation": 0},
            ["sendMccInvitation: must be true or false"],
        ),
        (
            {"name": "Padaria", "googleAdsCustomerId": 1112223333},
            ['googleAdsCustomerId: must be a string such as "123-456-7890", not 1112223333'],
        ),
        (
            {"name": ["Padaria"], "googleAdsCustomerId": "1112223333", "email": 7},
            ["name: must be a string", "email: must be a string, not 7"],
        ),
        (
            {"name": "Padaria", "googleAdsCustomerId": "1112223333", "sendMccInvitaton": False},
            ["unknown field 'sendMccInvitaton'", "sendMccInvitation"],
        ),
        (
            {"name": "Padaria", "googleAdsCustomerId": "1112223333", "mccCustomerId": "12"},
            ["mccCustomerId: invalid Google Ads customer id '12'"],
        ),
    ],
)
def test_create_client_refuses_a_payload_of_the_wrong_types_and_changes_nothing(
    sqlite_cli: Cli, payload: dict[str, Any], phrases: list[str]
) -> None:
    before = world(sqlite_cli)

    code, result = script(sqlite_cli, "create_client.py", "--params", json.dumps(payload))

    assert (code, result["success"], result["errorType"]) == (2, False, "InputError")
    for phrase in phrases:
        assert phrase in result["error"]
    assert world(sqlite_cli) == before


def test_create_client_sends_no_invitation_for_a_json_false(sqlite_cli: Cli) -> None:
    payload = {"name": "Padaria", "googleAdsCustomerId": "1112223333", "sendMccInvitation": False}

    code, result = script(sqlite_cli, "create_client.py", stdin=json.dumps(payload))

    assert (code, result["invitationSent"], result["mccStatus"]) == (0, False, "NOT_LINKED")
    assert sqlite_cli.json("links", "list") == []


@pytest.mark.parametrize(
    ("hours", "phrase"),
    [
        ("abc", 'pendingHours: must be a number of hours such as 24, not "abc"'),
        ("24", 'pendingHours: must be a number of hours such as 24, not "24"'),
        (True, "pendingHours: must be a number of hours such as 24, not true"),
        (-5, "pendingHours: must be above 0 and at most 8760 (a year), not -5"),
        (0, "pendingHours: must be above 0"),
        (1e9, "at most 8760"),
    ],
)
def test_monitor_refuses_pending_hours_that_are_not_a_sane_number_and_changes_nothing(
    sqlite_cli: Cli, hours: object, phrase: str
) -> None:
    sqlite_cli("clients", "add", "111-222-3333", "--name", "Padaria")
    sqlite_cli("emulator", "respond", "1112223333", "--accept")
    before = world(sqlite_cli)

    code, result = script(
        sqlite_cli, "monitor_mcc_status.py", stdin=json.dumps({"pendingHours": hours})
    )

    assert (code, result["success"]) == (2, False)
    assert phrase in result["error"]
    assert world(sqlite_cli) == before  # the accepted link was not synced: no cycle ran


def test_monitor_takes_fractional_pending_hours(sqlite_cli: Cli) -> None:
    code, result = script(sqlite_cli, "monitor_mcc_status.py", stdin='{"pendingHours": 0.5}')

    assert (code, result["success"]) == (0, True)


@pytest.mark.parametrize(
    ("name", "payload", "phrase"),
    [
        ("manage_mcc_links.py", {"action": "status", "customerId": 1112223333}, "customerId: must"),
        ("manage_mcc_links.py", {"action": "delete", "customerId": "1112223333"}, "action: must"),
        ("monitor_mcc_status.py", {"customerId": "12"}, "customerId: invalid"),
        ("test_mcc_system.py", {"mccCustomerId": True}, "mccCustomerId: must be a string"),
    ],
)
def test_every_script_reads_its_payload_by_its_schema(
    sqlite_cli: Cli, name: str, payload: dict[str, Any], phrase: str
) -> None:
    code, result = script(sqlite_cli, name, "--params", json.dumps(payload))

    assert (code, result["errorType"]) == (2, "InputError")
    assert phrase in result["error"]
