"""The local SMTP sink: a real SMTP conversation, every message kept and parsed."""

from __future__ import annotations

import smtplib
import threading
import time
from email.message import EmailMessage

from mcclink.emulator.mailbox import Mailbox


def _message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Agência <ads@agencia.example>"
    message["To"] = to
    message["Subject"] = "Lembrete: convite pendente"
    message.set_content("Olá, seu convite está pendente.")
    message.add_alternative("<p>Olá, seu convite está <b>pendente</b>.</p>", subtype="html")
    return message


def _send(box: Mailbox, *messages: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", box.port, timeout=10) as smtp:
        for message in messages:
            smtp.send_message(message)


def test_a_message_sent_over_smtp_is_kept_with_its_headers_and_both_parts() -> None:
    with Mailbox() as box:
        assert box.url == f"smtp://127.0.0.1:{box.port}"
        _send(box, _message("padaria@example.com"))
        (got,) = box.wait_for(1)
    assert got["To"] == "padaria@example.com"
    assert got["Subject"] == "Lembrete: convite pendente"
    plain, html = got.get_body(("plain",)), got.get_body(("html",))
    assert plain is not None
    assert "está pendente" in plain.get_content()
    assert html is not None
    assert "<b>pendente</b>" in html.get_content()


def test_messages_are_kept_in_order_until_cleared() -> None:
    with Mailbox() as box:
        _send(box, _message("a@example.com"), _message("b@example.com"))
        assert [m["To"] for m in box.wait_for(2)] == ["a@example.com", "b@example.com"]
        box.clear()
        assert box.messages == []


def test_a_slow_mailbox_accepts_each_recipient_only_after_its_delay() -> None:
    with Mailbox(delay_s=0.2) as box:
        started = time.monotonic()
        _send(box, _message("a@example.com"))
        assert time.monotonic() - started >= 0.2
        assert len(box.messages) == 1


def test_a_recipient_being_accepted_is_counted_until_accepted() -> None:
    with Mailbox(delay_s=0.3) as box, smtplib.SMTP("127.0.0.1", box.port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("ads@agencia.example")
        sending = threading.Thread(target=smtp.rcpt, args=("a@example.com",))
        sending.start()
        deadline = time.monotonic() + 5
        while not box.accepting and time.monotonic() < deadline:
            time.sleep(0.01)
        assert box.accepting == 1
        sending.join()
        assert box.accepting == 0


def test_wait_for_gives_up_after_its_timeout_with_what_arrived() -> None:
    with Mailbox() as box:
        assert box.wait_for(1, timeout=0.05) == []
