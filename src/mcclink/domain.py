"""The domain of an MCC link: customer ids, link statuses, clients and their history.

Pure values and rules; no I/O and no third-party imports.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from mcclink.errors import InputError, InvalidCustomerId, InvalidStatus, InvalidTransition

_CUSTOMER_ID = re.compile(r"(\d{3})-?(\d{3})-?(\d{4})")


@dataclass(frozen=True, order=True, slots=True)
class CustomerId:
    """A Google Ads customer id: always 10 digits inside, ``123-456-7890`` when shown."""

    digits: str

    def __post_init__(self) -> None:
        if not (len(self.digits) == 10 and self.digits.isascii() and self.digits.isdigit()):
            raise InvalidCustomerId(_bad_customer_id(self.digits))

    @classmethod
    def parse(cls, raw: object) -> CustomerId:
        """Read ``123-456-7890`` or ``1234567890`` (blanks around are ignored).

        Raises:
            InvalidCustomerId: anything else, with the value and the expected form.
        """
        if isinstance(raw, CustomerId):
            return raw
        if isinstance(raw, str) and len(raw) == 10 and raw.isascii() and raw.isdigit():
            return cls(raw)  # the stored form: every history entry read has two
        text = raw.strip() if isinstance(raw, str) else ""
        match = _CUSTOMER_ID.fullmatch(text) if text.isascii() else None
        if match is None:
            raise InvalidCustomerId(_bad_customer_id(raw))
        return cls("".join(match.groups()))

    @property
    def dashed(self) -> str:
        """The form Google Ads shows: ``123-456-7890``."""
        return f"{self.digits[:3]}-{self.digits[3:6]}-{self.digits[6:]}"

    def __str__(self) -> str:
        return self.dashed


def _bad_customer_id(raw: object) -> str:
    return (
        f"invalid Google Ads customer id {raw!r}: expected 10 digits, "
        "written 123-456-7890 or 1234567890"
    )


class LinkStatus(StrEnum):
    """Where a client's link to the MCC stands, in mcclink's (the spec's) words."""

    NOT_LINKED = "NOT_LINKED"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    UNLINKED = "UNLINKED"

    @classmethod
    def parse(cls, raw: str) -> LinkStatus:
        """Read a status name, case-insensitively.

        Raises:
            InvalidStatus: an unknown name; the message lists the known ones.
        """
        if raw in _STATUS_NAMES:
            return _STATUS_NAMES[raw]  # the stored form: every client read has one
        try:
            return cls(raw.strip().upper())
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise InvalidStatus(f"unknown link status {raw!r}: expected one of {known}") from None

    @classmethod
    def from_google(cls, manager_link_status: str) -> LinkStatus:
        """Map a Google Ads ``ManagerLinkStatus`` name to mcclink's status.

        Raises:
            InvalidStatus: ``UNKNOWN``, ``UNSPECIFIED`` or any other name with no meaning here.
        """
        try:
            return _FROM_GOOGLE[manager_link_status]
        except KeyError:
            raise InvalidStatus(
                f"Google Ads link status {manager_link_status!r} has no mcclink meaning"
            ) from None

    @property
    def google_name(self) -> str | None:
        """The ``ManagerLinkStatus`` name of this status (None for ``NOT_LINKED``)."""
        return _TO_GOOGLE.get(self)

    @property
    def invitable(self) -> bool:
        """Whether an invitation may be sent from this status."""
        return LinkStatus.PENDING in TRANSITIONS[self]

    def check_transition(self, new: LinkStatus, action: str) -> None:
        """Raise unless an action may move a link from this status to ``new``.

        Raises:
            InvalidTransition: the move is not in ``TRANSITIONS``.
        """
        if new not in TRANSITIONS[self]:
            allowed = ", ".join(sorted(s for s in LinkStatus if new in TRANSITIONS[s])) or "none"
            raise InvalidTransition(
                f"cannot {action}: the link is {self.value}; {action} needs a link in: {allowed}"
            )


_STATUS_NAMES: Mapping[str, LinkStatus] = MappingProxyType({s.value: s for s in LinkStatus})
_FROM_GOOGLE: Mapping[str, LinkStatus] = MappingProxyType(
    {
        "PENDING": LinkStatus.PENDING,
        "ACTIVE": LinkStatus.APPROVED,
        "REFUSED": LinkStatus.REJECTED,
        "CANCELED": LinkStatus.CANCELLED,
        "INACTIVE": LinkStatus.UNLINKED,
    }
)
_TO_GOOGLE: Mapping[LinkStatus, str] = MappingProxyType({v: k for k, v in _FROM_GOOGLE.items()})

#: The moves an action may make. Sync records whatever Google reports (a poll can miss
#: intermediate states), but invite / cancel / unlink / respond must follow this table.
TRANSITIONS: Mapping[LinkStatus, frozenset[LinkStatus]] = MappingProxyType(
    {
        LinkStatus.NOT_LINKED: frozenset({LinkStatus.PENDING, LinkStatus.APPROVED}),
        LinkStatus.PENDING: frozenset(
            {LinkStatus.APPROVED, LinkStatus.REJECTED, LinkStatus.CANCELLED}
        ),
        LinkStatus.APPROVED: frozenset({LinkStatus.UNLINKED}),
        LinkStatus.REJECTED: frozenset({LinkStatus.PENDING}),
        LinkStatus.CANCELLED: frozenset({LinkStatus.PENDING}),
        LinkStatus.UNLINKED: frozenset({LinkStatus.PENDING}),
    }
)


class Outcome(StrEnum):
    """How an operation ended."""

    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    NOOP = "NOOP"


class Operation(StrEnum):
    """What was done; one history entry per operation."""

    REGISTER = "REGISTER"
    INVITE = "INVITE"
    CANCEL = "CANCEL"
    UNLINK = "UNLINK"
    RESPOND = "RESPOND"
    CREATE_ACCOUNT = "CREATE_ACCOUNT"
    SYNC = "SYNC"
    IMPORT = "IMPORT"
    ARCHIVE = "ARCHIVE"
    #: One delivery attempt of a status change to the webhook receiver (changes no status).
    WEBHOOK = "WEBHOOK"
    #: One monitor cycle, recorded under the MCC itself (changes no status).
    MONITOR = "MONITOR"
    #: One status change published as an EventBridge event by the AWS monitor function
    #: (changes no status).
    EVENT = "EVENT"
    #: One reminder mailed to the advertiser of a pending invitation, at one step of
    #: ``MCC_REMIND_AT`` (changes no status; see ``mcclink.reminders``).
    REMIND = "REMIND"
    #: The advertiser asked for no more reminders (changes no status).
    UNSUBSCRIBE = "UNSUBSCRIBE"
    #: One alert (or its "resolved" note) sent to the agency, recorded under the MCC itself
    #: (changes no status).
    ALERT = "ALERT"
    #: The manager hid an active client in its account list, or showed it again (changes
    #: no status; ``Client.hidden``).
    HIDE = "HIDE"
    UNHIDE = "UNHIDE"
    #: The client moved to another manager of the tree (``MoveManagerLink``): recorded under
    #: the manager it moved to (a refusal: under the one it stays with), with ``from_mcc``
    #: and ``to_mcc`` in its details.
    MOVE = "MOVE"


@dataclass(frozen=True)
class LastError:
    """The last failure seen for a client; the status stays the last true one."""

    code: str
    message: str
    request_id: str | None = None


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (the only clock the domain uses)."""
    return datetime.now(UTC)


_DURATION = re.compile(r"([0-9]+)\s*([smhd])", re.ASCII)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(raw: str) -> timedelta:
    """``90s``, ``10m``, ``24h``, ``2d`` (or combined, ``1h30m``) as a timedelta.

    Raises:
        InputError: anything else.
    """
    text = raw.strip().lower()
    parts = _DURATION.findall(text)
    if not parts or _DURATION.sub("", text).strip():
        raise InputError(f"invalid duration {raw!r}: expected e.g. 30s, 10m, 24h or 1h30m")
    try:
        total = sum((timedelta(**{_UNITS[unit]: int(n)}) for n, unit in parts), timedelta())
    except OverflowError:
        raise InputError(f"invalid duration {raw!r}: too long (at most 999,999,999 days)") from None
    if total <= timedelta():
        raise InputError(f"invalid duration {raw!r}: it must be longer than zero")
    return total


def format_span(delta: timedelta | None) -> str:
    """A duration the way people say it: ``45 s``, ``12 min``, ``3 h 20 min``, ``2 d 4 h``
    (``—`` for none)."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds())
    days, hours, minutes = seconds // 86400, seconds // 3600 % 24, seconds // 60 % 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else f"{seconds} s"


#: What a client's free-form fields may hold, the same on every store. A DynamoDB item is
#: at most 400 KB; MAX_FIELD_BYTES keeps a client far below it, leaving room for its status,
#: links and last error.
MAX_NAME = 255
MAX_EMAIL = 254
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_NAME = 64
MAX_ATTRIBUTE_VALUE = 2048
MAX_FIELD_BYTES = 64 * 1024

#: RFC 5322's atext: what a dot-atom local part holds besides non-ASCII text (RFC 6531).
_ATEXT = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~"
)


def is_email_address(text: str) -> bool:
    """Whether ``text`` is one plain address (``ana@example.com``), as a client's e-mail is:
    a dot-atom local part of at most 64 characters (RFC 5322, no quoted strings; non-ASCII
    letters allowed as RFC 6531 does) and a domain of two or more labels, each letters,
    digits and inner hyphens (an internationalized domain's letters included; whether it
    can be written in IDNA, 63 characters a label, is the mail module's check)."""
    local, at, domain = text.rpartition("@")
    return (
        bool(at)
        and len(text) <= MAX_EMAIL
        and len(local) <= 64
        and all(atom and all(map(_is_atext, atom)) for atom in local.split("."))
        and domain.count(".") >= 1
        and all(map(_is_domain_label, domain.split(".")))
    )


def _is_atext(char: str) -> bool:
    return char in _ATEXT or (not char.isascii() and char.isprintable() and not char.isspace())


def _is_domain_label(label: str) -> bool:
    return (
        len(label) > 0
        and not label.startswith("-")
        and not label.endswith("-")
        and all(c == "-" or c.isalnum() or unicodedata.category(c)[0] == "M" for c in label)
    )


def check_client_fields(name: str, email: str | None, attributes: Mapping[str, str]) -> None:
    """Raise unless a client's name, e-mail and attributes are within the limits above.

    Raises:
        InputError: every field out of bounds (``client_field_problems``), in one message.
    """
    problems = client_field_problems(name, email, attributes)
    if problems:
        raise InputError("; ".join(problems))


def client_field_problems(name: str, email: str | None, attributes: Mapping[str, str]) -> list[str]:
    """What is wrong with a client's name, e-mail and attributes: each field out of bounds,
    named, with the limit it breaks (empty when they may be stored)."""
    problems = [_text_problem("the name", name, MAX_NAME)]
    if email is not None:
        problems.append(_text_problem("the e-mail", email, MAX_EMAIL))
        if problems[-1] is None and not is_email_address(email):
            problems[-1] = f"invalid e-mail {email!r}: expected an address such as ana@example.com"
    if len(attributes) > MAX_ATTRIBUTES:
        problems.append(
            f"{len(attributes)} attributes: at most {MAX_ATTRIBUTES}; keep the ones you need"
        )
    for key, value in attributes.items():
        if not isinstance(key, str) or not key.strip():
            problems.append(
                f"an attribute has no name (its value is {str(value)[:40]!r}): name it "
                "(in a CSV, give its column a header) or leave it out"
            )
            continue
        problems.append(_text_problem(f"the attribute name {key[:40]!r}", key, MAX_ATTRIBUTE_NAME))
        problems.append(_text_problem(f"the attribute {key[:40]!r}", value, MAX_ATTRIBUTE_VALUE))
    found = [problem for problem in problems if problem is not None]
    if found:  # the size below needs every field to be text
        return found
    size = sum(
        len(text.encode()) for text in (name, email or "", *attributes, *attributes.values())
    )
    if size > MAX_FIELD_BYTES:
        return [
            f"the name, e-mail and attributes take {size:,} bytes (UTF-8): at most "
            f"{MAX_FIELD_BYTES:,}; shorten or drop attributes"
        ]
    return []


def storable_name(name: str | None, fallback: str) -> str:
    """``name`` stripped if a client may be stored under it, else ``fallback``: for names
    that come from Google (an account's descriptive name), not from the user."""
    name = (name or "").strip()
    if is_blank(name) or _text_problem("the name", name, MAX_NAME):
        return fallback
    return name


def _text_problem(what: str, value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return f"{what} must be text, not {type(value).__name__}"
    if len(value) > limit:
        return f"{what} has {len(value):,} characters: at most {limit:,}"
    return _character_problem(what, value)


def check_characters(what: str, value: str) -> None:
    """Raise unless ``value`` (``what``, in the message) is free of the characters mcclink
    does not store: controls, lone surrogates and format characters other than joiners.

    Raises:
        InputError: the first such character, by code point, and what to do.
    """
    problem = _character_problem(what, value)
    if problem is not None:
        raise InputError(problem)


def _character_problem(what: str, value: str) -> str | None:
    bad = next((c for c in value if _unstorable(c)), None)
    if bad is None:
        return None
    if unicodedata.category(bad) == "Cf":
        return (
            f"{what} holds U+{ord(bad):04X}, an invisible format character (text direction "
            "override, zero-width space, byte order mark...) that mcclink does not store: "
            "remove it"
        )
    return (
        f"{what} holds U+{ord(bad):04X}, a control character (NUL, tab, line break...) "
        "or lone surrogate that mcclink does not store: remove it"
    )


#: Format characters that are part of writing, kept: the zero-width non-joiner and joiner
#: (Persian and Indic spelling, emoji sequences such as a family). Every other format
#: character can reverse or hide text on a terminal or a page.
_JOINERS = frozenset("\u200c\u200d")


def _unstorable(char: str) -> bool:
    category = unicodedata.category(char)
    return category in ("Cc", "Cs") or (category == "Cf" and char not in _JOINERS)


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: only blanks and invisible format characters."""
    if text[:1].isalnum():
        return False  # most names: decided by their first character
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


@dataclass(frozen=True, slots=True)
class Client:
    """An advertiser registered under one MCC, and where its link stands."""

    customer_id: CustomerId
    mcc_customer_id: CustomerId
    name: str
    email: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    status: LinkStatus = LinkStatus.NOT_LINKED
    manager_link_id: int | None = None
    link_resource_name: str | None = None
    invited_at: datetime | None = None
    status_changed_at: datetime | None = None
    last_checked_at: datetime | None = None
    last_error: LastError | None = None
    #: Set (write-ahead) before a Google Ads call that creates something, cleared after its
    #: answer is recorded: a crash in between leaves it set, so the next run asks Google
    #: what happened instead of sending a second invitation.
    pending_operation: Operation | None = None
    #: The manager hides this active client in its account list (``CustomerClientLink.hidden``).
    hidden: bool = False
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    version: int = 0

    def __post_init__(self) -> None:
        if is_blank(self.name):
            raise InputError(f"client {self.customer_id} needs a non-blank name")
        if self.customer_id == self.mcc_customer_id:
            raise InputError(
                f"{self.customer_id} is the MCC itself: a manager cannot manage itself"
            )

    def check_limits(self) -> None:
        """Raise unless the name, e-mail and attributes are within the limits every store
        keeps (``check_client_fields``). Not checked on construction: a client stored
        before the limits existed must still be read.

        Raises:
            InputError: the first field out of bounds.
        """
        check_client_fields(self.name, self.email, self.attributes)

    def evolve(self, **changes: Any) -> Client:
        """A copy with ``changes`` applied and ``updated_at`` set to now."""
        changes.setdefault("updated_at", utcnow())
        return replace(self, **changes)


@dataclass(frozen=True)
class HistoryEntry:
    """One operation on one client, as recorded in ExecutionHistory."""

    customer_id: CustomerId
    mcc_customer_id: CustomerId
    operation: Operation
    outcome: Outcome
    status_before: LinkStatus | None = None
    status_after: LinkStatus | None = None
    error_code: str | None = None
    error_message: str | None = None
    request_id: str | None = None
    actor: str = "mcclink"
    duration_ms: float | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    timestamp: datetime = field(default_factory=utcnow)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def managers_moved(self) -> tuple[CustomerId, CustomerId] | None:
        """For a ``MOVE``: the manager the client left and the one it was moved to (its
        ``from_mcc`` and ``to_mcc``); None for any other entry."""
        moved = self.details.get("from_mcc"), self.details.get("to_mcc")
        if self.operation is not Operation.MOVE or None in moved:
            return None
        return CustomerId.parse(str(moved[0])), CustomerId.parse(str(moved[1]))

    def kept_by(self, mcc: CustomerId) -> HistoryEntry:
        """This entry as the manager ``mcc`` keeps it too (a move, under the manager the
        client left): its id is derived from this one's, so writing the pair again is
        recognised as the same write."""
        return replace(self, mcc_customer_id=mcc, id=f"{self.id}-{mcc.digits}")
