"""A monitor cycle for one manager (``mcclink --mcc X monitor``) under a manager the store holds
no client of: Google is asked once whether it is a manager the login reaches
(``check_manager``), so a typo'd id or a client account is bad input (exit 2) and nothing is
recorded: no MONITOR entry, no error counted, no alert. ``mcclink`` in a subprocess against
the emulator holding ``tests.hierarchy_tree``, ROOT as MCC_CUSTOMER_ID."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcclink.domain import CustomerId
from mcclink.emulator import Emulator
from tests.e2e.conftest import Cli
from tests.hierarchy_tree import ACAI, PADARIA, ROOT, SUB_B, load_tree

UNKNOWN = CustomerId.parse("987-654-3210")


@pytest.fixture
def tree_cli(home: Path, fresh_emulator: Emulator) -> Cli:
    """The CLI acting for ROOT on SQLite (the check reads the store as registering does,
    tested on both stores in test_register_manager_check), the emulator holding the tree."""
    load_tree(fresh_emulator)
    env = {**fresh_emulator.env(), "MCC_CUSTOMER_ID": ROOT.digits}
    return Cli(home, {**env, "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"})


@pytest.mark.parametrize(
    ("mcc", "said"),
    [
        (UNKNOWN, "it is no enabled manager your login reaches (Google Ads answered"),
        (PADARIA, "it is a client account, not a manager (MCC); nothing was recorded"),
    ],
    ids=["unknown-account", "client-account"],
)
def test_a_cycle_under_no_manager_is_bad_input_and_records_nothing(
    tree_cli: Cli, mcc: CustomerId, said: str
) -> None:
    done = tree_cli("--mcc", str(mcc), "monitor", "--once", check=2)

    message = " ".join(done.stderr.split())
    assert f"cannot run a monitor cycle for {mcc}: {said}" in message
    assert "give --mcc a manager of your tree" in message or "check the id given to --mcc" in (
        message
    )
    assert "alert" not in message
    assert tree_cli.json("--mcc", str(mcc), "history") == []
    assert tree_cli.json("--mcc", str(mcc), "stats")["errors_by_code"] == {}


def test_every_stops_at_the_first_refused_cycle(tree_cli: Cli) -> None:
    done = tree_cli("--mcc", str(UNKNOWN), "monitor", "--every", "1s", check=2)

    assert "cannot run a monitor cycle for 987-654-3210" in " ".join(done.stderr.split())
    assert "cycle failed" not in done.stderr
    assert tree_cli.json("--mcc", str(UNKNOWN), "history") == []


def test_a_sub_manager_without_clients_is_monitored(tree_cli: Cli) -> None:
    report = tree_cli.json("--mcc", str(SUB_B), "monitor", "--once")

    assert report["mcc_customer_id"] == SUB_B.digits
    assert [c["customer_id"] for c in tree_cli.json("--mcc", str(SUB_B), "clients", "list")] == [
        ACAI.digits
    ]
