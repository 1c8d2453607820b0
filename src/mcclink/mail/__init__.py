"""E-mail: one setting picks the transport, every message is multipart, failures are sorted.

``MCC_MAIL_URL`` names the transport::

    smtp://user:pass@host:587     SMTP with STARTTLS (required, except to a loopback host)
    smtps://user:pass@host:465    SMTP over implicit TLS
    ses://?region=sa-east-1       Amazon SES v2 through boto3 (the Lambda's choice)

``MCC_MAIL_FROM`` is the sender (``Agência Demo <ads@example.com>``; without a display name,
``MCC_AGENCY_NAME`` becomes it), ``MCC_MAIL_REPLY_TO`` where answers go, ``MCC_LOCALE`` the
language of messages to a client without a ``locale`` attribute (pt-BR or en).

``Mailer.send`` either sends the message, or raises one of (``mcclink.errors``):

- ``MailRejected``: refused for good (a bad address, a 5xx answer to the recipient or the
  message). Record it once; sending it again cannot help.
- ``MailUnavailable``: the service did not take it after retries with backoff (a 4xx answer,
  a dropped connection, a timeout, SES throttling). Its subclass ``MailSettingsRefused``
  (also a ``ConfigurationError``, exit 2) says which setting to fix: the server is
  unreachable, offers no TLS, refuses the user name and password or the sender.

No message, error or repr ever holds the password of ``MCC_MAIL_URL``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from mcclink.config import DEFAULT_LOCALE, LOCALE_VAR, LOCALES, MailSettings
from mcclink.domain import Client
from mcclink.errors import ConfigurationError, MailRejected, MailSettingsRefused, MailUnavailable
from mcclink.mail.message import Mail, build_message, new_message_id, trial_mail

__all__ = [
    "Mail",
    "MailRejected",
    "MailSettings",
    "MailSettingsRefused",
    "MailUnavailable",
    "Mailer",
    "build_message",
    "check_mail",
    "locale_for",
    "new_message_id",
    "open_mailer",
    "trial_mail",
]


class Mailer(Protocol):
    """Sends mail; ``open_mailer`` picks the implementation ``MCC_MAIL_URL`` names."""

    def send(self, mail: Mail) -> str:
        """Send ``mail``.

        Returns:
            Its Message-ID (SES: the id SES gave it, which SES puts in the header).

        Raises:
            MailRejected: refused for good; never retry it.
            MailUnavailable: not taken after retries (``MailSettingsRefused``: a setting
                to fix, named).
        """
        ...

    def close(self) -> None:
        """Release the connection, if one is open."""
        ...


def open_mailer(settings: MailSettings) -> Mailer:
    """The mailer for ``settings``: SMTP, or SES (which needs the ``aws`` extra).

    Raises:
        MissingExtra: ``ses://`` without boto3.
    """
    if settings.scheme == "ses":
        from mcclink.mail.ses import SesMailer

        return SesMailer(settings)
    from mcclink.mail.smtp import SmtpMailer

    return SmtpMailer(settings)


def check_mail(settings: MailSettings) -> str:
    """Reach the transport as sending would, without sending: SMTP connects, secures and
    logs in; SES is asked whether the sender is a verified identity (``mcclink doctor``).

    Returns:
        What was found, for the user.

    Raises:
        MailSettingsRefused: a setting to fix, named.
        MailUnavailable: the service did not answer after retries.
        MissingExtra: ``ses://`` without boto3.
    """
    if settings.scheme == "ses":
        from mcclink.mail.ses import SesMailer

        return SesMailer(settings).check()
    from mcclink.mail.smtp import SmtpMailer

    return SmtpMailer(settings).check()


def locale_for(client: Client | None, environ: Mapping[str, str]) -> str:
    """The language of mail to ``client``: its ``locale`` attribute (pt-BR or en, also
    ``pt``, ``pt_BR``, ``en-US`` ...), else ``MCC_LOCALE``, else pt-BR.

    Raises:
        ConfigurationError: ``MCC_LOCALE`` is set to another language.
    """
    wanted = (client.attributes.get("locale", "") if client is not None else "").strip().lower()
    for locale in LOCALES:
        if wanted[:2] == locale[:2]:
            return locale
    default = environ.get(LOCALE_VAR, "").strip() or DEFAULT_LOCALE
    if default not in LOCALES:
        raise ConfigurationError(f"{LOCALE_VAR} {default!r} must be one of {', '.join(LOCALES)}")
    return default
