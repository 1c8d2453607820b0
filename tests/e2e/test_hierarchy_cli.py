"""``mcclink hierarchy`` in a subprocess, against the test session's emulator loaded with
``tests.hierarchy_tree``, on SQLite and on DynamoDB (moto)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcclink.emulator import Emulator
from tests.e2e.conftest import Cli, cli_on_store
from tests.hierarchy_tree import (
    ACAI,
    CLOSED_SUB,
    DEEP,
    NEWCOMER,
    PADARIA,
    PENDING_A,
    PENDING_ROOT,
    ROOT,
    SANDBOX,
    SUB_A,
    SUB_A1,
    SUB_B,
    load_tree,
)


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def tree_cli(request: pytest.FixtureRequest, home: Path, fresh_emulator: Emulator) -> Cli:
    """The CLI acting for ROOT on each store, the emulator holding the tree."""
    load_tree(fresh_emulator)
    env = {**fresh_emulator.env(), "MCC_CUSTOMER_ID": ROOT.digits}
    return cli_on_store(request, home, env)


def accounts(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["customer_id"]: a for a in tree["accounts"]}


def test_the_tree_with_the_overlay_of_what_mcclink_holds(tree_cli: Cli) -> None:
    tree_cli("clients", "add", str(PADARIA), "--name", "Padaria")  # active already
    tree_cli("clients", "add", str(PENDING_ROOT), "--name", "Convidada")  # invited already
    tree_cli("--mcc", str(SUB_B), "clients", "add", str(ACAI), "--name", "Açaí")

    tree = tree_cli.json("hierarchy")

    assert tree["root"] == ROOT.digits
    assert tree["depth"] is None
    assert tree["unreachable"] == 1
    found = accounts(tree)
    assert list(found) == [
        a.digits for a in (ROOT, SUB_A, SUB_B, CLOSED_SUB, PADARIA, SANDBOX, SUB_A1, ACAI, DEEP)
    ]
    padaria = found[PADARIA.digits]
    assert padaria["parent"] == ROOT.digits
    assert padaria["hidden"] is True
    assert (padaria["registered"], padaria["link_status"]) == (True, "APPROVED")
    assert (found[ACAI.digits]["registered"], found[ACAI.digits]["link_status"]) == (
        True,
        "APPROVED",
    )
    assert found[DEEP.digits]["registered"] is False
    assert found[DEEP.digits]["level"] == 3
    assert found[SANDBOX.digits]["test_account"] is True
    assert "pending_invitations" not in padaria  # not a manager
    assert found[ROOT.digits]["pending_invitations"] == [
        {"customer_id": PENDING_ROOT.digits, "registered": True, "link_status": "PENDING"}
    ]
    assert found[SUB_A.digits]["pending_invitations"] == [
        {"customer_id": PENDING_A.digits, "registered": False, "link_status": None}
    ]
    closed = found[CLOSED_SUB.digits]
    assert closed["status"] == "CANCELED"
    assert closed["pending_invitations"] is None
    assert closed["error"]["code"] == "AuthorizationError.CUSTOMER_NOT_ENABLED"
    assert "reactivate it in Google Ads" in closed["error"]["fix"]
    assert found[SUB_A.digits]["error"] is None


def test_the_tree_as_text(tree_cli: Cli) -> None:
    tree_cli("clients", "add", str(PENDING_ROOT), "--name", "Convidada")

    text = tree_cli("hierarchy").stdout

    assert "Agência Raiz 100-000-0000 (manager)" in text
    assert "Padaria 111-222-3333 (hidden)" in text
    assert "Sandbox 999-000-1111 (test account)" in text
    assert "Time Encerrado 100-000-0003 (manager, CANCELED)" in text
    assert "invited 777-888-9999 (no answer yet) · mcclink PENDING" in text
    assert "invited 888-999-0000 (no answer yet) · not registered" in text
    assert "cannot read below it: AuthorizationError.CUSTOMER_NOT_ENABLED" in text
    assert "fix: the sub-manager is not enabled" in text
    assert "1 sub-manager(s) could not be read" in text
    # Nesting: DEEP under SUB_A1 under SUB_A, drawn by the tree's guides.
    lines = text.splitlines()
    deep = next(i for i, line in enumerate(lines) if "333-444-5555" in line)
    assert "100-000-0011" in lines[deep - 1]
    assert lines[deep].index("Oficina") > lines[deep - 1].index("Time Campinas")


def test_depth_one_shows_the_direct_clients_only(tree_cli: Cli) -> None:
    found = accounts(tree_cli.json("hierarchy", "--depth", "1"))

    assert {a["level"] for a in found.values()} == {0, 1}
    assert found[SUB_A.digits]["pending_invitations"] is None  # not read at this depth
    assert found[SUB_A.digits]["error"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hierarchy", "--depth", "0"], "'--depth': Input should be greater than or equal to 1"),
        (["hierarchy", "--depth", "-1"], "'--depth': Input should be greater than or equal to 1"),
        (["hierarchy", "--depth", "abc"], "'--depth': Input should be a valid integer"),
        (["--mcc", "987-654-3210", "hierarchy"], "CUSTOMER_NOT_FOUND"),
        (["--mcc", str(PADARIA), "hierarchy"], "111-222-3333 is a client account, not a manager"),
        (["--mcc", "12345", "hierarchy"], "12345"),
    ],
)
def test_bad_input_is_refused_with_exit_2(tree_cli: Cli, args: list[str], message: str) -> None:
    done = tree_cli(*args, check=2)

    assert message in done.stderr
    assert done.stdout == ""


def test_bad_input_with_json_is_the_documented_error(tree_cli: Cli) -> None:
    error = tree_cli.json("--mcc", str(PADARIA), "hierarchy", check=2)["error"]

    assert error["code"] == "InputError"
    assert "give --mcc (or MCC_CUSTOMER_ID) a manager account's id" in error["message"]


def test_a_client_registered_and_invited_under_a_sub_manager_the_user_cannot_open(
    tree_cli: Cli, fresh_emulator: Emulator
) -> None:
    # SUB_A is not open to the user: the login is MCC_CUSTOMER_ID (ROOT), which reaches it.
    added = tree_cli.json("--mcc", str(SUB_A), "clients", "add", str(NEWCOMER), "--name", "Sorv")

    assert (added["mcc_customer_id"], added["status"]) == (SUB_A.digits, "PENDING")
    assert fresh_emulator.state.link_status(SUB_A.digits, NEWCOMER.digits) == "PENDING"
    shown = tree_cli.json("--mcc", str(SUB_A), "clients", "show", str(NEWCOMER))
    assert shown["mcc_customer_id"] == SUB_A.digits
    tree_cli("clients", "show", str(NEWCOMER), check=2)  # not under the root
    found = accounts(tree_cli.json("hierarchy"))
    assert {"customer_id": NEWCOMER.digits, "registered": True, "link_status": "PENDING"} in found[
        SUB_A.digits
    ]["pending_invitations"]
    # A login customer that does not reach SUB_A: Google's refusal, nothing registered.
    as_sub_b = Cli(
        Path(tree_cli.env["HOME"]), {**tree_cli.env, "GOOGLE_ADS_LOGIN_CUSTOMER_ID": SUB_B.digits}
    )
    refused = as_sub_b(
        "--mcc", str(SUB_A), "clients", "add", str(PENDING_A), "--name", "X", check=1
    )
    assert "USER_PERMISSION_DENIED" in refused.stderr
