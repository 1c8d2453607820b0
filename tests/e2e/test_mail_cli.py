"""End to end: ``mcclink mail test`` and doctor's mail check, as a user runs them, against real
servers (the session's SMTP sink, strict aiosmtpd servers, SES on the moto server).

Bad settings (a malformed URL, an unreachable host, TLS refused, a wrong password) are exit 2
with a message naming the setting, and the password is never printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcclink.emulator.mailbox import Mailbox
from tests.e2e.conftest import Cli
from tests.fixtures.smtp import SesMail, body, free_port, outside_address, strict_smtp

PASSWORD = "Zq8-hunter2-secret"
SENDER = "Agência Sol <ads@example.com>"


def mail_cli(home: Path, url: str, **more: str) -> Cli:
    return Cli(home, {"MCC_MAIL_URL": url, "MCC_MAIL_FROM": SENDER, **more})


def doctor_mail(cli: Cli, check: int) -> dict[str, Any]:
    """The ``mail`` check of ``mcclink doctor --json`` (the other checks fail here: no MCC)."""
    checks = {c["check"]: c for c in cli.json("doctor", check=check)}
    mail: dict[str, Any] = checks["mail"]
    return mail


def test_mail_test_sends_one_multipart_message_through_the_setting(
    home: Path, mailbox: Mailbox
) -> None:
    cli = mail_cli(home, mailbox.url, MCC_MAIL_REPLY_TO="contato@example.com")
    done = cli("mail", "test", "--to", "ana@example.com")
    [got] = mailbox.wait_for(1)
    assert f"sent to ana@example.com through {mailbox.url}" in done.stdout
    assert got["Message-ID"] in done.stdout
    assert got["From"] == SENDER
    assert got["Reply-To"] == "contato@example.com"
    assert got["Subject"] == "Mensagem de teste do mcclink"
    assert "Esta é uma mensagem de teste do mcclink" in body(got, "plain")
    assert "<p>Esta é uma mensagem de teste do mcclink" in body(got, "html")
    assert got["List-Unsubscribe"] is None, "agency mail has no unsubscribe header"


def test_mail_test_json_and_english(home: Path, mailbox: Mailbox) -> None:
    cli = mail_cli(home, mailbox.url, MCC_LOCALE="en")
    answer = cli.json("mail", "test", "--to", "ana@example.com")
    [got] = mailbox.wait_for(1)
    assert answer == {
        "sent": True,
        "to": "ana@example.com",
        "via": mailbox.url,
        "message_id": got["Message-ID"],
    }
    assert got["Subject"] == "mcclink test message"


def test_mail_test_without_settings_says_what_to_set(home: Path) -> None:
    done = Cli(home, {})("mail", "test", "--to", "ana@example.com", check=2)
    assert "MCC_MAIL_URL is not set" in done.stderr
    assert "docs/mail.md" in done.stderr


def test_a_bad_recipient_is_exit_2_and_nothing_is_sent(home: Path, mailbox: Mailbox) -> None:
    done = mail_cli(home, mailbox.url)("mail", "test", "--to", "ana at example", check=2)
    assert "'ana at example' is not an e-mail address" in done.stderr
    assert mailbox.messages == []


@pytest.mark.parametrize(
    ("url", "phrases"),
    [
        (f"smtp://ana:{PASSWORD}@", ["MCC_MAIL_URL needs a host"]),
        (f"smtp://ana:{PASSWORD}@mail.example.com:70000", ["MCC_MAIL_URL is not a mail URL"]),
        (f"imap://ana:{PASSWORD}@mail.example.com", ["MCC_MAIL_URL has scheme 'imap://'"]),
        (f"ses://ana:{PASSWORD}@x?region=sa-east-1", ["ses:// takes no host or credentials"]),
    ],
)
def test_a_malformed_mail_url_is_exit_2_naming_it_never_the_password(
    home: Path, url: str, phrases: list[str]
) -> None:
    done = mail_cli(home, url)("mail", "test", "--to", "ana@example.com", check=2)
    for phrase in phrases:
        assert phrase in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_an_unreachable_host_is_exit_2_naming_the_setting(home: Path) -> None:
    port = free_port()
    cli = mail_cli(home, f"smtp://ana:{PASSWORD}@127.0.0.1:{port}")
    done = cli("mail", "test", "--to", "ana@example.com", check=2)
    doctor = doctor_mail(cli, check=2)
    for text in (done.stderr, doctor["detail"]):
        assert f"MCC_MAIL_URL: cannot reach the mail server smtp://127.0.0.1:{port}" in text
        assert "after 3 attempts" in text
    assert not doctor["ok"]
    assert PASSWORD not in done.stdout + done.stderr + doctor["detail"]


def test_a_wrong_password_is_exit_2_naming_the_setting_never_the_password(home: Path) -> None:
    with strict_smtp(user="ana", password="the-right-one") as server:
        cli = mail_cli(home, f"smtp://ana:{PASSWORD}@127.0.0.1:{server.port}")
        done = cli("mail", "test", "--to", "ana@example.com", check=2)
        doctor = doctor_mail(cli, check=2)
    for text in (done.stderr, doctor["detail"]):
        assert "MCC_MAIL_URL" in text
        assert "refused the user name and password" in text
    assert PASSWORD not in done.stdout + done.stderr + doctor["detail"]
    assert server.messages == []


def test_tls_refused_is_exit_2_naming_the_setting(home: Path, mailbox: Mailbox) -> None:
    implicit = mail_cli(home, f"smtps://127.0.0.1:{mailbox.port}")
    done = implicit("mail", "test", "--to", "ana@example.com", check=2)
    assert f"MCC_MAIL_URL: TLS with smtps://127.0.0.1:{mailbox.port} failed" in done.stderr
    assert "smtp:// (STARTTLS)" in done.stderr
    assert mailbox.messages == []


def test_no_starttls_beyond_loopback_is_exit_2_and_the_password_is_not_sent(home: Path) -> None:
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no address other than loopback")
    with strict_smtp(address, user="ana", password=PASSWORD) as server:
        cli = mail_cli(home, f"smtp://ana:{PASSWORD}@{address}:{server.port}")
        done = cli("mail", "test", "--to", "ana@example.com", check=2)
    assert f"MCC_MAIL_URL: smtp://{address}:{server.port} does not offer STARTTLS" in done.stderr
    assert server.messages == []
    assert PASSWORD not in done.stdout + done.stderr


def test_doctor_mail_is_optional_then_green_on_a_reachable_server(
    home: Path, mailbox: Mailbox
) -> None:
    optional = doctor_mail(Cli(home, {}), check=2)
    green = doctor_mail(mail_cli(home, mailbox.url), check=2)
    malformed = doctor_mail(Cli(home, {"MCC_MAIL_URL": "smtp://127.0.0.1:25"}), check=2)
    assert optional["ok"]
    assert "not configured (optional)" in optional["detail"]
    assert green["ok"]
    assert f"{mailbox.url} answers (plain SMTP to a loopback host)" in green["detail"]
    assert "sender Agência Sol <ads@example.com>" in green["detail"]
    assert not malformed["ok"]
    assert "MCC_MAIL_FROM is not set" in malformed["detail"]
    assert mailbox.messages == [], "doctor sends nothing"


def test_mail_test_through_ses(home: Path, ses_mail: SesMail) -> None:
    cli = Cli(home, ses_mail.environ)
    answer = cli.json("mail", "test", "--to", "ana@example.com")
    [got] = ses_mail.messages()
    doctor = doctor_mail(cli, check=2)
    assert doctor["ok"]
    verified = "ses://sa-east-1: ads@mcclink-tests.example.com is verified for sending"
    assert verified in doctor["detail"]
    assert answer["via"] == "ses://sa-east-1"
    assert got["To"] == "ana@example.com"
    assert got["From"] == ses_mail.environ["MCC_MAIL_FROM"]
    assert got["Subject"] == "Mensagem de teste do mcclink"
    assert "Esta é uma mensagem de teste" in body(got, "plain")


def test_ses_refuses_a_sender_that_is_no_identity_exit_2(home: Path, ses_mail: SesMail) -> None:
    cli = Cli(home, {**ses_mail.environ, "MCC_MAIL_FROM": "nobody@unverified.example.com"})
    done = cli("mail", "test", "--to", "ana@example.com", check=2)
    doctor = doctor_mail(cli, check=2)
    assert "MCC_MAIL_FROM" in done.stderr
    assert "refuses the sender" in done.stderr
    assert (
        "neither nobody@unverified.example.com nor its domain is an identity" in (doctor["detail"])
    )
    assert ses_mail.messages() == []
