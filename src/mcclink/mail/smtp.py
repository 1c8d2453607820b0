"""SMTP through the standard library's client (``smtp://`` with STARTTLS, ``smtps://``)."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage

from mcclink.config import MAIL_FROM_VAR, MAIL_URL_VAR, MailSettings, is_loopback
from mcclink.errors import MailRejected, MailSettingsRefused
from mcclink.mail.message import Mail, build_message, wire_address
from mcclink.mail.retry import ATTEMPTS, TransientFailure, with_retries

log = logging.getLogger(__name__)

#: Seconds one SMTP connection or command may take.
TIMEOUT_S = 15.0


class SmtpMailer:
    """SMTP through the standard library: one connection, opened on first use and reused,
    opened again after a failure. Thread-safe (one message at a time)."""

    def __init__(self, settings: MailSettings, *, attempts: int = ATTEMPTS) -> None:
        self._settings = settings
        self._attempts = attempts
        self._connection: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def send(self, mail: Mail) -> str:
        """Send ``mail`` (see ``Mailer.send``)."""
        message = build_message(mail, self._settings)
        with self._lock:
            with_retries(lambda: self._deliver(message, mail.to), self._settings, self._attempts)
        log.info("mail %s sent through %s", mail.message_id, self._settings.target)
        return mail.message_id

    def check(self) -> str:
        """Connect, (STARTTLS,) log in and say goodbye: what ``mcclink doctor`` checks.

        Raises:
            MailSettingsRefused, MailUnavailable: as ``send``.
        """
        with self._lock:
            with_retries(self._session, self._settings, self._attempts)
        self.close()
        secure = "TLS" if self._tls else "plain SMTP to a loopback host"
        login = f", logged in as {self._settings.username}" if self._settings.username else ""
        return f"{self._settings.target} answers ({secure}{login})"

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(OSError):  # SMTPException is an OSError
                    self._connection.quit()
                self._connection = None

    @property
    def _tls(self) -> bool:
        return self._settings.scheme == "smtps" or not is_loopback(self._settings.host)

    def _deliver(self, message: EmailMessage, to: str) -> None:
        connection = self._session()
        try:
            sender = wire_address(self._settings.sender_address)
            connection.send_message(message, sender, [wire_address(to)])
        except smtplib.SMTPRecipientsRefused as exc:
            self._drop()
            code, reply = next(iter(exc.recipients.values()))
            self._sort(code, reply, f"the server refused the recipient {to}")
        except smtplib.SMTPSenderRefused as exc:
            self._drop()
            if exc.smtp_code >= 500:
                raise MailSettingsRefused(
                    f"{MAIL_FROM_VAR}: the server {self._settings.target} refuses the sender "
                    f"{self._settings.sender_address} "
                    f"({self._reply(exc.smtp_code, exc.smtp_error)}): "
                    "use an address the account may send from"
                ) from None
            raise TransientFailure(self._reply(exc.smtp_code, exc.smtp_error)) from None
        except smtplib.SMTPResponseException as exc:  # SMTPDataError and the like
            self._drop()
            self._sort(exc.smtp_code, exc.smtp_error, "the server refused the message")
        except smtplib.SMTPNotSupportedError as exc:  # an address that needs SMTPUTF8
            self._drop()
            raise MailRejected(f"cannot send to {to}: {exc}") from None
        except OSError as exc:  # disconnected, timed out (SMTPException is an OSError)
            self._drop()
            raise TransientFailure(_os_reason(exc)) from None

    def _sort(self, code: int, reply: bytes | str, what: str) -> None:
        """Raise ``MailRejected`` for a permanent (5xx) answer, else a transient failure."""
        if code >= 500:
            raise MailRejected(f"{what} ({self._reply(code, reply)})")
        raise TransientFailure(self._reply(code, reply))

    def _reply(self, code: int, reply: bytes | str) -> str:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
        password = self._settings.password()
        if password:
            text = text.replace(password, "********")
        return f"{code} {' '.join(text.split())[:200]}"

    def _session(self) -> smtplib.SMTP:
        """The open connection, or a new one: greeted, secured and logged in."""
        if self._connection is not None:
            return self._connection
        settings = self._settings
        try:
            connection = self._connect()
        except ssl.SSLError as exc:
            raise MailSettingsRefused(
                f"{MAIL_URL_VAR}: TLS with {settings.target} failed ({_os_reason(exc)}): "
                + _TLS_FIX[settings.scheme]
            ) from None
        except smtplib.SMTPConnectError as exc:
            if exc.smtp_code >= 500:
                raise MailSettingsRefused(
                    f"{MAIL_URL_VAR}: {settings.target} refuses connections "
                    f"({self._reply(exc.smtp_code, exc.smtp_error)})"
                ) from None
            raise TransientFailure(
                self._reply(exc.smtp_code, exc.smtp_error), connecting=True
            ) from None
        except OSError as exc:  # refused, timed out, disconnected (SMTPException too)
            raise TransientFailure(_os_reason(exc), connecting=True) from None
        self._connection = connection
        return connection

    def _connect(self) -> smtplib.SMTP:
        settings = self._settings
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if settings.scheme == "smtps":
            connection = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=TIMEOUT_S, context=context
            )
        else:
            connection = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_S)
        try:
            connection.ehlo()
            if settings.scheme == "smtp" and self._tls:
                self._starttls(connection, context)
            if settings.username:
                self._login(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _starttls(self, connection: smtplib.SMTP, context: ssl.SSLContext) -> None:
        target = self._settings.target
        if not connection.has_extn("starttls"):
            raise MailSettingsRefused(
                f"{MAIL_URL_VAR}: {target} does not offer STARTTLS, and mail leaves this "
                "machine only encrypted: use the server's STARTTLS port (587), smtps:// for "
                "implicit TLS (port 465), or a relay on this machine (smtp://127.0.0.1:25)"
            )
        connection.starttls(context=context)
        connection.ehlo()

    def _login(self, connection: smtplib.SMTP) -> None:
        settings = self._settings
        try:
            connection.login(settings.username or "", settings.password())
        except smtplib.SMTPAuthenticationError as exc:
            raise MailSettingsRefused(
                f"{MAIL_URL_VAR}: {settings.target} refused the user name and password "
                f"({self._reply(exc.smtp_code, exc.smtp_error)}): fix them in {MAIL_URL_VAR} "
                "(percent-encode @ : / in them, e.g. %40 for @)"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise MailSettingsRefused(
                f"{MAIL_URL_VAR}: {settings.target} offers no login (AUTH) here: remove the "
                f"user name and password from {MAIL_URL_VAR}, or use the port that takes them"
            ) from None

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


_TLS_FIX = {
    "smtp": "check the server's certificate (its name must be the host in MCC_MAIL_URL)",
    "smtps": "does the port take implicit TLS? Use smtps:// for port 465, smtp:// (STARTTLS) "
    "for port 587, and check the server's certificate",
}


def _os_reason(exc: BaseException) -> str:
    """A short reason for a socket or SMTP failure (no address or secret in it)."""
    if isinstance(exc, ssl.SSLError):
        return exc.reason or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__
