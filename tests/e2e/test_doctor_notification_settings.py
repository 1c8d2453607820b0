"""``mcclink doctor``'s settings check names the reminder and alert settings' problems too
(``MCC_REMIND_AT``, ``MCC_ALERT_*``), in the same one error as the MCC's and Google Ads'."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import MCCLINK
from tests.e2e.test_settings_problems import MISSING_GOOGLE, assert_one_error_lists, run


def test_doctor_lists_reminder_and_alert_problems_with_the_others_in_one_check(
    tmp_path: Path,
) -> None:
    done = run(
        tmp_path,
        MCCLINK,
        "doctor",
        "--json",
        MCC_CUSTOMER_ID="12-34",
        MCC_REMIND_AT="3d,1d",
        MCC_ALERT_REFUSAL_RATE="2",
        MCC_ALERT_PENDING_AGE="two days",
        MCC_ALERT_EMAIL="ops@agency.example",
    )

    assert done.returncode == 2
    checks = json.loads(done.stdout)
    assert [c["check"] for c in checks] == [
        "settings", "google ads", "mcc", "store", "onboarding", "staff sign-in", "mail"
    ]  # fmt: skip
    assert_one_error_lists(
        checks[0]["detail"],
        "MCC_CUSTOMER_ID: invalid",
        *MISSING_GOOGLE,
        "MCC_REMIND_AT='3d,1d' does not increase",
        "MCC_ALERT_REFUSAL_RATE '2'",
        "MCC_ALERT_PENDING_AGE 'two days'",
        "MCC_ALERT_EMAIL is set but MCC_MAIL_URL is not",
    )


def test_doctor_passes_the_settings_check_with_good_reminder_and_alert_settings(
    tmp_path: Path,
) -> None:
    done = run(
        tmp_path,
        MCCLINK,
        "doctor",
        "--json",
        MCC_CUSTOMER_ID="1234567890",
        MCC_REMIND_AT="30s,2m",
        MCC_ALERT_REFUSAL_RATE="0.3",
    )

    settings = json.loads(done.stdout)[0]
    # Google Ads is not configured here: only the reminder and alert settings must pass.
    assert "MCC_REMIND_AT" not in settings["detail"]
    assert "MCC_ALERT" not in settings["detail"]
