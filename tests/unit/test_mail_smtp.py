"""SMTP to real servers on this machine: the session's sink, and strict servers that refuse
what a real one refuses. Each failure comes out as the error its kind calls for."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mcclink.emulator.mailbox import Mailbox
from mcclink.errors import MailRejected, MailSettingsRefused, MailUnavailable
from mcclink.mail import Mail, MailSettings, open_mailer
from mcclink.mail.smtp import SmtpMailer
from tests.fixtures.smtp import Answers, body, certificate, free_port, outside_address, strict_smtp

PASSWORD = "corr3ct-H0rse"


def settings(url: str, **more: str) -> MailSettings:
    found = MailSettings.from_env(
        {"MCC_MAIL_URL": url, "MCC_MAIL_FROM": "Agência Sol <ads@example.com>", **more}
    )
    assert found is not None
    return found


def mail(to: str = "ana@example.com", **more: str) -> Mail:
    return Mail(to, "Convite pendente", "Olá, Ana", "<p>Olá, <b>Ana</b></p>", **more)


def test_a_message_reaches_the_sink_with_its_headers_and_both_parts(mailbox: Mailbox) -> None:
    mailer = open_mailer(settings(mailbox.url, MCC_MAIL_REPLY_TO="contato@example.com"))
    sent = mail(unsubscribe_url="https://agency.example.com/onboard/abc/unsubscribe")
    try:
        assert mailer.send(sent) == sent.message_id
    finally:
        mailer.close()
    [got] = mailbox.wait_for(1)
    assert got["Message-ID"] == sent.message_id
    assert got["From"] == "Agência Sol <ads@example.com>"
    assert got["To"] == "ana@example.com"
    assert got["Reply-To"] == "contato@example.com"
    assert got["Subject"] == "Convite pendente"
    assert got["List-Unsubscribe"] == "<https://agency.example.com/onboard/abc/unsubscribe>"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert body(got, "plain").strip() == "Olá, Ana"
    assert body(got, "html").strip() == "<p>Olá, <b>Ana</b></p>"


def test_one_connection_carries_many_messages(mailbox: Mailbox) -> None:
    mailer = SmtpMailer(settings(mailbox.url))
    try:
        for n in range(3):
            mailer.send(mail(f"client{n}@example.com"))
    finally:
        mailer.close()
    assert [m["To"] for m in mailbox.wait_for(3)] == [f"client{n}@example.com" for n in range(3)]


def test_a_wrong_password_names_the_setting_and_never_the_password() -> None:
    with strict_smtp(user="ana", password="right-one") as server:
        mailer = open_mailer(settings(f"smtp://ana:{PASSWORD}@127.0.0.1:{server.port}"))
        with pytest.raises(MailSettingsRefused) as caught:
            mailer.send(mail())
    message = str(caught.value)
    assert "MCC_MAIL_URL" in message
    assert "refused the user name and password" in message
    assert PASSWORD not in message
    assert caught.value.exit_code == 2
    assert server.messages == []


def test_the_right_password_is_sent_and_the_message_taken() -> None:
    with strict_smtp(user="ana@example.com", password=PASSWORD) as server:
        url = f"smtp://ana%40example.com:{PASSWORD}@127.0.0.1:{server.port}"
        mailer = open_mailer(settings(url))
        mailer.send(mail())
        mailer.close()
    assert [m["To"] for m in server.messages] == ["ana@example.com"]


def test_a_server_beyond_loopback_without_starttls_is_refused_before_any_login() -> None:
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no address other than loopback")
    with strict_smtp(address, user="ana", password=PASSWORD) as server:
        mailer = open_mailer(settings(f"smtp://ana:{PASSWORD}@{address}:{server.port}"))
        with pytest.raises(MailSettingsRefused) as caught:
            mailer.send(mail())
    assert "does not offer STARTTLS" in str(caught.value)
    assert "MCC_MAIL_URL" in str(caught.value)
    assert server.messages == []


def test_implicit_tls_to_a_plain_server_is_a_tls_failure_named(mailbox: Mailbox) -> None:
    mailer = open_mailer(settings(f"smtps://127.0.0.1:{mailbox.port}"))
    with pytest.raises(MailSettingsRefused) as caught:
        mailer.send(mail())
    assert f"MCC_MAIL_URL: TLS with smtps://127.0.0.1:{mailbox.port} failed" in str(caught.value)
    assert mailbox.messages == []


def test_an_unreachable_server_is_retried_with_backoff_then_named() -> None:
    port = free_port()
    mailer = SmtpMailer(settings(f"smtp://127.0.0.1:{port}"), attempts=3)
    started = time.monotonic()
    with pytest.raises(MailSettingsRefused) as caught:
        mailer.send(mail())
    waited = time.monotonic() - started
    assert f"cannot reach the mail server smtp://127.0.0.1:{port}" in str(caught.value)
    assert "after 3 attempts" in str(caught.value)
    assert isinstance(caught.value, MailUnavailable), "a transient kind: callers may try later"
    assert waited >= 1.4, "backoff 0.5 s then 1 s between the three attempts"


def test_a_mailbox_that_does_not_exist_is_rejected_once_never_retried() -> None:
    with strict_smtp(answers=Answers(rcpt="550 5.1.1 <ana@example.com>: no such user")) as server:
        mailer = SmtpMailer(settings(f"smtp://127.0.0.1:{server.port}"))
        with pytest.raises(MailRejected) as caught:
            mailer.send(mail())
        mailer.close()
    assert "refused the recipient ana@example.com (550 5.1.1" in str(caught.value)
    assert not isinstance(caught.value, MailUnavailable)
    assert server.asked == ["ana@example.com"], "asked once"


def test_refused_content_is_rejected_once() -> None:
    with strict_smtp(answers=Answers(data="554 5.7.1 message refused as spam")) as server:
        mailer = SmtpMailer(settings(f"smtp://127.0.0.1:{server.port}"))
        with pytest.raises(MailRejected, match=r"554 5\.7\.1 message refused as spam"):
            mailer.send(mail())
        mailer.close()
    assert server.asked == ["ana@example.com"]
    assert server.messages == []


def test_a_busy_server_is_asked_again_and_takes_the_message() -> None:
    busy = Answers(rcpt="451 4.7.1 greylisted, try again later", times=1)
    with strict_smtp(answers=busy) as server:
        mailer = SmtpMailer(settings(f"smtp://127.0.0.1:{server.port}"))
        mailer.send(mail())
        mailer.close()
    assert server.asked == ["ana@example.com", "ana@example.com"]
    assert len(server.messages) == 1


def test_a_server_that_stays_busy_is_unavailable_after_the_attempts() -> None:
    with strict_smtp(answers=Answers(rcpt="421 4.3.2 system busy")) as server:
        mailer = SmtpMailer(settings(f"smtp://127.0.0.1:{server.port}"), attempts=2)
        with pytest.raises(MailUnavailable) as caught:
            mailer.send(mail())
        mailer.close()
    assert not isinstance(caught.value, MailSettingsRefused), "no setting is wrong"
    assert "after 2 attempts (421 4.3.2 system busy)" in str(caught.value)
    assert server.asked == ["ana@example.com"] * 2


def test_a_refused_sender_names_mcc_mail_from() -> None:
    with strict_smtp(answers=Answers(mail="553 5.7.1 sender not allowed")) as server:
        mailer = SmtpMailer(settings(f"smtp://127.0.0.1:{server.port}"))
        with pytest.raises(MailSettingsRefused) as caught:
            mailer.send(mail())
    assert "MCC_MAIL_FROM: the server" in str(caught.value)
    assert "refuses the sender ads@example.com (553 5.7.1 sender not allowed)" in str(caught.value)
    assert server.asked == []


def test_a_connection_that_dropped_is_opened_again(mailbox: Mailbox) -> None:
    mailer = SmtpMailer(settings(mailbox.url))
    mailer.send(mail("first@example.com"))
    connection = mailer._connection
    assert connection is not None
    connection.close()  # as a server's idle timeout would
    mailer.send(mail("second@example.com"))
    mailer.close()
    assert [m["To"] for m in mailbox.wait_for(2)] == ["first@example.com", "second@example.com"]


def test_starttls_with_a_trusted_certificate_encrypts_before_logging_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no address other than loopback")
    context, cert_file = certificate(tmp_path, address)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    with strict_smtp(address, user="ana", password=PASSWORD, starttls=context) as server:
        found = settings(f"smtp://ana:{PASSWORD}@{address}:{server.port}")
        mailer = SmtpMailer(found)
        assert mailer.check() == f"smtp://{address}:{server.port} answers (TLS, logged in as ana)"
        mailer.send(mail())
        mailer.close()
    assert server.encrypted == [True]
    assert server.logins == ["ana", "ana"]


def test_an_untrusted_certificate_is_refused_before_the_password_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no address other than loopback")
    context, _ = certificate(tmp_path, address)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))
    with strict_smtp(address, user="ana", password=PASSWORD, starttls=context) as server:
        mailer = SmtpMailer(settings(f"smtp://ana:{PASSWORD}@{address}:{server.port}"))
        with pytest.raises(MailSettingsRefused) as caught:
            mailer.send(mail())
    assert f"MCC_MAIL_URL: TLS with smtp://{address}:{server.port} failed" in str(caught.value)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert server.logins == []
    assert PASSWORD not in str(caught.value)


def test_implicit_tls_even_to_loopback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context, cert_file = certificate(tmp_path, "127.0.0.1")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    with strict_smtp(implicit_tls=context) as server:
        mailer = SmtpMailer(settings(f"smtps://127.0.0.1:{server.port}"))
        mailer.send(mail())
        mailer.close()
    assert server.encrypted == [True]


def test_an_international_domain_travels_in_idna() -> None:
    with strict_smtp() as server:
        mailer = SmtpMailer(settings(f"smtp://127.0.0.1:{server.port}"))
        mailer.send(mail("ana@padaria-são.com.br"))
        mailer.close()
    idna = "ana@xn--padaria-so-n5a.com.br"
    assert server.asked == [idna]
    assert [m["To"] for m in server.messages] == [idna]


def test_a_non_ascii_mailbox_goes_out_with_smtputf8_where_offered(mailbox: Mailbox) -> None:
    with strict_smtp() as server:  # aiosmtpd's controller offers SMTPUTF8
        mailer = SmtpMailer(settings(f"smtp://127.0.0.1:{server.port}"))
        mailer.send(mail("joão@example.com"))
        mailer.close()
    assert [m["To"] for m in server.messages] == ["joão@example.com"]
    plain = SmtpMailer(settings(mailbox.url))  # the sink does not offer it
    with pytest.raises(MailRejected, match=r"cannot send to joão@example\.com"):
        plain.send(mail("joão@example.com"))
    plain.close()
    assert mailbox.messages == []
