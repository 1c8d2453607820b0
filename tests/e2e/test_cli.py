"""End to end: the ``mcclink`` command against ``mcclink emulator serve``, as a user runs it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.e2e.conftest import MCC, Cli, Served

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
    cli("links", "cancel", PADARIA, check=1)  # not registered: the store says so
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
    red = broken("doctor", check=1)
    assert "GOOGLE_ADS_REFRESH_TOKEN" in red.stdout
    assert cli.env["GOOGLE_ADS_CLIENT_SECRET"] not in red.stdout + red.stderr
