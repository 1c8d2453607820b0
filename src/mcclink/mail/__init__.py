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

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, getaddresses, parseaddr
from typing import Literal, Protocol, TypeVar, cast
from urllib.parse import parse_qs, unquote, urlsplit

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from mcclink.config import (
    AGENCY_NAME_VAR,
    LOCALE_VAR,
    MAIL_FROM_VAR,
    MAIL_REPLY_TO_VAR,
    MAIL_URL_VAR,
)
from mcclink.domain import Client, is_email_address
from mcclink.errors import (
    ConfigurationError,
    InputError,
    MailRejected,
    MailSettingsRefused,
    MailUnavailable,
)

__all__ = [
    "Mail",
    "MailRejected",
    "MailSettings",
    "MailSettingsRefused",
    "MailUnavailable",
    "Mailer",
    "build_message",
    "locale_for",
    "new_message_id",
    "open_mailer",
]

LOCALES = ("pt-BR", "en")
DEFAULT_LOCALE = "pt-BR"
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
#: Seconds one SMTP connection or command may take.
TIMEOUT_S = 15.0
#: Attempts at one message, and the backoff between them (0.5 s, 1 s, 2 s, ... at most 8 s).
ATTEMPTS = 3
FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
_URL_EXAMPLES = "smtp://user:password@smtp.example.com:587, smtps://... or ses://?region=sa-east-1"

Scheme = Literal["smtp", "smtps", "ses"]
T = TypeVar("T")


def new_message_id() -> str:
    """A new ``Message-ID`` (``<hex@mcclink>``), known before the message is sent."""
    return f"<{uuid.uuid4().hex}@mcclink>"


@dataclass(frozen=True, repr=False)
class MailSettings:
    """Where mail goes and who sends it; ``url`` is ``MCC_MAIL_URL`` as given (checked)."""

    url: str
    sender: str
    reply_to: str | None = None
    #: ``MCC_AGENCY_NAME``: the sender's display name when ``MCC_MAIL_FROM`` has none.
    agency_name: str | None = None
    #: ``MCC_LOCALE``: the language of a client without a ``locale`` attribute.
    locale: str = DEFAULT_LOCALE

    def __post_init__(self) -> None:
        problems = _url_problems(self.url) + _sender_problems(self.sender, self.reply_to)
        if self.locale not in LOCALES:
            problems.append(f"{LOCALE_VAR} {self.locale!r} must be one of {', '.join(LOCALES)}")
        if problems:
            raise ConfigurationError(problems)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> MailSettings | None:
        """The mail settings, or None when ``MCC_MAIL_URL`` is unset.

        Raises:
            ConfigurationError: every problem at once, each naming its variable and the
                fix; never the password.
        """
        url = environ.get(MAIL_URL_VAR, "").strip()
        if not url:
            return None
        return cls(
            url,
            environ.get(MAIL_FROM_VAR, "").strip(),
            environ.get(MAIL_REPLY_TO_VAR, "").strip() or None,
            environ.get(AGENCY_NAME_VAR, "").strip() or None,
            environ.get(LOCALE_VAR, "").strip() or DEFAULT_LOCALE,
        )

    @property
    def scheme(self) -> Scheme:
        """``smtp``, ``smtps`` or ``ses``."""
        return cast(Scheme, urlsplit(self.url).scheme)  # checked when made

    @property
    def host(self) -> str:
        """The SMTP server's host (empty for SES)."""
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        """The SMTP server's port (587 for smtp://, 465 for smtps:// unless given)."""
        return urlsplit(self.url).port or DEFAULT_PORTS.get(self.scheme, 0)

    @property
    def username(self) -> str | None:
        """The SMTP user name, percent-decoded (None: no login)."""
        user = urlsplit(self.url).username
        return unquote(user) if user else None

    def password(self) -> str:
        """The SMTP password, percent-decoded: for the one place that sends it."""
        return unquote(urlsplit(self.url).password or "")

    @property
    def region(self) -> str | None:
        """The SES region (None: boto3's default, ``AWS_REGION``)."""
        return _query(self.url).get("region")

    @property
    def target(self) -> str:
        """``smtp://host:port`` or ``ses://region`` for messages: never the user or password."""
        if self.scheme == "ses":
            return f"ses://{self.region or '(AWS_REGION)'}"
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def sender_address(self) -> str:
        """The sender's bare address (the SMTP envelope's and SES's identity)."""
        return parseaddr(self.sender)[1]

    @property
    def from_header(self) -> str:
        """The ``From`` header: ``MCC_MAIL_FROM``, named after the agency when it has no name."""
        name, address = parseaddr(self.sender)
        return str(Address(name or self.agency_name or "", addr_spec=address))

    def __repr__(self) -> str:
        return f"MailSettings(target={self.target!r}, sender={self.sender!r})"


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


class TransientFailure(Exception):
    """A transport's attempt failed in a way the next may not (``with_retries`` retries it);
    ``connecting``: no session was opened."""

    def __init__(self, reason: str, *, connecting: bool = False) -> None:
        super().__init__(reason)
        self.connecting = connecting


def with_retries(attempt: Callable[[], T], settings: MailSettings, attempts: int) -> T:
    """``attempt`` until it succeeds, fails for good, or ``attempts`` transient failures.

    Raises:
        MailSettingsRefused: still unreachable after the last attempt.
        MailUnavailable: another transient failure after the last attempt.
    """
    retrying = Retrying(
        retry=retry_if_exception_type(TransientFailure),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=FIRST_BACKOFF_S, max=MAX_BACKOFF_S),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except TransientFailure as exc:
        tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
        if exc.connecting:
            raise MailSettingsRefused(
                f"{MAIL_URL_VAR}: cannot reach the mail server {settings.target} ({exc}) "
                f"after {tries}: check the host and port in {MAIL_URL_VAR} and that the "
                "server is up"
            ) from None
        raise MailUnavailable(
            f"the mail service {settings.target} did not take the message after {tries} "
            f"({exc}); it may take it later"
        ) from None


def _url_problems(url: str) -> list[str]:
    """What is wrong with ``MCC_MAIL_URL`` (never quoting it: it may hold a password)."""
    wrong = f"{MAIL_URL_VAR} is not a mail URL: expected {_URL_EXAMPLES}"
    try:
        parts = urlsplit(url)
        port = parts.port
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:  # a malformed port, IPv6 address or query
        return [wrong]
    if any(c.isspace() for c in url) or parts.fragment:
        return [wrong]
    if parts.scheme == "ses":
        return _ses_problems(parts.netloc, parts.path, query)
    if parts.scheme not in DEFAULT_PORTS:
        given = parts.scheme and url.startswith(f"{parts.scheme}://")
        scheme = f"scheme {parts.scheme + '://'!r}" if given else "no scheme"
        return [f"{MAIL_URL_VAR} has {scheme}: expected {_URL_EXAMPLES}"]
    problems = []
    if not parts.hostname or parts.path not in ("", "/") or port == 0:
        problems.append(f"{MAIL_URL_VAR} needs a host and nothing after it, e.g. {_URL_EXAMPLES}")
    if query:
        problems.append(f"{MAIL_URL_VAR}: smtp:// and smtps:// take no parameters (after ?)")
    if (parts.username is None) != (parts.password is None) or parts.username == "":
        problems.append(
            f"{MAIL_URL_VAR}: give both a user name and a password (smtp://user:password@host) "
            "or neither"
        )
    return problems


def _ses_problems(netloc: str, path: str, query: dict[str, list[str]]) -> list[str]:
    problems = []
    if netloc or path:
        problems.append(
            f"{MAIL_URL_VAR}: ses:// takes no host or credentials (boto3 finds them): "
            "write ses://?region=sa-east-1"
        )
    unknown = sorted(set(query) - {"region"})
    if unknown:
        problems.append(f"{MAIL_URL_VAR}: ses:// takes only region=, not {', '.join(unknown)}")
    regions = query.get("region", [])
    if regions and (len(regions) > 1 or not _REGION.fullmatch(regions[0])):
        problems.append(f"{MAIL_URL_VAR}: region must be one AWS region, e.g. sa-east-1")
    return problems


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _sender_problems(sender: str, reply_to: str | None) -> list[str]:
    problems = []
    if not sender:
        problems.append(
            f"{MAIL_FROM_VAR} is not set: {MAIL_URL_VAR} needs a sender, e.g. "
            f'{MAIL_FROM_VAR}="Agência Demo <ads@example.com>"'
        )
    elif not _one_address(sender):
        problems.append(
            f"{MAIL_FROM_VAR} {sender!r} is not one e-mail address: set it to "
            '"Agency Name <ads@example.com>" or ads@example.com'
        )
    if reply_to is not None and not _one_address(reply_to):
        problems.append(
            f"{MAIL_REPLY_TO_VAR} {reply_to!r} is not one e-mail address: set it to "
            "the address answers go to, e.g. contato@example.com, or unset it"
        )
    return problems


def _one_address(value: str) -> bool:
    """Whether ``value`` is one address, bare or with a display name, on one line."""
    if "\r" in value or "\n" in value:
        return False
    found = getaddresses([value])
    return len(found) == 1 and is_email_address(found[0][1])
