"""Issue 17's review fixes as a user meets them: the monitor leaves sub-managers out of the
clients, ``emulator respond`` answers the global ``--mcc``'s invitation, and ``links hide``
says what it did."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import MCC, Cli, Served, serve_emulator

SUB = "2000000001"
PADARIA = "1112223333"
INVITED_BY_SUB = "8889990000"

TREE = {
    "managers": [
        {"id": MCC, "name": "Agência"},
        {"id": SUB, "name": "Time Sul", "managed_by": MCC},
    ],
    "clients": [
        {"id": PADARIA, "name": "Padaria", "linked_to": [MCC]},
        {"id": INVITED_BY_SUB, "name": "Convidada", "invited_by": [SUB]},
    ],
}


@pytest.fixture
def cli(home: Path) -> Iterator[Cli]:
    served: Served = serve_emulator(home, TREE)
    yield Cli(home, {**served.env, "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"})
    served.process.send_signal(signal.SIGINT)
    served.process.wait(timeout=10)


def test_monitor_skips_a_sub_manager_and_says_so(cli: Cli) -> None:
    report = cli.json("monitor", "--once")

    assert report["skipped_managers"] == 1
    assert [c["customer_id"] for c in report["changes"]] == [PADARIA]
    assert [c["customer_id"] for c in cli.json("clients", "list")] == [PADARIA]
    again = cli("monitor", "--once").stdout
    assert "skipped 1 sub-manager(s)" in again


def test_emulator_respond_answers_the_global_mccs_invitation(cli: Cli) -> None:
    done = cli("--mcc", SUB, "emulator", "respond", INVITED_BY_SUB, "--accept")
    link = json.loads(done.stdout)

    assert (link["manager"], link["status"]) == (SUB, "ACTIVE")


def test_hide_shows_the_hidden_state_and_says_noop_when_nothing_changed(cli: Cli) -> None:
    cli("monitor", "--once")

    first = cli("links", "hide", PADARIA).stdout
    assert "Hidden" in first
    assert "yes" in first
    assert "NOOP" not in first
    again = cli("links", "hide", PADARIA).stdout
    assert "111-222-3333: NOOP, already hidden: nothing changed" in again
    assert "1 done (1 NOOP), 0 failed" in again
    as_json = cli.json("links", "unhide", PADARIA)
    assert (as_json["noop"], as_json["done"][0]["hidden"]) == ([], False)
    assert cli.json("links", "unhide", PADARIA)["noop"] == [PADARIA]
    shown = cli("clients", "show", PADARIA).stdout
    assert "Hidden" in shown
