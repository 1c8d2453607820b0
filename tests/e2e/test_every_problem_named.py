"""#14 review: a refusal names every problem of the input, not only the first, so one
correction is enough: ``accounts create`` with a bad currency and a bad time zone, a CSV
row with a bad id, a blank name and a bad e-mail."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Cli, Served


def test_accounts_create_names_the_currency_and_the_time_zone(
    sqlite_cli: Cli, emulator_process: Served
) -> None:
    refused = sqlite_cli(
        "accounts", "create", "--name", " ", "--currency", "XYZ", "--time-zone", "Mars/Base",
        "--email", "a@b..co", check=2,
    )  # fmt: skip

    for phrase in (
        "non-blank --name",
        "invalid currency code 'XYZ'",
        "unknown time zone 'Mars/Base'",
        "invalid e-mail 'a@b..co'",
    ):
        assert phrase in refused.stderr
    assert emulator_process.admin("/_emulator/state")["calls"].get("CreateCustomerClient", 0) == 0
    assert sqlite_cli.json("history", "--since", "2000-01-01") == []


def test_an_import_row_names_each_of_its_problems(sqlite_cli: Cli, home: Path) -> None:
    csv = home / "clients.csv"
    csv.write_text(
        "customer_id,name,email,notes\n"
        "12345,,ze.example.com,ok\n"
        f"222-333-4444,Sol,sol@x..co,{'x' * 3000}\n",
        encoding="utf-8",
    )

    refused = sqlite_cli("clients", "import", str(csv), check=2)

    lines = [line.strip() for line in refused.stderr.splitlines()]
    [second] = [line for line in lines if line.startswith("line 2:")]
    for phrase in ("invalid Google Ads customer id '12345'", "blank name", "invalid e-mail"):
        assert phrase in second
    [third] = [line for line in lines if line.startswith("line 3:")]
    assert "222-333-4444: invalid e-mail 'sol@x..co'" in third
    assert "the attribute 'notes' has 3,000 characters: at most 2,048" in third
    assert sqlite_cli.json("clients", "list") == []


def test_clients_add_names_the_id_the_name_and_the_e_mail(sqlite_cli: Cli) -> None:
    refused = sqlite_cli(
        "clients", "add", "12345", "--name", "\u200b", "--email", "a@b..co", "--no-invite",
        check=2,
    )  # fmt: skip

    for phrase in (
        "invalid Google Ads customer id '12345'",
        "the client has a blank name",
        "the name holds U+200B",
        "invalid e-mail 'a@b..co'",
    ):
        assert phrase in refused.stderr
    assert sqlite_cli.json("clients", "list") == []
