"""``mcclink monitor``'s follow-ups (``mcclink.followups``): a reminder pass that cannot run
does not keep the agency from being told; the cycle is printed with the pass's error, and
``--once`` exits with that error's code (2: a setting)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.e2e.conftest import Cli
from tests.fixtures.webhook_receiver import Receiver, closed_port

PADARIA = "1112223333"
SECRET = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c"


def test_monitor_tells_the_agency_when_the_mail_server_is_down_then_exits_2(
    sqlite_cli: Cli, home: Path, receiver: Receiver
) -> None:
    cli = Cli(
        home,
        {
            **sqlite_cli.env,
            "MCC_MAIL_URL": f"smtp://127.0.0.1:{closed_port()}",
            "MCC_MAIL_FROM": "ads@agency.example",
            "MCC_PUBLIC_URL": "http://127.0.0.1:8080",
            "MCC_REMIND_AT": "1s",
            "MCC_ALERT_PENDING_AGE": "1s",
            "MCC_WEBHOOK_URL": receiver.url,
            "MCC_WEBHOOK_SECRET": SECRET,
        },
    )
    cli("clients", "add", PADARIA, "--name", "Padaria", "--email", "padaria@example.com")
    time.sleep(1.5)  # the first reminder is due, the invitation pending too long

    done = cli("monitor", "--once", "--json", check=2)

    report = json.loads(done.stdout)
    assert report["reminders"] is None
    assert "MCC_MAIL_URL: cannot reach the mail server" in report["reminders_error"]
    assert (report["alerts"]["fired"], report["alerts_error"]) == (["pending_overdue"], None)
    human = cli("monitor", "--once", check=2)
    assert "✗ reminders not sent:" in human.stderr
    assert "MCC_MAIL_URL: cannot reach the mail server" in human.stderr
    events = [r.headers.get("X-Mcclink-Event") for r in receiver.received]
    assert "alert.pending_overdue" in events
    history = cli.json("history", PADARIA)
    assert "REMIND" not in {entry["operation"] for entry in history}  # nothing claimed
