"""The CLI says where a move went, as a user reads it: ``links move`` names both managers, and
``history`` / ``clients show`` under either manager show "moved from A to B" (the dashboard's
words), dashed, instead of an APPROVED → APPROVED row. On SQLite, against the emulator serving
tests/e2e/test_links_hide_move.py's tree."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import MCC, Cli, serve_emulator
from tests.e2e.test_links_hide_move import OUTSIDE, PADARIA, SUB, TREE

MOVED = "moved from 123-456-7890 to 200-000-0001"


@pytest.fixture
def cli(home: Path) -> Iterator[Cli]:
    """The CLI on SQLite, with the tree's links read by one monitor cycle."""
    served = serve_emulator(home, TREE)
    cli = Cli(home, {**served.env, "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"})
    cli("monitor", "--once")
    yield cli
    served.process.send_signal(signal.SIGINT)
    served.process.wait(timeout=10)


def test_a_move_names_both_managers_where_it_is_done_and_in_history(cli: Cli) -> None:
    done = cli("links", "move", PADARIA, "--to", SUB)

    assert f"111-222-3333: {MOVED}\n1 done, 0 failed" in done.stdout
    shown = [
        cli("--mcc", MCC, "history", PADARIA).stdout,  # the manager left
        cli("--mcc", SUB, "history", PADARIA).stdout,  # the manager moved to
        cli("--mcc", SUB, "clients", "show", PADARIA).stdout,
    ]
    for table in shown:
        assert MOVED in table
        assert "APPROVED → APPROVED" not in table
    assert "Change" in cli("history", PADARIA).stdout  # the column's name, as on the dashboard


def test_a_move_google_refuses_shows_as_not_moved(cli: Cli) -> None:
    refused = cli("links", "move", PADARIA, "--to", OUTSIDE, check=1)

    assert "moved from" not in refused.stdout  # nothing moved, and nothing said to be
    for command in (("history", PADARIA), ("clients", "show", PADARIA)):
        assert "not moved from 123-456-7890 to 300-000-0001" in cli(*command).stdout


def test_move_json_is_the_bulk_shape_refusals_included(cli: Cli) -> None:
    refused = cli.json("links", "move", PADARIA, "--to", "9999999999", check=2)

    assert refused["done"] == []
    assert refused["retries"] == 0
    [failure] = refused["failed"]
    assert (failure["customer_id"], failure["code"]) == (PADARIA, "InputError")
    assert "cannot move 111-222-3333 to 999-999-9999" in failure["error"]
    assert "check the id given to --to" in failure["error"]
    assert "GOOGLE_ADS_LOGIN_CUSTOMER_ID" not in failure["error"]

    moved = cli.json("links", "move", PADARIA, "--to", SUB)
    assert [c["mcc_customer_id"] for c in moved["done"]] == [SUB]
    assert moved["failed"] == []
