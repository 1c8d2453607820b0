"""``mcclink links hide | unhide | move`` as a user runs them, on SQLite and on DynamoDB (moto),
against an emulator serving a tree: the agency's MCC, its sub-manager SUB and another
agency's manager OUTSIDE."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import MCC, Cli, Served, serve_emulator

SUB = "2000000001"
OUTSIDE = "3000000001"
CLOSED = "2000000002"
PADARIA = "1112223333"
ACAI = "2223334444"
INVITED = "8889990000"
GHOST = "9999999999"
UNREGISTERED = f"client {GHOST} is not registered under MCC {MCC}"

TREE = {
    "managers": [
        {"id": MCC, "name": "Agência"},
        {"id": SUB, "name": "Time Sul", "managed_by": MCC},
        {"id": CLOSED, "name": "Time Norte", "managed_by": MCC, "status": "CANCELED"},
        {"id": OUTSIDE, "name": "Outra agência"},
    ],
    "clients": [
        {"id": PADARIA, "name": "Padaria", "linked_to": [MCC]},
        {"id": ACAI, "name": "Açaí", "linked_to": [MCC]},
        {"id": INVITED, "name": "Convidada", "invited_by": [MCC]},
    ],
}


@pytest.fixture
def tree(home: Path) -> Iterator[Served]:
    served = serve_emulator(home, TREE)
    yield served
    served.process.send_signal(signal.SIGINT)
    served.process.wait(timeout=10)


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def cli(request: pytest.FixtureRequest, home: Path, tree: Served) -> Cli:
    """The CLI on each store, with the tree's links already read by one monitor cycle."""
    if request.param == "sqlite":
        store = f"sqlite:///{home / 'mcclink.db'}"
    else:
        request.getfixturevalue("moto_endpoint")  # the session's AWS environment points at it
        store = f"dynamodb://?region=us-east-1&prefix=e2e{uuid.uuid4().hex[:8]}-"
    cli = Cli(home, {**tree.env, "MCC_STORE": store})
    if request.param == "dynamodb":
        cli("tables", "create")
    cli("monitor", "--once")
    return cli


def history(cli: Cli, customer: str, *mcc: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = cli.json(*mcc, "history", customer)
    return entries


def google_links(cli: Cli, *mcc: str) -> dict[str, dict[str, Any]]:
    return {link["customer_id"]: link for link in cli.json(*mcc, "links", "list")}


def test_hide_unhide_and_move_change_google_and_the_store(cli: Cli) -> None:
    hidden = cli.json("links", "hide", PADARIA, "222-333-4444")
    assert sorted(c["customer_id"] for c in hidden["done"]) == [PADARIA, ACAI]
    assert all(c["hidden"] for c in hidden["done"])
    assert hidden["failed"] == []
    assert google_links(cli)[PADARIA]["hidden"] is True

    again = cli("links", "hide", PADARIA)
    assert "1 done (1 NOOP), 0 failed" in again.stdout
    assert history(cli, PADARIA)[0]["outcome"] == "NOOP"

    shown = cli.json("links", "unhide", ACAI)
    assert shown["done"][0]["hidden"] is False
    assert google_links(cli)[ACAI]["hidden"] is False
    assert [e["operation"] for e in history(cli, ACAI)[:2]] == ["UNHIDE", "HIDE"]

    moved = cli.json("links", "move", PADARIA, "--to", "200-000-0001")
    [client] = moved["done"]
    assert (client["mcc_customer_id"], client["status"]) == (SUB, "APPROVED")
    assert client["hidden"] is False  # the new link is shown
    assert google_links(cli, "--mcc", SUB)[PADARIA]["status"] == "APPROVED"
    assert google_links(cli)[PADARIA]["status"] == "UNLINKED"
    gone = cli("clients", "show", PADARIA, check=2).stderr.replace("\n", " ")
    assert "it was moved to 200-000-0001 on " in gone  # no longer under the MCC
    assert f"mcclink --mcc 200-000-0001 clients show {PADARIA}" in gone
    left = history(cli, PADARIA)[0]  # the manager left keeps the move
    assert (left["operation"], left["mcc_customer_id"]) == ("MOVE", MCC)
    assert left["details"] == {"from_mcc": MCC, "to_mcc": SUB}
    cli("monitor", "--once", "--import-all")  # the link the move ended is not imported
    assert PADARIA not in {c["customer_id"] for c in cli.json("clients", "list")}
    assert cli.json("--mcc", SUB, "clients", "show", PADARIA)["status"] == "APPROVED"
    entry = history(cli, PADARIA, "--mcc", SUB)[0]
    assert (entry["operation"], entry["outcome"]) == ("MOVE", "SUCCESS")
    assert entry["details"] == {"from_mcc": MCC, "to_mcc": SUB}
    assert entry["request_id"]

    as_sub = Cli(Path(cli.env["HOME"]), {**cli.env, "GOOGLE_ADS_LOGIN_CUSTOMER_ID": SUB})
    table = as_sub("--mcc", SUB, "links", "move", PADARIA, "--to", MCC, check=1)
    assert "ManagerLinkError.CLIENT_OUTSIDE_TREE" in table.stderr
    # No login customer set: a sub-manager of MCC_CUSTOMER_ID is acted on through it.
    back = cli.json("--mcc", SUB, "links", "move", PADARIA, "--to", MCC)
    assert back["done"][0]["mcc_customer_id"] == MCC


#: Bad input, each refused with exit 2 and a message naming the problem.
BAD_INPUT = [
    (("links", "hide", "12-34"), "invalid Google Ads customer id '12-34'"),
    (("links", "hide", INVITED), "cannot hide 888-999-0000: the link is PENDING"),
    (("links", "unhide", GHOST), UNREGISTERED),
    (("links", "move", PADARIA, "--to", "abc"), "--to"),
    (("links", "move", PADARIA), "Missing option '--to'"),
    (("links", "move", PADARIA, "--to", MCC), "that is the manager it is under"),
    (("links", "move", PADARIA, "--to", PADARIA), "that is the client itself"),
    (("links", "move", INVITED, "--to", SUB), "move needs an APPROVED link"),
    (("links", "move", GHOST, "--to", SUB), UNREGISTERED),
    (("links", "move", PADARIA, "--to", ACAI), "it is a client account, not a manager"),
    (("links", "move", PADARIA, "--to", GHOST), "it is no enabled manager your login reaches"),
    (("links", "move", PADARIA, "--to", CLOSED), "AuthorizationError.CUSTOMER_NOT_ENABLED"),
    (("links", "move", INVITED, "--to", ACAI), "cannot move 888-999-0000 to 222-333-4444: it is"),
]


def test_bad_input_exits_2_naming_the_problem_and_writes_nothing(cli: Cli) -> None:
    before = {c: history(cli, c) for c in (PADARIA, INVITED)}

    for args, said in BAD_INPUT:
        done = cli(*args, check=2)
        assert said in done.stderr.replace("\n", " "), (args, done.stderr)
        assert "Traceback" not in done.stderr

    assert {c: history(cli, c) for c in (PADARIA, INVITED)} == before
    assert google_links(cli)[PADARIA]["status"] == "APPROVED"
    assert cli.json("clients", "show", PADARIA)["last_error"] is None
    assert cli.json("--mcc", SUB, "clients", "list") == []
    assert cli.json("stats")["errors_by_code"] == {}  # no Google failure counted


def test_googles_refusal_exits_1_and_is_recorded_with_both_managers(cli: Cli) -> None:
    refused = cli.json("links", "move", PADARIA, "--to", OUTSIDE, check=1)

    assert refused["done"] == []
    assert refused["failed"][0]["code"] == "ManagerLinkError.CLIENT_OUTSIDE_TREE"
    entry = history(cli, PADARIA)[0]
    assert (entry["operation"], entry["outcome"]) == ("MOVE", "FAILED")
    assert entry["error_code"] == "ManagerLinkError.CLIENT_OUTSIDE_TREE"
    assert entry["details"] == {"from_mcc": MCC, "to_mcc": OUTSIDE}
    assert cli.json("clients", "show", PADARIA)["status"] == "APPROVED"
