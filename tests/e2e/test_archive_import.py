"""``clients archive`` and what ``monitor`` imports (#14 items 4 and 5), as a user runs them
against ``mcclink emulator serve``."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import MCC, Cli, Served

PADARIA, ACAI, OFICINA, FARMACIA = "1112223333", "2223334444", "3334445555", "4445556666"


def link_statuses(served: Served) -> dict[str, str]:
    return {k["client"]: k["status"] for k in served.admin("/_emulator/state")["links"]}


def test_monitor_imports_live_links_by_google_name_and_never_an_archived_client(
    cli: Cli, home: Path, emulator_process: Served
) -> None:
    elsewhere = Cli(home, {**cli.env, "MCC_STORE": f"sqlite:///{home / 'elsewhere.db'}"})
    for cid in (PADARIA, ACAI, OFICINA, FARMACIA):
        elsewhere("clients", "add", cid, "--name", "made elsewhere")
    elsewhere("emulator", "respond", PADARIA, "--accept")
    elsewhere("emulator", "respond", OFICINA, "--refuse")
    elsewhere("links", "cancel", FARMACIA)

    first = cli.json("monitor", "--once")

    assert {(c["customer_id"], c["status_after"]) for c in first["changes"]} == {
        (PADARIA, "APPROVED"),
        (ACAI, "PENDING"),
    }
    names = {c["customer_id"]: c["name"] for c in cli.json("clients", "list")}
    assert names == {PADARIA: "Padaria São João", ACAI: "Imported 222-333-4444"}

    refused = cli("clients", "archive", PADARIA, ACAI, check=2)
    assert "111-222-3333 is APPROVED, 222-333-4444 is PENDING" in refused.stderr
    assert "--cancel-link" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert set(names) == {c["customer_id"] for c in cli.json("clients", "list")}

    archived = cli("clients", "archive", PADARIA, ACAI, "--cancel-link")
    assert "archived 111-222-3333 (UNLINKED)" in archived.stdout
    assert "archived 222-333-4444 (CANCELLED)" in archived.stdout
    assert link_statuses(emulator_process)[PADARIA] == "INACTIVE"
    assert link_statuses(emulator_process)[ACAI] == "CANCELED"

    every = cli.json("monitor", "--once", "--import-all")
    assert {(c["customer_id"], c["status_after"]) for c in every["changes"]} == {
        (OFICINA, "REJECTED"),
        (FARMACIA, "CANCELLED"),
    }
    assert {c["customer_id"] for c in cli.json("clients", "list")} == {OFICINA, FARMACIA}
    assert cli.json("history", PADARIA)[0]["operation"] == "ARCHIVE"
    assert cli.json("history", MCC)[0]["operation"] == "MONITOR"


def test_mcc_import_all_links_must_be_yes_or_no(sqlite_cli: Cli) -> None:
    sqlite_cli.env["MCC_IMPORT_ALL_LINKS"] = "often"
    done = sqlite_cli("monitor", "--once", check=2)
    assert "MCC_IMPORT_ALL_LINKS 'often' is not a yes/no value" in done.stderr
