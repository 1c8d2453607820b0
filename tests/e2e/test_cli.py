"""End to end: the ``mcclink`` command against ``mcclink emulator serve``, as a user runs it."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import MCC, MCCLINK, Cli, Served, clean_env

PADARIA, ACAI, OFICINA, PET_SHOP = "1112223333", "2223334444", "3334445555", "5556667777"
GHOST = "9876543210"


def statuses(cli: Cli) -> dict[str, str]:
    return {c["customer_id"]: c["status"] for c in cli.json("clients", "list")}


def test_the_whole_lifecycle(cli: Cli) -> None:
    added = cli.json("clients", "add", "111-222-3333", "--name", "Padaria São João")
    assert added["status"] == "PENDING"
    assert added["customer_id"] == PADARIA
    assert added["mcc_customer_id"] == MCC
    assert isinstance(added["manager_link_id"], int)

    cli("emulator", "respond", PADARIA, "--accept")
    cycle = cli.json("monitor", "--once")
    assert cycle["changes"] == [
        {
            "customer_id": PADARIA,
            "status_before": "PENDING",
            "status_after": "APPROVED",
            "imported": False,
        }
    ]
    assert cli.json("monitor", "--once")["changes"] == []

    cli("links", "unlink", PADARIA)
    again = cli.json("links", "invite", PADARIA)
    assert again["done"][0]["status"] == "PENDING"
    assert again["done"][0]["manager_link_id"] != added["manager_link_id"]
    cli("emulator", "respond", PADARIA, "--refuse")
    cli("monitor", "--once")

    shown = cli.json("clients", "show", PADARIA)
    assert shown["status"] == "REJECTED"
    trail = [(h["operation"], h["status_before"], h["status_after"]) for h in shown["history"]]
    assert trail == [
        ("SYNC", "PENDING", "REJECTED"),
        ("INVITE", "UNLINKED", "PENDING"),
        ("UNLINK", "APPROVED", "UNLINKED"),
        ("SYNC", "PENDING", "APPROVED"),
        ("INVITE", "NOT_LINKED", "PENDING"),
        ("REGISTER", None, "NOT_LINKED"),
    ]
    assert all(h["request_id"] for h in shown["history"][:-1])


def test_google_refusals_keep_the_true_status_and_exit_1(cli: Cli) -> None:
    failed = cli("clients", "add", PET_SHOP, "--name", "Pet Shop", check=1)
    assert "5 managers" in failed.stderr or "managers" in failed.stderr
    ghost = cli("clients", "add", GHOST, "--name", "Fantasma", check=1)
    assert "9876543210" in ghost.stderr or "987-654-3210" in ghost.stderr
    clients = {c["customer_id"]: c for c in cli.json("clients", "list")}
    assert clients[PET_SHOP]["status"] == "NOT_LINKED"
    assert clients[PET_SHOP]["last_error"]["code"]
    assert clients[GHOST]["status"] == "NOT_LINKED"
    history = cli.json("history", PET_SHOP)
    assert history[0]["outcome"] == "FAILED"
    assert history[0]["request_id"]


def test_bad_input_exits_2_and_changes_nothing(cli: Cli) -> None:
    cli("clients", "add", "12-34", "--name", "X", check=2)
    cli("clients", "add", MCC, "--name", "A própria MCC", "--no-invite", check=2)
    cli("clients", "list", "--status", "ACCEPTED", check=2)
    cli("--store", "sqlit:///x.db", "clients", "list", check=2)
    cli("--mcc", "abc", "clients", "list", check=2)
    cli("links", "cancel", PADARIA, check=2)  # not registered
    cli("clients", "show", PADARIA, check=2)
    cli("clients", "add", PADARIA, "--name", "Padaria", "--no-invite")
    cancelled = cli("links", "cancel", PADARIA, check=2)
    assert "NOT_LINKED" in cancelled.stderr
    assert statuses(cli) == {PADARIA: "NOT_LINKED"}


def test_csv_import_reports_every_bad_row_then_imports_with_skip_invalid(
    cli: Cli, home: Path
) -> None:
    csv = home / "clientes.csv"
    csv.write_text(
        "customer_id;name;email\n"
        "111-222-3333;Padaria São João;padaria@example.com\n"
        "12345;Curto;\n"
        "222-333-4444;Açaí & Cia;\n"
        "111-222-3333;Padaria São João;padaria@example.com\n"
        "333-444-5555;Oficina do Zé;\n",
        encoding="utf-8-sig",
    )
    refused = cli("clients", "import", str(csv), "--invite", check=2)
    assert "line 3" in refused.stderr
    assert "line 5" in refused.stderr
    assert statuses(cli) == {}

    done = cli.json("clients", "import", str(csv), "--invite", "--skip-invalid")
    assert done["imported"] == 3
    assert len(done["invitations"]["done"]) == 3
    rerun = cli.json("clients", "import", str(csv), "--invite", "--skip-invalid")
    assert rerun["imported"] == 0
    assert rerun["skipped_existing"] == 3
    assert rerun["invitations"]["done"] == []
    assert set(statuses(cli).values()) == {"PENDING"}


def test_monitor_imports_links_made_outside_this_store(cli: Cli, home: Path) -> None:
    other = Cli(home, {**cli.env, "MCC_STORE": f"sqlite:///{home / 'other.db'}"})
    other("clients", "add", OFICINA, "--name", "Oficina do Zé")
    cycle = cli.json("monitor", "--once")
    assert cycle["changes"] == [
        {"customer_id": OFICINA, "status_before": None, "status_after": "PENDING", "imported": True}
    ]
    assert cli.json("history", OFICINA)[0]["operation"] == "IMPORT"


def test_a_crash_after_google_answered_is_recovered_by_rerunning(
    sqlite_cli: Cli, emulator_process: Served, home: Path
) -> None:
    cli = sqlite_cli
    cli("clients", "add", ACAI, "--name", "Açaí & Cia", "--no-invite")
    emulator_process.admin("/_emulator/knobs", {"latency_ms": 1500})
    db = sqlite3.connect(home / "mcclink.db", isolation_level=None)
    # Hold the store's write lock after the write-ahead mark, so the CLI gets Google's
    # answer but cannot record it; then kill it there.
    process = cli.popen("links", "invite", ACAI)
    cli.wait_for(
        lambda: (
            db.execute(
                "SELECT pending_operation FROM Clients WHERE customer_id=?", (ACAI,)
            ).fetchone()
            == ("INVITE",)
        )
    )
    db.execute("BEGIN EXCLUSIVE")
    cli.wait_for(lambda: _invitations(emulator_process, ACAI) == 1)
    process.kill()
    process.wait()
    db.execute("ROLLBACK")
    db.close()
    emulator_process.admin("/_emulator/knobs", {"latency_ms": 0})
    assert statuses(cli)[ACAI] == "NOT_LINKED"

    recovered = cli.json("links", "invite", ACAI)
    assert recovered["done"][0]["status"] == "PENDING"
    assert _invitations(emulator_process, ACAI) == 1
    assert "recovered" in json.dumps(cli.json("history", ACAI)[0])


def _invitations(served: Served, client: str) -> int:
    state = served.admin("/_emulator/state")
    return sum(
        pair.get("invitations_sent", 0)
        for pair in state.get("pairs", state.get("links", []))
        if pair.get("client") == client
    )


def test_doctor_is_green_on_the_emulator_and_red_without_credentials(cli: Cli, home: Path) -> None:
    green = cli.json("doctor")
    assert all(check["ok"] for check in green)
    broken = Cli(home, {k: v for k, v in cli.env.items() if k != "GOOGLE_ADS_REFRESH_TOKEN"})
    red = broken("doctor", check=2)
    assert "GOOGLE_ADS_REFRESH_TOKEN" in red.stdout
    assert cli.env["GOOGLE_ADS_CLIENT_SECRET"] not in red.stdout + red.stderr


def test_monitor_every_stops_cleanly_on_sigterm_after_finishing_its_cycle(cli: Cli) -> None:
    cli("clients", "add", PADARIA, "--name", "Padaria São João")
    process = cli.popen("monitor", "--every", "1s", "--json")
    assert process.stdout is not None
    first = process.stdout.readline()
    cli("emulator", "respond", PADARIA, "--accept")
    cycles = [json.loads(first)]
    while not any(c["changes"] for c in cycles):
        cycles.append(json.loads(process.stdout.readline()))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert cycles[-1]["changes"][0]["status_after"] == "APPROVED"
    assert statuses(cli) == {PADARIA: "APPROVED"}


def test_accounts_respond_stats_and_history(cli: Cli) -> None:
    created = cli.json(
        "accounts",
        "create",
        "--name",
        "Loja Nova",
        "--currency",
        "BRL",
        "--time-zone",
        "America/Sao_Paulo",
    )
    assert created["status"] == "APPROVED"
    cli("clients", "add", ACAI, "--name", "Açaí & Cia")
    answered = cli.json("links", "respond", ACAI, "--accept")
    assert answered["done"][0]["status"] == "APPROVED"
    stats = cli.json("stats")
    assert stats["by_status"]["APPROVED"] == 2
    assert stats["acceptance_rate"] == 1.0
    since = cli.json("history", "--since", "2000-01-01")
    assert {h["operation"] for h in since} >= {"CREATE_ACCOUNT", "REGISTER", "INVITE", "RESPOND"}
    cli("history", "--since", "yesterday", check=2)
    cli("accounts", "create", "--name", "X", "--currency", "REAL", "--time-zone", "UTC", check=2)


def test_store_only_commands_never_load_the_google_ads_library_or_the_web_server(
    sqlite_cli: Cli, home: Path
) -> None:
    sqlite_cli("clients", "add", PADARIA, "--name", "Padaria", "--no-invite")
    heavy = ("google.ads", "grpc", "fastapi", "starlette", "uvicorn")
    probe = (
        "import sys\nfrom mcclink.cli import main\nsys.argv = ['mcclink', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', any(m.startswith({heavy!r}) for m in sys.modules))"
    )
    commands = (
        ["clients", "list"],
        ["clients", "show", PADARIA],
        ["history"],
        ["stats"],
        ["onboard", "list"],
        ["--help"],
    )
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-c", probe, *command],
            capture_output=True,
            text=True,
            env=sqlite_cli.env,
            timeout=60,
        )
        assert done.stdout.strip().endswith("LOADED False"), (command, done.stdout, done.stderr)


def test_every_command_has_help_with_an_example(home: Path) -> None:
    import typer.main

    from mcclink.cli import app

    root = typer.main.get_command(app)
    pending: list[tuple[list[str], Any]] = [([], root)]
    seen = 0
    while pending:
        path, command = pending.pop()
        sub = getattr(command, "commands", None)
        if sub:
            pending.extend(([*path, name], c) for name, c in sub.items())
            continue
        seen += 1
        assert command.help, path
        assert "Example:" in command.help, path
    assert seen >= 20
    done = subprocess.run(
        [MCCLINK, "links", "invite", "--help"],
        capture_output=True,
        text=True,
        env=clean_env(home),
        timeout=60,
    )
    assert done.returncode == 0
    assert "Example" in done.stdout


def test_bulk_invite_reports_the_retries_transient_faults_cost(
    sqlite_cli: Cli, emulator_process: Served
) -> None:
    ids = [PADARIA, ACAI, OFICINA]
    for cid in ids:
        sqlite_cli("clients", "add", cid, "--name", f"Cliente {cid}", "--no-invite")
    emulator_process.admin("/_emulator/knobs", {"fault_rate": 0.5, "seed": 7})
    result = sqlite_cli.json("links", "invite", *ids)
    emulator_process.admin("/_emulator/knobs", {"fault_rate": 0.0})
    assert sorted(c["customer_id"] for c in result["done"]) == sorted(ids)
    assert result["retries"] > 0
    assert all(_invitations(emulator_process, cid) == 1 for cid in ids)
