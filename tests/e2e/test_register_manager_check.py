"""Registering under a manager the store does not know yet (``--mcc``): Google is asked once
whether it is a manager the login reaches; a client account, an unknown account or one out of
reach is refused (exit 2) before anything is written. ``mcclink`` in a subprocess against the
test session's emulator loaded with ``tests.hierarchy_tree``, on SQLite and DynamoDB (moto)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcclink.domain import CustomerId
from mcclink.emulator import Emulator
from tests.e2e.conftest import Cli, cli_on_store
from tests.hierarchy_tree import NEWCOMER, PADARIA, PENDING_ROOT, ROOT, SUB_A, SUB_B, load_tree

UNKNOWN = CustomerId.parse("987-654-3210")


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def tree_cli(request: pytest.FixtureRequest, home: Path, fresh_emulator: Emulator) -> Cli:
    """The CLI acting for ROOT (MCC_CUSTOMER_ID) on each store, the emulator holding the tree."""
    load_tree(fresh_emulator)
    env = {**fresh_emulator.env(), "MCC_CUSTOMER_ID": ROOT.digits}
    return cli_on_store(request, home, env)


def nothing_under(cli: Cli, manager: CustomerId) -> None:
    assert cli.json("--mcc", str(manager), "clients", "list") == []
    assert cli.json("--mcc", str(manager), "history") == []


def test_a_client_account_as_mcc_is_refused_and_nothing_is_written(
    tree_cli: Cli, fresh_emulator: Emulator
) -> None:
    done = tree_cli(
        "--mcc", str(PADARIA), "clients", "add", str(NEWCOMER), "--name", "Sorv", "--no-invite",
        check=2,
    )  # fmt: skip

    message = " ".join(done.stderr.split())
    assert "cannot register clients under 111-222-3333: it is a client account, not a manager" in (
        message
    )
    assert "give --mcc a manager of your tree (`mcclink hierarchy` lists them)" in message
    assert done.stdout == ""
    nothing_under(tree_cli, PADARIA)
    # With the invitation (the default), refused the same way before Google is sent one.
    tree_cli("--mcc", str(PADARIA), "clients", "add", str(NEWCOMER), "--name", "Sorv", check=2)
    nothing_under(tree_cli, PADARIA)
    assert fresh_emulator.state.invitations_sent(NEWCOMER.digits, PADARIA.digits) == 0


def test_an_unknown_account_as_mcc_is_refused_with_googles_code(tree_cli: Cli) -> None:
    error = tree_cli.json(
        "--mcc", str(UNKNOWN), "clients", "add", str(NEWCOMER), "--name", "Sorv", "--no-invite",
        check=2,
    )["error"]  # fmt: skip

    assert error["code"] == "InputError"
    assert "CUSTOMER_NOT_FOUND" in error["message"]
    assert "nothing was registered" in error["message"]
    nothing_under(tree_cli, UNKNOWN)


def test_an_import_under_a_client_account_writes_no_row(tree_cli: Cli, home: Path) -> None:
    csv = home / "clients.csv"
    csv.write_text(f"customer_id,name\n{NEWCOMER},Sorveteria\n{PENDING_ROOT},Convidada\n")

    done = tree_cli("--mcc", str(PADARIA), "clients", "import", str(csv), check=2)

    assert "it is a client account, not a manager" in " ".join(done.stderr.split())
    nothing_under(tree_cli, PADARIA)


def test_sub_managers_of_the_tree_are_accepted_also_one_the_user_cannot_open(
    tree_cli: Cli,
) -> None:
    # SUB_B holds ACAI at Google but no client in the store; SUB_A is reached only through
    # the login (ROOT).
    for manager in (SUB_B, SUB_A):
        added = tree_cli.json(
            "--mcc", str(manager), "clients", "add", str(NEWCOMER), "--name", "Sorv",
            "--no-invite",
        )  # fmt: skip
        assert (added["mcc_customer_id"], added["status"]) == (manager.digits, "NOT_LINKED")
    # MCC_CUSTOMER_ID itself is never asked about, as before.
    tree_cli("clients", "add", str(NEWCOMER), "--name", "Sorv", "--no-invite")


def test_without_google_settings_only_mcc_customer_id_takes_clients(
    home: Path, tree_cli: Cli
) -> None:
    offline = Cli(home, {"MCC_CUSTOMER_ID": ROOT.digits, "MCC_STORE": tree_cli.env["MCC_STORE"]})

    offline("clients", "add", str(NEWCOMER), "--name", "Sorv", "--no-invite")
    done = offline(
        "--mcc", str(SUB_B), "clients", "add", str(NEWCOMER), "--name", "Sorv", "--no-invite",
        check=2,
    )  # fmt: skip

    message = " ".join(done.stderr.split())
    assert "100-000-0002 is not MCC_CUSTOMER_ID and has no client yet" in message
    assert "GOOGLE_ADS_CLIENT_ID" in message
    nothing_under(offline, SUB_B)
