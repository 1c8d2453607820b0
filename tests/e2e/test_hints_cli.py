"""The CLI keeps its own words in the fixes the hierarchy's errors name (``--to``, ``--mcc``,
a command to paste), while the API and the dashboard word them their way
(tests/web/test_hints_web.py). ``mcclink`` in a subprocess, against an emulator serving a
tree: the MCC and its sub-manager SUB."""

from __future__ import annotations

import re
import shlex
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import MCC, Cli, Served, serve_emulator

SUB = "2000000001"
PADARIA = "1112223333"
GHOST = "9999999999"
TREE = {
    "managers": [
        {"id": MCC, "name": "Agência"},
        {"id": SUB, "name": "Time Sul", "managed_by": MCC},
    ],
    "clients": [{"id": PADARIA, "name": "Padaria", "linked_to": [MCC]}],
}


@pytest.fixture
def cli(home: Path) -> Iterator[Cli]:
    """The CLI on SQLite, with the tree's links read by one monitor cycle."""
    served: Served = serve_emulator(home, TREE)
    cli = Cli(home, {**served.env, "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"})
    cli("monitor", "--once")
    yield cli
    served.process.send_signal(signal.SIGINT)
    served.process.wait(timeout=10)


def refused(cli: Cli, *args: str) -> str:
    """What ``mcclink`` says on stderr when it refuses ``args`` with exit 2, unwrapped."""
    return " ".join(cli(*args, check=2).stderr.split())


def test_the_cli_names_its_options_and_a_command_that_clears_the_way(cli: Cli) -> None:
    said = refused(cli, "links", "move", PADARIA, "--to", MCC)
    assert "that is the manager it is under; name another manager of the tree with --to" in said

    said = refused(cli, "links", "hide", GHOST)
    assert "register it with `mcclink clients add` (or check --mcc)" in said

    cli("--mcc", SUB, "clients", "add", PADARIA, "--name", "Padaria (old record)", "--no-invite")
    said = refused(cli, "links", "move", PADARIA, "--to", SUB)
    command = "mcclink --mcc 200-000-0001 clients archive 111-222-3333"
    assert f"archive that one first ({command}), then move again" in said

    # The command it names, pasted, clears the way.
    found = re.search(r"\((mcclink [^)]*)\)", said)
    assert found is not None
    cli(*shlex.split(found.group(1))[1:])
    moved = cli.json("links", "move", PADARIA, "--to", SUB)
    assert moved["done"][0]["mcc_customer_id"] == SUB
