"""The spec's five scripts, run as the original system's runner runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Cli, clean_env
from tests.fixtures.webhook_receiver import Receiver

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def script(cli: Cli, name: str, *args: str, stdin: str | None = None) -> tuple[int, Any]:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args],
        capture_output=True,
        text=True,
        env=cli.env,
        input=stdin if stdin is not None else "",
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else done.stderr


@pytest.mark.parametrize(
    "name",
    [
        "create_client.py",
        "manage_mcc_links.py",
        "monitor_mcc_status.py",
        "test_mcc_system.py",
        "exemplo_uso_mcc.py",
    ],
)
def test_every_script_has_help(name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / name), "--help"],
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        timeout=60,
    )
    assert done.returncode == 0
    assert "usage:" in done.stdout


def test_create_client_takes_the_runners_payload_on_stdin(sqlite_cli: Cli) -> None:
    payload = {
        "name": "Empresa ABC",
        "email": "contato@empresaabc.com",
        "googleAdsCustomerId": "111-222-3333",
        "sendMccInvitation": True,
    }
    code, result = script(sqlite_cli, "create_client.py", stdin=json.dumps(payload))
    assert code == 0
    assert result["success"] is True
    assert result["clientId"] == "1112223333"
    assert result["mccStatus"] == "PENDING"
    assert result["invitationSent"] is True


def test_create_client_reports_a_refused_invitation_with_exit_1(sqlite_cli: Cli) -> None:
    payload = {"name": "Pet Shop", "googleAdsCustomerId": "5556667777"}
    code, result = script(sqlite_cli, "create_client.py", "--params", json.dumps(payload))
    assert code == 1
    assert result["success"] is False
    assert result["mccStatus"] == "NOT_LINKED"
    assert result["invitationSent"] is False
    assert "MANAGERS" in result["errorCode"]


def test_scripts_refuse_bad_payloads_with_exit_2(sqlite_cli: Cli) -> None:
    code, result = script(sqlite_cli, "create_client.py", "--params", "{not json")
    assert code == 2
    assert "not valid JSON" in result["error"]
    code, result = script(
        sqlite_cli, "create_client.py", "--params", '{"name": "X", "googleAdsCustomerId": "12"}'
    )
    assert code == 2
    assert result["error"].startswith("googleAdsCustomerId: invalid Google Ads customer id '12'")


def test_manage_and_monitor_scripts_follow_a_link(sqlite_cli: Cli) -> None:
    sqlite_cli("clients", "add", "2223334444", "--name", "Açaí & Cia", "--no-invite")
    code, invited = script(
        sqlite_cli, "manage_mcc_links.py", "--action", "invite", "--customer-id", "222-333-4444"
    )
    assert (code, invited["mccStatus"]) == (0, "PENDING")
    sqlite_cli("emulator", "respond", "2223334444", "--accept")
    code, status = script(
        sqlite_cli,
        "manage_mcc_links.py",
        "--params",
        '{"action": "status", "customerId": "2223334444"}',
    )
    assert (code, status["googleStatus"], status["client"]["status"]) == (0, "ACTIVE", "PENDING")
    code, monitored = script(sqlite_cli, "monitor_mcc_status.py", stdin='{"pendingHours": 24}')
    assert code == 0
    assert monitored["changes"] == [{"clientId": "2223334444", "from": "PENDING", "to": "APPROVED"}]
    assert monitored["statistics"]["by_status"]["APPROVED"] == 1


def test_system_test_script_runs_doctor_and_the_whole_flow(sqlite_cli: Cli) -> None:
    code, doctor = script(sqlite_cli, "test_mcc_system.py")
    assert code == 0
    checks = {c["check"] for c in doctor["checks"]}
    assert checks == {
        "settings", "google ads", "mcc", "store", "onboarding", "staff sign-in", "mail"
    }  # fmt: skip
    code, e2e = script(sqlite_cli, "test_mcc_system.py", "--e2e")
    assert code == 0
    assert e2e["success"] is True
    checked = len(doctor["checks"])
    assert [c["check"] for c in e2e["checks"][:checked]] == [c["check"] for c in doctor["checks"]]
    assert len(e2e["checks"]) == checked + 9
    assert {"check": "8889990000 ends APPROVED", "ok": True, "detail": "APPROVED"} in e2e["checks"]


def test_the_usage_examples_run_on_the_emulator(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "exemplo_uso_mcc.py")],
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    output = "\n".join(json.loads(done.stdout)["output"])
    assert "1. Padaria São João: PENDING" in output
    assert "TOO_MANY_MANAGERS" in output
    assert "status kept: NOT_LINKED" in output


def test_the_monitor_script_delivers_webhooks_when_configured(
    sqlite_cli: Cli, home: Path, receiver: Receiver
) -> None:
    hooked = Cli(
        home,
        {
            **sqlite_cli.env,
            "MCC_WEBHOOK_URL": receiver.url,
            "MCC_WEBHOOK_SECRET": "scripts-webhook-secret-0123456789",
        },
    )
    hooked("clients", "add", "111-222-3333", "--name", "Padaria", "--no-invite")
    code, monitored = script(hooked, "monitor_mcc_status.py", stdin="{}")
    assert code == 0
    assert monitored["webhooks"]["delivered"] == 1
    assert receiver.received[0].json["entry"]["operation"] == "REGISTER"
