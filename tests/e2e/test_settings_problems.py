"""#14 item 13: one error lists every settings problem (the MCC, ``GOOGLE_ADS_*``, the
webhook, the public URL), exit 2, for the CLI and the scripts, ``doctor`` included; nothing
is written first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import MCCLINK, clean_env
from tests.e2e.test_scripts import SCRIPTS

MISSING_MCC = "no MCC given"
MISSING_GOOGLE = ("GOOGLE_ADS_CLIENT_ID", "GOOGLE_ADS_CLIENT_SECRET", "GOOGLE_ADS_REFRESH_TOKEN")


def run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``args`` with no settings at all but ``env`` and a store in ``home``."""
    environ = {**clean_env(home), "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}", **env}
    return subprocess.run(
        args, capture_output=True, text=True, env=environ, stdin=subprocess.DEVNULL, timeout=60
    )


def assert_one_error_lists(output: str, *phrases: str) -> None:
    assert output.count("configuration problem(s)") == 1, output
    for phrase in phrases:
        assert phrase in output, phrase


@pytest.mark.parametrize(
    "args",
    [
        ("links", "invite", "111-222-3333"),
        ("links", "list"),
        ("links", "status", "111-222-3333"),
        ("clients", "add", "111-222-3333", "--name", "Padaria"),
        ("accounts", "create", "--name", "Loja", "--currency", "BRL", "--time-zone", "UTC"),
    ],
)
def test_commands_that_call_google_list_the_mcc_and_google_problems_at_once(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    done = run(tmp_path, MCCLINK, *args)

    assert done.returncode == 2
    assert_one_error_lists(done.stderr, MISSING_MCC, *MISSING_GOOGLE)
    assert not (tmp_path / "mcclink.db").exists()  # refused before the store was opened


def test_monitor_lists_the_webhook_problems_with_the_others(tmp_path: Path) -> None:
    done = run(tmp_path, MCCLINK, "monitor", MCC_WEBHOOK_URL="ftp://crm")

    assert done.returncode == 2
    assert_one_error_lists(
        done.stderr, MISSING_MCC, *MISSING_GOOGLE, "MCC_WEBHOOK_URL must be", "MCC_WEBHOOK_SECRET"
    )


def test_onboard_link_lists_the_public_url_and_the_mcc(tmp_path: Path) -> None:
    done = run(tmp_path, MCCLINK, "onboard", "link")

    assert done.returncode == 2
    assert_one_error_lists(done.stderr, "MCC_PUBLIC_URL is not set", MISSING_MCC)


def test_store_only_commands_still_ask_only_for_the_mcc(tmp_path: Path) -> None:
    done = run(tmp_path, MCCLINK, "clients", "list")

    assert done.returncode == 2
    assert MISSING_MCC in done.stderr
    assert "GOOGLE_ADS" not in done.stderr


def test_doctor_exits_2_with_every_settings_problem_in_one_check(tmp_path: Path) -> None:
    done = run(tmp_path, MCCLINK, "doctor", "--json", MCC_CUSTOMER_ID="12-34")

    assert done.returncode == 2
    settings = json.loads(done.stdout)[0]
    assert settings["check"] == "settings"
    assert_one_error_lists(settings["detail"], "MCC_CUSTOMER_ID: invalid", *MISSING_GOOGLE)


def test_the_system_test_script_exits_2_for_missing_settings(tmp_path: Path) -> None:
    done = run(tmp_path, sys.executable, str(SCRIPTS / "test_mcc_system.py"))

    result = json.loads(done.stdout)
    assert (done.returncode, result["success"], result["exitCode"]) == (2, False, 2)
    assert_one_error_lists(result["checks"][0]["detail"], MISSING_MCC, *MISSING_GOOGLE)


def test_create_client_registers_nothing_when_it_cannot_invite(tmp_path: Path) -> None:
    payload = '{"name": "Padaria", "googleAdsCustomerId": "1112223333"}'

    done = run(
        tmp_path,
        sys.executable,
        str(SCRIPTS / "create_client.py"),
        "--params",
        payload,
        MCC_CUSTOMER_ID="1234567890",
    )

    result = json.loads(done.stdout)
    assert (done.returncode, result["errorType"]) == (2, "ConfigurationError")
    assert_one_error_lists(result["error"], *MISSING_GOOGLE)
    listed = run(tmp_path, MCCLINK, "clients", "list", "--json", MCC_CUSTOMER_ID="1234567890")
    assert json.loads(listed.stdout) == []


def test_web_lists_no_way_in_the_mcc_the_webhook_and_onboarding_at_once(tmp_path: Path) -> None:
    done = run(
        tmp_path,
        MCCLINK,
        "web",
        "--port",
        "0",
        MCC_WEBHOOK_URL="ftp://crm",
        MCC_ONBOARDING_CLIENT_ID="web-client",
    )

    assert done.returncode == 2
    assert_one_error_lists(
        done.stderr,
        "nobody could sign in",
        MISSING_MCC,
        "MCC_WEBHOOK_URL must be",
        "MCC_ONBOARDING_CLIENT_SECRET is not set",
    )
