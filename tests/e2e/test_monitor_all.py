"""``mcclink monitor --all`` / ``--tree`` in a subprocess, against the test session's
emulator loaded with ``tests.hierarchy_tree``, on SQLite and on DynamoDB (moto)."""

from __future__ import annotations

import json
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mcclink.domain import CustomerId
from mcclink.emulator import Emulator
from tests.e2e.conftest import Cli, cli_on_store
from tests.hierarchy_tree import (
    ACAI,
    CLOSED_SUB,
    DEEP,
    LOST,
    PADARIA,
    ROOT,
    SUB_A,
    SUB_A1,
    SUB_B,
    load_tree,
)


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def tree_cli(request: pytest.FixtureRequest, home: Path, fresh_emulator: Emulator) -> Cli:
    """The CLI on each store, the emulator holding the tree; no MCC_CUSTOMER_ID."""
    load_tree(fresh_emulator)
    env = fresh_emulator.env()
    return cli_on_store(request, home, env)


def register(cli: Cli, manager: CustomerId, client: CustomerId) -> None:
    cli("--mcc", str(manager), "clients", "add", str(client), "--name", "Anunciante", "--no-invite")


def register_then_close(cli: Cli, emulator: Emulator) -> None:
    """LOST registered under CLOSED_SUB while it was open (a closed manager is refused at
    registration), then CLOSED_SUB cancelled, as the tree has it."""
    closed = emulator.state.account(CLOSED_SUB.digits)
    assert closed is not None
    closed.status = "ENABLED"
    register(cli, CLOSED_SUB, LOST)
    closed.status = "CANCELED"


def lines(done: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines()]


def after(run: dict[str, Any], client: CustomerId) -> str:
    """The status the run gave ``client``."""
    (change,) = [c for c in run["changes"] if c["customer_id"] == client.digits]
    return str(change["status_after"])


def monitor_entries(cli: Cli, manager: CustomerId) -> list[dict[str, Any]]:
    entries = cli.json("--mcc", str(manager), "history")
    return [e for e in entries if e["operation"] == "MONITOR"]


def test_every_manager_of_the_store_one_failing_the_others_synced(
    tree_cli: Cli, fresh_emulator: Emulator
) -> None:
    register(tree_cli, ROOT, PADARIA)
    register(tree_cli, SUB_B, ACAI)
    register_then_close(tree_cli, fresh_emulator)  # Google answers CUSTOMER_NOT_ENABLED for it

    done = tree_cli("monitor", "--all", "--json", "--concurrency", "2", check=1)

    *runs, last = lines(done)
    by_mcc = {run["mcc_customer_id"]: run for run in runs}
    assert sorted(by_mcc) == sorted(m.digits for m in (ROOT, SUB_B, CLOSED_SUB))
    assert last["summary"]["managers"] == 3
    assert last["summary"]["failed"] == [CLOSED_SUB.digits]
    assert sorted(last["summary"]["synced"]) == [ROOT.digits, SUB_B.digits]
    assert "CUSTOMER_NOT_ENABLED" in by_mcc[CLOSED_SUB.digits]["error"]["code"]
    assert after(by_mcc[ROOT.digits], PADARIA) == "APPROVED"
    assert after(by_mcc[SUB_B.digits], ACAI) == "APPROVED"
    for manager in (ROOT, SUB_B, CLOSED_SUB):
        (entry,) = monitor_entries(tree_cli, manager)
        assert entry["outcome"] == ("FAILED" if manager == CLOSED_SUB else "SUCCESS")
    (closed,) = monitor_entries(tree_cli, CLOSED_SUB)
    assert closed["error_code"].endswith("CUSTOMER_NOT_ENABLED")
    assert tree_cli.json("--mcc", str(SUB_B), "clients", "show", str(ACAI))["status"] == "APPROVED"


def test_a_person_sees_each_manager_and_the_failure_named(
    tree_cli: Cli, fresh_emulator: Emulator
) -> None:
    register(tree_cli, ROOT, PADARIA)
    register_then_close(tree_cli, fresh_emulator)

    done = tree_cli("monitor", "--all", check=1)

    assert f"MCC {ROOT}: 6 link(s) at Google" in done.stdout
    assert f"MCC {CLOSED_SUB}" in done.stderr
    assert "2 manager(s)" in done.stdout
    assert f"failed: {CLOSED_SUB}" in done.stdout


def test_the_tree_syncs_every_enabled_manager_and_names_the_cancelled_one(tree_cli: Cli) -> None:
    register(tree_cli, SUB_A1, DEEP)

    done = tree_cli("--mcc", str(ROOT), "monitor", "--tree", "--json")

    *runs, last = lines(done)
    managers = {run["mcc_customer_id"] for run in runs}
    assert managers == {m.digits for m in (ROOT, SUB_A, SUB_A1, SUB_B)}
    assert last["summary"]["failed"] == []
    assert last["summary"]["skipped"] == [
        {"mcc_customer_id": CLOSED_SUB.digits, "status": "CANCELED"}
    ]
    deep = next(run for run in runs if run["mcc_customer_id"] == SUB_A1.digits)
    assert after(deep, DEEP) == "APPROVED"
    assert monitor_entries(tree_cli, CLOSED_SUB) == []  # not tried: nothing recorded


def test_a_person_sees_the_skipped_manager_and_its_status(tree_cli: Cli) -> None:
    done = tree_cli("--mcc", str(ROOT), "monitor", "--tree")

    assert "4 manager(s)" in done.stdout
    assert f"skipped, not enabled at Google Ads: {CLOSED_SUB} (CANCELED)" in done.stdout
    assert "failed" not in done.stdout
    assert done.stderr == ""


def test_with_all_a_cancelled_manager_with_clients_fails_saying_what_to_do(
    tree_cli: Cli, fresh_emulator: Emulator
) -> None:
    register_then_close(tree_cli, fresh_emulator)

    done = tree_cli("monitor", "--all", "--json", check=1)

    run, last = lines(done)
    assert last["summary"]["failed"] == [CLOSED_SUB.digits]
    message = run["error"]["message"]
    assert f"manager {CLOSED_SUB} is not enabled at Google Ads" in message
    assert "the clients registered under it are not monitored" in message
    assert f"`mcclink --mcc {CLOSED_SUB} clients archive`" in message


def test_no_more_managers_at_once_than_the_concurrency(
    home: Path, fresh_emulator: Emulator
) -> None:
    load_tree(fresh_emulator)
    cli = Cli(home, {**fresh_emulator.env(), "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"})
    for manager, client in ((ROOT, PADARIA), (SUB_B, ACAI), (SUB_A1, DEEP)):
        register(cli, manager, client)
    fresh_emulator.state.set_knobs(latency_ms=400)

    *runs, _ = lines(cli("monitor", "--all", "--json", "--concurrency", "2"))

    spans = [
        (started, started + timedelta(milliseconds=run["duration_ms"]))
        for run in runs
        for started in [datetime.fromisoformat(run["started_at"])]
    ]
    assert len(spans) == 3
    at_once = max(sum(a <= start < b for a, b in spans) for start, _ in spans)
    assert at_once == 2


def test_every_interval_a_cycle_over_every_manager_until_sigterm(
    home: Path, fresh_emulator: Emulator
) -> None:
    load_tree(fresh_emulator)
    cli = Cli(home, {**fresh_emulator.env(), "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"})
    register(cli, ROOT, PADARIA)
    register(cli, SUB_B, ACAI)
    process = cli.popen("monitor", "--all", "--every", "1s", "--json")
    assert process.stdout is not None

    summaries = 0
    while summaries < 2:
        if "summary" in json.loads(process.stdout.readline()):
            summaries += 1
    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=30) == 0
    assert len(monitor_entries(cli, ROOT)) >= 2
    assert len(monitor_entries(cli, SUB_B)) >= 2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--mcc", "123-456-7890", "monitor", "--all"), "drop --mcc"),
        (("monitor", "--all", "--concurrency", "0"), "--concurrency 0 is out of range"),
        (("monitor", "--all", "--tree"), "either --all"),
        (("monitor", "--concurrency", "3"), "--concurrency applies to --all or --tree"),
    ],
)
def test_bad_input_is_refused_before_any_cycle(
    tree_cli: Cli, args: tuple[str, ...], named: str
) -> None:
    register(tree_cli, ROOT, PADARIA)

    done = tree_cli(*args, check=2)

    assert named in done.stderr
    assert monitor_entries(tree_cli, ROOT) == []
