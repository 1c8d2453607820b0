"""docs/hierarchy.md's walkthrough, run as written: the emulator serves the shipped
docs/examples/tree.json and every ``mcclink`` line of the walkthrough runs in order, so the
page and its scenario cannot drift from what the CLI does."""

from __future__ import annotations

import json
import re
import shlex
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Cli, Served, serve_emulator

ROOT_DIR = Path(__file__).resolve().parents[2]
PAGE = ROOT_DIR / "docs" / "hierarchy.md"
SCENARIO = ROOT_DIR / "docs" / "examples" / "tree.json"

ROOT, SUL, NORTE, PORTO_ALEGRE = "1234567890", "2220000001", "2220000002", "2220000011"
LESTE = "2220000003"  # CANCELED
PADARIA, PET_SHOP, ACAI, OFICINA = "1112223333", "4445556666", "2223334444", "3334445555"
LIVRARIA, SORVETERIA, FLORICULTURA, CAFE = "6667778888", "7778889999", "8889990000", "9990001111"
MERCADO = "5556667777"  # under LESTE


def walkthrough_commands() -> list[tuple[list[str], int]]:
    """The ``mcclink`` lines of the page's step-by-step block, comments dropped, in order
    (starting the emulator is the fixture's part), each with the exit code its comment
    names (``exit 2``), else 0."""
    block = PAGE.read_text(encoding="utf-8").split("## Step by step", 1)[1].split("```")[1]
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["mcclink"] and words[1:3] != ["emulator", "serve"]:
            said = re.search(r"#.*\bexit (\d)", line)
            commands.append((words[1:], int(said.group(1)) if said else 0))
    return commands


@pytest.fixture
def tree(home: Path) -> Iterator[Served]:
    served = serve_emulator(home, json.loads(SCENARIO.read_text(encoding="utf-8")))
    yield served
    served.process.send_signal(signal.SIGINT)
    served.process.wait(timeout=10)


@pytest.fixture
def cli(home: Path, tree: Served) -> Cli:
    return Cli(home, {**tree.env, "MCC_STORE": f"sqlite:///{home / 'tree.db'}"})


def accounts(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["customer_id"]: a for a in tree["accounts"]}


def test_the_page_serves_the_shipped_scenario() -> None:
    page = PAGE.read_text(encoding="utf-8")

    assert "mcclink emulator serve --scenario docs/examples/tree.json" in page
    assert len(walkthrough_commands()) >= 8
    assert (["links", "move", "111-222-3333", "--to", "222-000-0003"], 2) in walkthrough_commands()


def test_the_shipped_tree_is_what_the_page_draws(cli: Cli) -> None:
    tree = cli.json("hierarchy")

    assert (tree["root"], tree["unreachable"]) == (ROOT, 1)  # LESTE, cancelled
    found = accounts(tree)
    parents = {cid: a["parent"] for cid, a in found.items()}
    assert parents == {
        ROOT: None,
        PADARIA: ROOT,
        SUL: ROOT,
        NORTE: ROOT,
        LESTE: ROOT,
        ACAI: SUL,
        PORTO_ALEGRE: SUL,
        LIVRARIA: NORTE,
        SORVETERIA: PORTO_ALEGRE,
    }  # nothing below LESTE: Google reads none of it
    invited = {
        cid: [p["customer_id"] for p in a["pending_invitations"] or ()]
        for cid, a in found.items()
        if a["manager"]
    }
    assert invited == {
        ROOT: [PET_SHOP],
        SUL: [OFICINA],
        NORTE: [],
        PORTO_ALEGRE: [FLORICULTURA],
        LESTE: [],
    }
    assert found[SORVETERIA]["level"] == 3
    assert not any(a["registered"] for a in found.values())
    assert (found[LESTE]["status"], found[LESTE]["error"]["code"]) == (
        "CANCELED",
        "AuthorizationError.CUSTOMER_NOT_ENABLED",
    )
    drawn = cli("hierarchy").stdout
    assert "Time Leste 222-000-0003 (manager, CANCELED)" in drawn
    assert "1 sub-manager(s) could not be read" in drawn


def test_every_step_of_the_walkthrough_succeeds_and_leaves_the_tree_it_describes(
    cli: Cli,
) -> None:
    for args, code in walkthrough_commands():
        cli(*args, check=code)

    found = accounts(cli.json("hierarchy"))
    assert found[PADARIA]["parent"] == SUL  # moved
    assert (found[PADARIA]["registered"], found[PADARIA]["link_status"]) == (True, "APPROVED")
    assert found[LIVRARIA]["hidden"] is True
    assert {"customer_id": CAFE, "registered": True, "link_status": "PENDING"} in found[SUL][
        "pending_invitations"
    ]
    assert found[SORVETERIA]["registered"] is True  # imported by monitor --tree
    move, *before = cli.json("--mcc", SUL, "history", PADARIA)
    assert (move["operation"], move["details"]) == ("MOVE", {"from_mcc": ROOT, "to_mcc": SUL})
    assert "MOVE" not in [e["operation"] for e in before]  # the refused move wrote nothing
    assert cli.json("--mcc", LESTE, "history") == []  # skipped by --tree, never tried
    assert MERCADO not in {c["customer_id"] for c in cli.json("--mcc", LESTE, "clients", "list")}


def test_a_tree_run_skips_the_cancelled_sub_manager_and_a_move_to_it_is_refused(cli: Cli) -> None:
    lines = cli("monitor", "--tree", "--json").stdout.splitlines()  # one per manager, then all

    summary = json.loads(lines[-1])["summary"]
    assert summary["skipped"] == [{"mcc_customer_id": LESTE, "status": "CANCELED"}]
    assert sorted(summary["synced"]) == [ROOT, SUL, NORTE, PORTO_ALEGRE]
    assert (summary["managers"], summary["failed"]) == (4, [])
    refused = cli("links", "move", PADARIA, "--to", "222-000-0003", check=2)
    assert "cannot move 111-222-3333 to 222-000-0003" in refused.stderr
    assert "CUSTOMER_NOT_ENABLED" in refused.stderr
    assert "nothing was changed" in refused.stderr
    [padaria] = [c for c in cli.json("clients", "list") if c["customer_id"] == PADARIA]
    assert (padaria["mcc_customer_id"], padaria["last_error"]) == (ROOT, None)
    assert [e["operation"] for e in cli.json("history", PADARIA)] == ["IMPORT"]  # only


# -- what the newcomer review found, on the same tree ------------------------------------------


def test_a_bulk_run_that_changed_some_clients_exits_with_its_failures_code(cli: Cli) -> None:
    cli("monitor", "--tree")

    # PADARIA is hidden; PET_SHOP's invitation is PENDING and CAFE is not registered: bad input.
    mixed = cli.json("links", "hide", PADARIA, PET_SHOP, CAFE, check=2)

    assert [c["customer_id"] for c in mixed["done"]] == [PADARIA]
    assert sorted(f["customer_id"] for f in mixed["failed"]) == [PET_SHOP, CAFE]
    assert mixed["noop"] == []
    links = {link["customer_id"]: link for link in cli.json("links", "list")}
    assert links[PADARIA]["hidden"] is True  # changed, though the run exits 2
    again = cli.json("links", "unhide", PADARIA, PADARIA, LIVRARIA, check=2)  # not ROOT's
    assert [c["customer_id"] for c in again["done"]] == [PADARIA]
    assert [f["customer_id"] for f in again["failed"]] == [LIVRARIA]


@pytest.mark.parametrize("depth", ["101", "99999999999999999999"])
def test_a_depth_past_the_apis_bound_is_refused_naming_it(cli: Cli, depth: str) -> None:
    refused = cli("hierarchy", "--depth", depth, check=2)

    assert "'--depth': Input should be less than or equal to 100" in refused.stderr
    assert refused.stdout == ""


def test_the_deepest_depth_allowed_reads_the_tree_and_the_help_names_the_range(cli: Cli) -> None:
    assert len(cli.json("hierarchy", "--depth", "100")["accounts"]) == 9

    assert "Levels below the MCC to read, 1 to 100" in cli("hierarchy", "--help").stdout


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        (("links", "move"), "Usage: mcclink links move [OPTIONS] {CUSTOMER_ID}"),
        (("links", "hide"), "Usage: mcclink links hide [OPTIONS] {CUSTOMER_ID}..."),
        (("clients", "show"), "Usage: mcclink clients show [OPTIONS] {CUSTOMER_ID}"),
        (("history",), "Usage: mcclink history [OPTIONS] [CUSTOMER_ID]"),
        (("onboard", "revoke"), "Usage: mcclink onboard revoke [OPTIONS] {LINK_ID}"),
    ],
)
def test_help_and_usage_errors_name_the_arguments_as_the_docs_do(
    home: Path, command: tuple[str, ...], usage: str
) -> None:
    bare = Cli(home, {})

    assert usage in bare(*command, "--help").stdout
    if "{" in usage:  # a required argument left out: the usage line says it too
        assert usage in bare(*command, check=2).stderr


def test_stats_says_so_when_a_manager_has_no_clients(cli: Cli) -> None:
    text = cli("--mcc", NORTE, "stats").stdout

    assert f"MCC {NORTE[:3]}-{NORTE[3:6]}-{NORTE[6:]}: 0 client(s)\n  no clients\n" in text


def test_doctor_says_when_mcc_customer_ids_names_no_manager(home: Path, tree: Served) -> None:
    env = {**tree.env, "MCC_STORE": f"sqlite:///{home / 'tree.db'}"}
    listed = Cli(home, {**env, "MCC_CUSTOMER_IDS": f"{SUL},{ACAI},987-654-3210"})

    checks = {c["check"]: c for c in listed.json("doctor", check=2)}

    assert checks["mcc"]["ok"] is False
    detail = checks["mcc"]["detail"]
    assert "MCC_CUSTOMER_IDS: 222-333-4444 is a client account, not a manager" in detail
    assert "MCC_CUSTOMER_IDS: 987-654-3210 is no enabled manager your login reaches" in detail
    assert "CUSTOMER_NOT_FOUND" in detail
    assert "222-000-0001" not in detail  # a manager: fine
    fine = Cli(home, {**env, "MCC_CUSTOMER_IDS": f"{SUL},{NORTE}"}).json("doctor")
    mcc = next(c for c in fine if c["check"] == "mcc")
    assert "MCC_CUSTOMER_IDS: 2 more manager(s), each a manager" in mcc["detail"]
