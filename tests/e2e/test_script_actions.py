"""#14 item 7: each script does what its help says. The monitor with ``customerId`` checks
that client only; ``manage_mcc_links.py list`` lists the links at Google; ``test_mcc_system.py
--e2e`` runs the doctor checks too and honours ``--store``; ``exemplo_uso_mcc.py --real``
acts only on ids it is given."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from mcclink.cli.demo import EXPECTED
from tests.e2e.conftest import Cli, clean_env
from tests.e2e.test_scripts import SCRIPTS, script

PADARIA, ACAI = "1112223333", "2223334444"


def statuses(cli: Cli, *store: str) -> dict[str, str]:
    return {c["customer_id"]: c["status"] for c in cli.json(*store, "clients", "list")}


def test_the_monitor_with_a_customer_id_checks_only_that_client(sqlite_cli: Cli) -> None:
    for cid in (PADARIA, ACAI):
        sqlite_cli("clients", "add", cid, "--name", f"Cliente {cid}")
        sqlite_cli("emulator", "respond", cid, "--accept")

    code, result = script(
        sqlite_cli, "monitor_mcc_status.py", stdin=f'{{"customerId": "{PADARIA}"}}'
    )

    assert code == 0
    assert result["checked"] == 1
    assert result["changes"] == [{"clientId": PADARIA, "from": "PENDING", "to": "APPROVED"}]
    assert result["client"]["status"] == "APPROVED"
    assert statuses(sqlite_cli) == {PADARIA: "APPROVED", ACAI: "PENDING"}


def test_the_monitor_refuses_an_unregistered_customer_id(sqlite_cli: Cli) -> None:
    sqlite_cli("clients", "add", PADARIA, "--name", "Padaria")
    sqlite_cli("emulator", "respond", PADARIA, "--accept")

    code, result = script(sqlite_cli, "monitor_mcc_status.py", stdin=f'{{"customerId": "{ACAI}"}}')

    assert (code, result["errorType"]) == (2, "ClientNotFound")
    assert statuses(sqlite_cli) == {PADARIA: "PENDING"}  # no cycle ran


def test_manage_list_lists_the_links_at_google_not_the_stores_clients(sqlite_cli: Cli) -> None:
    sqlite_cli("clients", "add", PADARIA, "--name", "Padaria")
    sqlite_cli("clients", "add", ACAI, "--name", "Açaí", "--no-invite")

    code, result = script(sqlite_cli, "manage_mcc_links.py", "--action", "list")

    assert code == 0
    assert result["links"] == sqlite_cli.json("links", "list")
    assert [(x["customer_id"], x["status"]) for x in result["links"]] == [(PADARIA, "PENDING")]


def test_the_system_test_with_e2e_honours_the_store(sqlite_cli: Cli, home: Path) -> None:
    store = f"sqlite:///{home / 'e2e.db'}"

    code, result = script(sqlite_cli, "test_mcc_system.py", "--e2e", "--store", store)

    assert code == 0, result
    assert result["checks"][0]["check"] == "settings"
    assert statuses(sqlite_cli, "--store", store) == {k: v.value for k, v in EXPECTED.items()}


def exemplo(env: dict[str, str], *args: str) -> tuple[int, Any]:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "exemplo_uso_mcc.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout)


def test_the_examples_on_a_real_mcc_need_the_ids_they_act_on(tmp_path: Path) -> None:
    env = {**clean_env(tmp_path), "MCC_STORE": f"sqlite:///{tmp_path / 'real.db'}"}

    for args in (("--real",), ("--real", "--customer-id", PADARIA)):
        code, result = exemplo(env, *args)
        assert (code, result["errorType"]) == (2, "InputError")
        assert "--customer-id 111-222-3333 --customer-id 555-666-7777" in result["error"]
    code, result = exemplo(env, "--real", "--customer-id", PADARIA, "--customer-id", ACAI)
    assert (code, result["errorType"]) == (2, "ConfigurationError")
    assert "no MCC given" in result["error"]
    assert "GOOGLE_ADS_REFRESH_TOKEN" in result["error"]
    assert not (tmp_path / "real.db").exists()


def test_the_examples_on_a_real_mcc_invite_only_the_ids_given(sqlite_cli: Cli) -> None:
    code, result = exemplo(
        sqlite_cli.env, "--real", "--customer-id", "333-444-5555", "--customer-id", ACAI
    )

    assert code == 0, result
    assert result["output"][0].startswith("1. Padaria São João: PENDING (link ")
    assert result["output"][1] == "2. invited: PENDING"
    invited = [x["customer_id"] for x in sqlite_cli.json("links", "list")]
    assert sorted(invited) == ["2223334444", "3334445555"]
