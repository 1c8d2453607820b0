"""The agency's staff: who may use the dashboard and the API, with which role. No I/O.

- A ``StaffUser`` is a person, named by the e-mail they sign in with at Google, with a
  ``Role``: ``viewer`` reads everything, ``operator`` also changes links and clients,
  ``admin`` also manages users, tokens, settings and archives.
- An ``ApiToken`` is a personal API token. Its secret is shown once, when it is made, and
  stored only as a SHA-256 hash: a token carries 256 random bits, so a fast hash is as safe
  as a slow one, and the lookup is one read by the token's id, which the token itself
  carries in its visible ``prefix`` (``mcl_<id>_<secret>``). A token acts with its role,
  never more than its owner's role (``effective_role``).
- A ``StaffSession`` is a signed-in browser, kept in the store (so a sign-out survives a
  restart) under the hash of its cookie's value, with an idle and an absolute expiry.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from mcclink.domain import is_email_address
from mcclink.errors import InputError

#: The visible start of every personal API token: ``mcl_``, then its id.
TOKEN_MARK = "mcl_"
_TOKEN = re.compile(r"mcl_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
#: A token's name: what it is for (``ci``, ``zapier``), shown in history as ``token:<name>``.
_TOKEN_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
#: The longest name after ``cli:`` in an actor (history records it in every entry).
MAX_ACTOR_NAME = 64


class Role(StrEnum):
    """What a person or a token may do; each role can do everything of the roles below it."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """0 for viewer, 1 for operator, 2 for admin."""
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """True when this role may do what ``needed`` may."""
        return self.rank >= needed.rank

    @classmethod
    def parse(cls, raw: str) -> Role:
        """``admin``, ``operator`` or ``viewer`` (any case).

        Raises:
            InputError: anything else, naming the three roles.
        """
        try:
            return cls(raw.strip().lower())
        except ValueError:
            raise InputError(
                f"unknown role {raw!r}: use one of {', '.join(r.value for r in cls)}"
            ) from None


def lower_role(a: Role, b: Role) -> Role:
    """The less powerful of two roles."""
    return a if a.rank <= b.rank else b


def normalize_email(raw: str) -> str:
    """A staff e-mail address as stored and compared: trimmed, lower case.

    Raises:
        InputError: it is not one plain address, as a client's e-mail must be
            (``domain.is_email_address``).
    """
    email = raw.strip().lower()
    if not is_email_address(email):
        raise InputError(
            f"invalid e-mail address {raw!r}: give the address the person signs in with at "
            "Google, e.g. ana@agencia.com.br"
        )
    return email


def actor_name_problem(name: str) -> str | None:
    """Why ``name`` cannot follow ``cli:`` in an actor (empty, over ``MAX_ACTOR_NAME``
    characters, or holding a character that is not printable: a terminal escape, say), or
    None."""
    bad = next((c for c in name if not c.isprintable()), None)
    if bad is not None:
        return f"it holds U+{ord(bad):04X}"
    if not name.strip():
        return "it is empty"
    if len(name) > MAX_ACTOR_NAME:
        return f"it has {len(name):,}"
    return None


def email_domain(email: str) -> str:
    """The domain of a normalized e-mail address."""
    return email.rpartition("@")[2]


@dataclass(frozen=True)
class StaffUser:
    """A person who may sign in, and their role."""

    email: str
    role: Role
    name: str | None = None
    created_at: datetime | None = None
    #: Who registered them (an actor: ``cli:ana``, ``user:ana@agencia.com.br``).
    created_by: str | None = None
    #: The last time they signed in, if ever.
    last_sign_in_at: datetime | None = None


def check_token_name(raw: str) -> str:
    """A token's name: 1-32 of lowercase letters, digits, ``.``, ``_`` and ``-``.

    Raises:
        InputError: anything else, with an example.
    """
    name = raw.strip()
    if not _TOKEN_NAME.fullmatch(name):
        raise InputError(
            f"invalid token name {raw!r}: use 1-32 lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (e.g. ci or zapier)"
        )
    return name


class TokenState(StrEnum):
    """Whether a token can still act, and if not, why."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class ApiToken:
    """A personal API token as stored: never its secret, only the secret's hash."""

    id: str
    name: str
    role: Role
    #: The user it belongs to (an e-mail address), or the actor that made it on the command
    #: line (``cli:ana``), who has the store itself.
    owner: str
    #: SHA-256 of the whole token, hex.
    hash: str
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def prefix(self) -> str:
        """What may be shown of the token anywhere: ``mcl_<id>``."""
        return f"{TOKEN_MARK}{self.id}"

    @property
    def owned_by_user(self) -> bool:
        """True when a staff user owns it (its role is then capped by theirs)."""
        return "@" in self.owner and ":" not in self.owner

    def state(self, now: datetime) -> TokenState:
        """Revoked (whenever that was), else expired at ``expires_at``, else active."""
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at is not None and now >= self.expires_at:
            return TokenState.EXPIRED
        return TokenState.ACTIVE

    def usable_at(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.state(now) is TokenState.ACTIVE

    def matches(self, token: str) -> bool:
        """True when ``token`` is this token's secret (compared in constant time)."""
        return hmac.compare_digest(token_hash(token), self.hash)

    @property
    def actor(self) -> str:
        """How history names what this token does: ``token:<name> (<owner>)``."""
        return f"token:{self.name} ({self.owner})"


def effective_role(token: ApiToken, owner: StaffUser | None) -> Role | None:
    """The role ``token`` acts with: its own, capped by its owner's current role.

    None when a user-owned token's owner is no longer a user (the token no longer works).
    """
    if not token.owned_by_user:
        return token.role
    return None if owner is None else lower_role(token.role, owner.role)


def token_hash(token: str) -> str:
    """SHA-256 of a token, hex: what the store keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mint_token(
    name: str,
    role: Role,
    owner: str,
    now: datetime,
    expires_in: timedelta | None = None,
) -> tuple[str, ApiToken]:
    """A new token: its secret (to show once) and its record (to store).

    Raises:
        InputError: the name is malformed (``check_token_name``).
    """
    token_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    secret = f"{TOKEN_MARK}{token_id}_{secrets.token_urlsafe(32)}"
    record = ApiToken(
        id=token_id,
        name=check_token_name(name),
        role=role,
        owner=owner,
        hash=token_hash(secret),
        created_at=now,
        expires_at=None if expires_in is None else now + expires_in,
    )
    return secret, record


def token_id_of(token: str) -> str | None:
    """The id inside a well-formed personal token, or None (not one of ours)."""
    found = _TOKEN.fullmatch(token)
    return found.group(1) if found else None


@dataclass(frozen=True)
class StaffSession:
    """A signed-in browser, stored under the hash of its cookie's value."""

    #: SHA-256 (hex) of the cookie's value; the value itself is never stored.
    id_hash: str
    #: Who signed in: a staff e-mail, or ``break-glass`` for the shared ``MCC_API_TOKEN``.
    email: str
    #: The session's CSRF token (every form posts it back); never shown by repr.
    csrf: str = field(repr=False)
    created_at: datetime
    last_seen_at: datetime
    #: The absolute end, whatever the activity.
    expires_at: datetime
    revoked_at: datetime | None = None

    def live_at(self, now: datetime, idle: timedelta, longest: timedelta) -> bool:
        """Not revoked, used within ``idle``, and before its absolute end: ``expires_at``, or
        ``longest`` after it began if that comes first (a shorter ``MCC_SESSION_MAX`` set
        since holds for sessions made before it too)."""
        end = min(self.expires_at, self.created_at + longest)
        return self.revoked_at is None and now < end and now - self.last_seen_at < idle

    def seen(self, now: datetime) -> StaffSession:
        """The session with ``last_seen_at`` moved to ``now``."""
        return replace(self, last_seen_at=now)


#: Who signed in with the shared break-glass token (``MCC_API_TOKEN``), as sessions record it.
BREAK_GLASS = "break-glass"


def new_session(email: str, now: datetime, lifetime: timedelta) -> tuple[str, StaffSession]:
    """A new session for ``email``: the cookie's value (secret) and the record to store."""
    value = secrets.token_urlsafe(32)
    record = StaffSession(
        id_hash=token_hash(value),
        email=email,
        csrf=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    return value, record
