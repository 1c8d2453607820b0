"""One message: ``Mail`` (what to send) and its MIME form (``build_message``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import formatdate, parseaddr
from html import escape

from mcclink.config import MailSettings
from mcclink.domain import is_email_address
from mcclink.errors import InputError, MailRejected


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
    mail, the one-click unsubscribe headers (RFC 8058). Addresses are written as they travel
    (``wire_address``); one with a non-ASCII local part makes an SMTPUTF8 message.

    Raises:
        MailRejected: the recipient's domain is not a valid internationalized domain name.
    """
    to = wire_address(mail.to)
    sender = _header_address(settings.from_header)
    reply_to = _header_address(settings.reply_to) if settings.reply_to else None
    ascii_only = all(str(a).isascii() for a in (to, sender, reply_to))
    message = EmailMessage(policy=SMTP if ascii_only else SMTPUTF8)
    message["From"] = sender
    message["To"] = to
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = mail.message_id
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.text, cte="quoted-printable")
    message.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    return message


def wire_address(address: str) -> str:
    """``address`` as it travels: its domain in IDNA A-labels (``joao@xn--padaria-so-...``),
    its local part as written (a non-ASCII one needs a server that offers SMTPUTF8).

    Raises:
        MailRejected: the domain is not a valid internationalized domain name.
    """
    local, _, domain = address.rpartition("@")
    if domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        raise MailRejected(
            f"cannot send to {address}: its domain is not a valid internationalized domain name"
        ) from None


def _header_address(value: str) -> Address:
    """A ``Name <address>`` setting (checked when read) as a header address, on the wire."""
    name, address = parseaddr(value)
    return Address(name, addr_spec=wire_address(address))


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
