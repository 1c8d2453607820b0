"""``mcclink remind`` as a user runs it: against ``mcclink emulator serve``, mailing the
real SMTP sink, on both stores. ``MCC_REMIND_AT=1s,1h``: the first step is due a second
after the invitation, with no clock tricks."""

from __future__ import annotations

import json
import re
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from mcclink.emulator.mailbox import Mailbox
from tests.e2e.conftest import Cli
from tests.fixtures.webhook_receiver import closed_port

PADARIA = "1112223333"
ANA = "ana@padaria.com.br"
PUBLIC_URL = "http://127.0.0.1:8080"
AGENCY = "Agência Demo"


def mailing(cli: Cli, home: Path, mailbox: Mailbox, **more: str) -> Cli:
    """The same CLI, with mail to the sink and reminders one second after the invitation."""
    env = {
        **cli.env,
        "MCC_MAIL_URL": mailbox.url,
        "MCC_MAIL_FROM": "ads@agencia.example.com",
        "MCC_PUBLIC_URL": PUBLIC_URL,
        "MCC_AGENCY_NAME": AGENCY,
        "MCC_REMIND_AT": "1s,1h",
        **more,
    }
    return Cli(home, env)


def invited(cli: Cli) -> None:
    """Padaria registered and invited, with Ana's address; then its first step is due."""
    cli("clients", "add", PADARIA, "--name", "Padaria São João", "--email", ANA)
    time.sleep(1.2)


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


def test_remind_mails_each_step_once_with_the_onboarding_link(
    cli: Cli, home: Path, mailbox: Mailbox
) -> None:
    mail = mailing(cli, home, mailbox)
    invited(mail)

    planned = mail.json("remind", "--dry-run")
    assert [(d["customer_id"], d["step"], d["email"]) for d in planned["due"]] == [
        (PADARIA, 1, ANA)
    ]
    assert mailbox.messages == []

    sent = mail.json("remind")
    again = mail.json("remind")

    assert (sent["sent"], sent["failed"], again["due"], again["sent"]) == (1, 0, [], 0)
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert (message["To"], message["List-Unsubscribe-Post"]) == (
        ANA,
        "List-Unsubscribe=One-Click",
    )
    assert message["Subject"].startswith(f"Lembrete: {AGENCY}")
    text, html = _part(message, "plain"), _part(message, "html")
    url = re.search(rf"{re.escape(PUBLIC_URL)}/onboard/[\w.-]+(?=\s)", text)
    assert url is not None
    assert url.group(0) in html
    assert message["List-Unsubscribe"] == f"<{url.group(0)}/unsubscribe>"
    assert "Aceitar permite" in text
    history = mail.json("history", PADARIA)
    reminds = [e for e in history if e["operation"] == "REMIND"]
    assert [(e["outcome"], e["details"]["step"]) for e in reminds] == [("SUCCESS", "1")]
    assert reminds[0]["details"]["message_id"] == message["Message-ID"]
    assert url.group(0).rsplit("/", 1)[1] not in str(history)


def test_monitor_sends_the_due_reminders_after_its_cycle(
    sqlite_cli: Cli, home: Path, mailbox: Mailbox
) -> None:
    mail = mailing(sqlite_cli, home, mailbox)
    invited(mail)

    cycle = mail.json("monitor", "--once")

    assert cycle["reminders"]["sent"] == 1
    assert len(mailbox.messages) == 1
    assert sqlite_cli.json("monitor", "--once")["reminders"] is None


def test_preview_renders_without_storing_or_sending(
    sqlite_cli: Cli, home: Path, mailbox: Mailbox
) -> None:
    mail = mailing(sqlite_cli, home, mailbox, MCC_LOCALE="en")
    invited(mail)

    shown = mail("remind", "preview", PADARIA).stdout
    html = mail("remind", "preview", PADARIA, "--html").stdout

    assert f"To: {ANA}" in shown
    assert f"Subject: Reminder: {AGENCY} is waiting" in shown
    assert "Accepting lets the agency" in shown
    assert "<!DOCTYPE html>" in html
    assert mailbox.messages == []
    assert "REMIND" not in {e["operation"] for e in mail.json("history", PADARIA)}


@pytest.mark.parametrize(
    ("more", "phrases"),
    [
        ({"MCC_REMIND_AT": "1d,soon"}, ["MCC_REMIND_AT", "invalid duration", "1d,3d,7d"]),
        ({"MCC_REMIND_AT": "3d,1d"}, ["MCC_REMIND_AT", "does not increase"]),
        ({"MCC_MAIL_URL": ""}, ["MCC_MAIL_URL", "not configured"]),
        ({"MCC_PUBLIC_URL": ""}, ["MCC_PUBLIC_URL"]),
        ({"MCC_MAIL_URL": f"smtp://127.0.0.1:{closed_port()}"}, ["MCC_MAIL_URL"]),
        ({"MCC_MAIL_URL": "smtp://ana:{password}@127.0.0.1:{port}"}, ["MCC_MAIL_URL"]),
    ],
)
def test_bad_reminder_settings_exit_2_naming_the_setting(
    sqlite_cli: Cli, home: Path, mailbox: Mailbox, more: dict[str, str], phrases: list[str]
) -> None:
    good = mailing(sqlite_cli, home, mailbox)
    invited(good)
    before = good.json("history", PADARIA)
    password = "s3cret-Pa55word"
    more = {k: v.format(password=password, port=mailbox.port) for k, v in more.items()}

    done = mailing(sqlite_cli, home, mailbox, **more)("remind", check=2)

    for phrase in phrases:
        assert phrase in done.stderr
    assert password not in done.stdout + done.stderr
    assert mailbox.messages == []
    assert good.json("history", PADARIA) == before


def test_preview_of_a_client_without_an_address_exits_2(
    sqlite_cli: Cli, home: Path, mailbox: Mailbox
) -> None:
    mail = mailing(sqlite_cli, home, mailbox)
    mail("clients", "add", PADARIA, "--name", "Padaria São João")

    done = mail("remind", "preview", PADARIA, check=2)

    assert "has no e-mail address" in done.stderr


def test_four_remind_processes_at_once_send_one_message(
    cli: Cli, home: Path, mailbox: Mailbox
) -> None:
    mail = mailing(cli, home, mailbox)
    invited(mail)

    runs = [mail.popen("remind", "--json") for _ in range(4)]
    reports = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        reports.append(json.loads(out))

    assert sum(r["sent"] for r in reports) == 1
    assert len(mailbox.messages) == 1
    reminds = [e for e in mail.json("history", PADARIA) if e["operation"] == "REMIND"]
    assert len(reminds) == 1
