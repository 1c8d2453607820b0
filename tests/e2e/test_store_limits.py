"""#14 items 8, 9 and 12 as a user meets them: ambiguous CSV headers, fields over the
limits, and store paths that are typos or not databases; each exit 2, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli, Served
from tests.e2e.test_scripts import SCRIPTS

PADARIA, SOL, LUA = "111-222-3333", "222-333-4444", "333-444-5555"


def stored(cli: Cli) -> list[str]:
    return [c["customer_id"] for c in cli.json("clients", "list")]


def invitations(served: Served) -> int:
    state = served.admin("/_emulator/state")
    return sum(p.get("invitations_sent", 0) for p in state.get("pairs", state.get("links", [])))


@pytest.mark.parametrize(
    ("header", "row", "columns"),
    [
        ("customer_id,name,googleAdsCustomerId", f"{PADARIA},Padaria,{SOL}", "googleAdsCustomerId"),
        ("customer_id;name;nome", f"{PADARIA};Padaria;Sol", "'nome'"),
        ("customer_id,name,email,e-mail", f"{PADARIA},Padaria,a@b.com,c@d.com", "'e-mail'"),
    ],
)
def test_a_header_naming_a_field_twice_invites_no_one(
    sqlite_cli: Cli, emulator_process: Served, home: Path, header: str, row: str, columns: str
) -> None:
    csv = home / "clients.csv"
    csv.write_text(f"{header}\n{row}\n", encoding="utf-8")

    refused = sqlite_cli("clients", "import", str(csv), "--invite", check=2)

    assert "both name the field" in refused.stderr
    assert columns in refused.stderr
    assert "Traceback" not in refused.stderr
    assert stored(sqlite_cli) == []
    assert invitations(emulator_process) == 0


def test_an_import_with_a_row_over_the_limits_writes_no_row(cli: Cli, home: Path) -> None:
    # 100 KB: over the attribute limit, under the csv module's own field limit (128 KB).
    csv = home / "clients.csv"
    csv.write_text(
        f"customer_id,name,notes\n{PADARIA},Padaria,ok\n{SOL},Sol,ok\n{LUA},Lua,{'x' * 100_000}\n",
        encoding="utf-8",
    )

    refused = cli("clients", "import", str(csv), check=2)

    assert "line 4" in refused.stderr
    assert "the attribute 'notes' has 100,000 characters: at most 2,048" in refused.stderr
    assert "xxxxxxxxxx" not in refused.stderr
    assert stored(cli) == []


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (("--name", "N" * 300), "the name has 300 characters: at most 255"),
        (("--name", "Padaria\nSol"), "U+000A"),
        (("--name", "Padaria", "--email", "padaria.example.com"), "invalid e-mail"),
    ],
)
def test_clients_add_refuses_fields_over_the_limits(
    cli: Cli, args: tuple[str, ...], phrase: str
) -> None:
    refused = cli("clients", "add", PADARIA, *args, "--no-invite", check=2)

    assert phrase in refused.stderr
    assert stored(cli) == []


def test_the_create_client_script_refuses_a_500_kb_name(sqlite_cli: Cli) -> None:
    payload = {"name": "N" * 500_000, "googleAdsCustomerId": PADARIA, "sendMccInvitation": False}

    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "create_client.py")],
        capture_output=True,
        text=True,
        env=sqlite_cli.env,
        input=json.dumps(payload),
        timeout=120,
    )

    assert done.returncode == 2
    assert "at most 255" in done.stdout + done.stderr
    assert stored(sqlite_cli) == []


def test_a_store_in_a_missing_directory_is_refused_and_not_created(
    sqlite_cli: Cli, home: Path
) -> None:
    missing = home / "typo-dir" / "sub"

    refused = sqlite_cli("--store", f"sqlite://{missing}/x.db", "clients", "list", check=2)

    assert f"{missing} does not exist" in refused.stderr
    assert f"mkdir -p {missing}" in refused.stderr
    assert not (home / "typo-dir").exists()


def test_the_default_store_directory_is_still_made(sqlite_cli: Cli, home: Path) -> None:
    default = Cli(home, {k: v for k, v in sqlite_cli.env.items() if k != "MCC_STORE"})

    default("clients", "list")

    assert (home / "data" / "mcclink" / "mcclink.db").is_file()


def test_a_file_that_is_not_a_database_is_exit_2_and_left_alone(
    sqlite_cli: Cli, home: Path
) -> None:
    notes = home / "notes.txt"
    notes.write_text("customer_id,name\n", encoding="utf-8")

    refused = sqlite_cli("--store", f"sqlite://{notes}", "clients", "list", check=2)

    assert f"{notes} is not a SQLite database" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert notes.read_text(encoding="utf-8") == "customer_id,name\n"
