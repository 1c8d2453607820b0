"""``scripts/monitor_mcc_status.py`` checks the whole MCC as a monitor cycle does, and has
the same follow-ups (``mcclink.followups``): the due reminder is mailed, the alert told."""

from __future__ import annotations

import time
from pathlib import Path

from mcclink.emulator.mailbox import Mailbox
from tests.e2e.conftest import Cli
from tests.e2e.test_scripts import script

PADARIA = "1112223333"
ADVERTISER, OPS = "padaria@example.com", "ops@agency.example"


def test_the_monitor_script_mails_the_due_reminder_and_the_alert(
    sqlite_cli: Cli, home: Path, mailbox: Mailbox
) -> None:
    cli = Cli(
        home,
        {
            **sqlite_cli.env,
            "MCC_MAIL_URL": mailbox.url,
            "MCC_MAIL_FROM": "ads@agency.example",
            "MCC_PUBLIC_URL": "http://127.0.0.1:8080",
            "MCC_REMIND_AT": "1s",
            "MCC_ALERT_EMAIL": OPS,
            "MCC_ALERT_PENDING_AGE": "1s",
        },
    )
    cli("clients", "add", PADARIA, "--name", "Padaria", "--email", ADVERTISER)
    time.sleep(1.5)  # the first reminder is due, the invitation pending too long

    code, result = script(cli, "monitor_mcc_status.py")
    again_code, again = script(cli, "monitor_mcc_status.py")

    assert (code, result["success"]) == (0, True), result
    assert result["reminders"]["sent"] == 1
    assert result["alerts"]["fired"] == ["pending_overdue"]
    assert "followUpErrors" not in result
    assert (again_code, again["reminders"]["sent"], again["alerts"]["fired"]) == (0, 0, [])
    assert sorted(str(m["To"]) for m in mailbox.messages) == [OPS, ADVERTISER]
