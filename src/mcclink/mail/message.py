"""One message: ``Mail`` (what to send) and its MIME form (``build_message``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from html import escape

from mcclink.config import MailSettings
from mcclink.domain import is_email_address
from mcclink.errors import InputError


def new_message_id() -> str:
    """A new ``Message-ID`` (``<hex@mcclink>``), known before the message is sent."""
    return f"<{uuid.uuid4().hex}@mcclink>"


@dataclass(frozen=True)
class Mail:
    """One message to send: to one address, in plain text and HTML.

    Raises:
        InputError: ``to`` is not one e-mail address, or the subject holds a line break.
    """

    to: str
    subject: str
    text: str
    html: str
    #: Advertiser mail: ``List-Unsubscribe`` with one-click ``List-Unsubscribe-Post`` (RFC 8058).
    unsubscribe_url: str | None = None
    message_id: str = field(default_factory=new_message_id)

    def __post_init__(self) -> None:
        if not is_email_address(self.to):
            raise InputError(
                f"{self.to!r} is not an e-mail address: give one such as ana@example.com"
            )
        for name, value in (("subject", self.subject), ("unsubscribe URL", self.unsubscribe_url)):
            if value is not None and ("\r" in value or "\n" in value):
                raise InputError(f"a mail's {name} must be one line")


def build_message(mail: Mail, settings: MailSettings) -> EmailMessage:
    """The MIME message of ``mail``: plain text and HTML alternatives, quoted-printable (7-bit
    clean for any relay), with the sender, reply-to, date, Message-ID and, for advertiser
    mail, the one-click unsubscribe headers (RFC 8058)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.from_header
    message["To"] = mail.to
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = mail.message_id
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.text, cte="quoted-printable")
    message.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    return message


_TEST_TEXT = {
    "pt-BR": (
        "Mensagem de teste do mcclink",
        "Esta é uma mensagem de teste do mcclink, enviada por {target}.",
        "Se ela chegou, os lembretes e alertas por e-mail também chegarão. Nada precisa ser feito.",
    ),
    "en": (
        "mcclink test message",
        "This is a test message from mcclink, sent through {target}.",
        "If it arrived, reminders and alerts by e-mail will arrive too. Nothing needs to be done.",
    ),
}


def trial_mail(to: str, settings: MailSettings) -> Mail:
    """The message ``mcclink mail test`` sends, in ``MCC_LOCALE``'s language.

    Raises:
        InputError: ``to`` is not one e-mail address.
    """
    subject, sent, nothing = _TEST_TEXT[settings.locale]
    lines = [sent.format(target=settings.target), nothing]
    html = "".join(f"<p>{escape(line)}</p>\n" for line in lines)
    return Mail(to, subject, "\n\n".join(lines) + "\n", f"<!DOCTYPE html>\n{html}")
