"""Alerts end to end: ``mcclink monitor`` against the emulator mails the agency through a real
SMTP sink, at most once per condition and day across runs, and ``mcclink alerts`` shows them."""

from __future__ import annotations

import time
from pathlib import Path

from mcclink.emulator.mailbox import Mailbox
from tests.e2e.conftest import Cli

PADARIA = "1112223333"
AGENCY = "ops@agency.example"


def alerting(cli: Cli, home: Path, sink: Mailbox) -> Cli:
    return Cli(
        home,
        {
            **cli.env,
            "MCC_MAIL_URL": sink.url,
            "MCC_MAIL_FROM": "mcclink <alerts@agency.example>",
            "MCC_PUBLIC_URL": "http://127.0.0.1:8080",
            "MCC_ALERT_EMAIL": AGENCY,
            "MCC_ALERT_PENDING_AGE": "1s",
        },
    )


def test_monitor_mails_each_condition_once_and_its_resolution_once(
    sqlite_cli: Cli, home: Path, mailbox: Mailbox
) -> None:
    cli = alerting(sqlite_cli, home, mailbox)
    cli("clients", "add", PADARIA, "--name", "Padaria São João")
    time.sleep(1.5)  # past MCC_ALERT_PENDING_AGE

    first = cli.json("monitor", "--once")
    second = cli.json("monitor", "--once")

    assert first["alerts"]["fired"] == ["pending_overdue"]
    assert second["alerts"] == {"fired": [], "resolved": [], "message_ids": [], "errors": []}
    (mail,) = mailbox.messages
    assert mail["To"] == AGENCY
    assert mail["Subject"] == "[mcclink] MCC 123-456-7890: Invitations pending too long"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None
    assert "111-222-3333 Padaria São João: invited" in text.get_content()
    assert html is not None
    assert "<b>Invitations pending too long</b>" in html.get_content()
    assert mail["Message-ID"] == first["alerts"]["message_ids"][0]

    shown = cli.json("alerts")
    assert [a["kind"] for a in shown["alerts"]] == ["pending_overdue"]
    assert shown["alerts"][0]["last_notified_at"] is not None
    assert shown["settings"]["emails"] == [AGENCY]

    # The advertiser refuses: the pending alert clears, a refusal rate of 100% begins.
    cli("emulator", "respond", PADARIA, "--refuse")
    third = cli.json("monitor", "--once")
    fourth = cli.json("monitor", "--once")

    assert third["alerts"]["fired"] == ["refusal_rate"]
    assert third["alerts"]["resolved"] == ["pending_overdue"]
    assert fourth["alerts"]["fired"] == fourth["alerts"]["resolved"] == []
    assert len(mailbox.messages) == 2
    assert mailbox.messages[1]["Subject"] == "[mcclink] MCC 123-456-7890: 1 alert(s), 1 resolved"
    text_out = cli("alerts").stdout
    assert "High refusal rate: high refusal rate: 1 of the last 1 answer(s) refused" in text_out


def test_bad_alert_settings_stop_monitor_before_a_cycle(sqlite_cli: Cli, home: Path) -> None:
    cli = Cli(
        home,
        {
            **sqlite_cli.env,
            "MCC_ALERT_EMAIL": "ops@agency.example",
            "MCC_ALERT_REFUSAL_RATE": "2",
        },
    )

    done = cli("monitor", "--once", check=2)

    assert "MCC_ALERT_REFUSAL_RATE '2': expected the share of refusals" in done.stderr
    assert "MCC_ALERT_EMAIL is set but MCC_MAIL_URL is not" in done.stderr
    assert "MONITOR" not in cli("history", "--json").stdout


def test_alerts_and_stats_refuse_a_bad_threshold_before_opening_the_store(
    home: Path,
) -> None:
    db = home / "never.db"
    cli = Cli(
        home,
        {
            "MCC_CUSTOMER_ID": "1234567890",
            "MCC_STORE": f"sqlite:///{db}",
            "MCC_ALERT_REFUSAL_WINDOW": "0",
        },
    )

    for command in ("alerts", "stats"):
        done = cli(command, check=2)
        assert "MCC_ALERT_REFUSAL_WINDOW '0': expected how many of the last answers" in done.stderr

    assert not db.exists()
