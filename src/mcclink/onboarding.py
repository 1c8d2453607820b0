"""Onboarding links: one unguessable, expiring, revocable URL that an advertiser opens to
accept the MCC's invitation by signing in with Google.

A link has a public id (listed, revoked, counted) and a secret that only its URL carries:
the URL token is ``<id>.<secret>``, and the store keeps only the secret's SHA-256, so a
copy of the store cannot open any link. Pure values and rules; no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mcclink.domain import CustomerId, utcnow
from mcclink.errors import InputError

#: How long a link stays usable unless told otherwise.
DEFAULT_EXPIRY = timedelta(days=14)
#: The longest a link may stay usable: a forgotten link should not open an account for ever.
MAX_EXPIRY = timedelta(days=90)
#: Random bytes of the public id (16 URL-safe characters) and of the secret (43 characters,
#: 256 bits: guessing one is out of reach however many tries the rate limit lets through).
ID_BYTES, SECRET_BYTES = 12, 32

# ``secrets.token_urlsafe(n)`` is n bytes in unpadded base64: ceil(4n / 3) characters,
# none of them a dot.
_ID_CHARS, _SECRET_CHARS = math.ceil(4 * ID_BYTES / 3), math.ceil(4 * SECRET_BYTES / 3)
_TOKEN = re.compile(rf"([\w-]{{{_ID_CHARS}}})\.([\w-]{{{_SECRET_CHARS}}})", re.ASCII)


class OnboardingEvent(StrEnum):
    """A step of the advertiser's way through a link, counted on the link (the funnel)."""

    OPENED = "opened"
    SIGNED_IN = "signed_in"
    ACCEPTED = "accepted"


class OnboardingState(StrEnum):
    """Whether a link can still be used, and if not, why."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class OnboardingLink:
    """A link that lets an advertiser accept the MCC's invitation (the secret is not here)."""

    id: str
    mcc_customer_id: CustomerId
    #: The one account the link is for; None for the agency's general access page.
    customer_id: CustomerId | None
    #: SHA-256 (hex) of the URL's secret.
    secret_hash: str
    created_at: datetime
    expires_at: datetime
    #: Who made it: ``cli:<user>``, ``web``, ``api``, ...
    created_by: str
    revoked_at: datetime | None = None
    opened: int = 0
    signed_in: int = 0
    accepted: int = 0

    def __post_init__(self) -> None:
        if self.customer_id == self.mcc_customer_id:
            raise InputError(
                f"{self.customer_id} is the MCC itself: a manager cannot manage itself"
            )
        if self.expires_at <= self.created_at:
            raise InputError(f"onboarding link {self.id} would expire before it was made")

    def state(self, now: datetime | None = None) -> OnboardingState:
        """Revoked (whenever that was), else expired at ``expires_at``, else active."""
        if self.revoked_at is not None:
            return OnboardingState.REVOKED
        if (now or utcnow()) >= self.expires_at:
            return OnboardingState.EXPIRED
        return OnboardingState.ACTIVE

    def is_usable(self, now: datetime | None = None) -> bool:
        """Whether an advertiser may still use the link at ``now`` (default: now)."""
        return self.state(now) is OnboardingState.ACTIVE

    def count(self, event: OnboardingEvent) -> int:
        """How many times ``event`` happened on this link."""
        count: int = getattr(self, event.value)
        return count


def new_link(
    mcc: CustomerId,
    customer_id: CustomerId | None,
    expires_in: timedelta,
    created_by: str,
    now: datetime | None = None,
) -> tuple[OnboardingLink, str]:
    """A new link and its URL token ``<id>.<secret>``; the token is shown once, never stored.

    Raises:
        InputError: ``expires_in`` is not positive or is longer than ``MAX_EXPIRY``, or
            ``customer_id`` is the MCC itself.
    """
    if not timedelta() < expires_in <= MAX_EXPIRY:
        raise InputError(
            f"an onboarding link must expire within {MAX_EXPIRY.days} days "
            f"and after more than zero: got {expires_in}"
        )
    created = now or utcnow()
    link_id, secret = _public_id(), secrets.token_urlsafe(SECRET_BYTES)
    link = OnboardingLink(
        id=link_id,
        mcc_customer_id=mcc,
        customer_id=customer_id,
        secret_hash=_digest(secret),
        created_at=created,
        expires_at=created + expires_in,
        created_by=created_by,
    )
    return link, f"{link_id}.{secret}"


def parse_token(token: str) -> tuple[str, str]:
    """The link id and the secret of a URL token.

    Raises:
        InputError: the token is not ``<id>.<secret>``; the message never repeats it.
    """
    match = _TOKEN.fullmatch(token.strip())
    if match is None:
        raise InputError("malformed onboarding link: copy the whole address you were sent")
    return match.group(1), match.group(2)


def secret_matches(link: OnboardingLink, secret: str) -> bool:
    """Whether ``secret`` is the link's, compared in constant time."""
    return hmac.compare_digest(_digest(secret), link.secret_hash)


def link_url(public_url: str, token: str) -> str:
    """The address the advertiser opens: ``<public_url>/onboard/<token>``."""
    return f"{public_url.rstrip('/')}/onboard/{token}"


def _public_id() -> str:
    """A random link id that never starts with "-": people type it as a command argument
    (``mcclink onboard revoke ID``), where it would read as an option."""
    while (candidate := secrets.token_urlsafe(ID_BYTES)).startswith("-"):
        pass
    return candidate


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class OnboardingFunnel:
    """How far advertisers went through the MCC's onboarding links, summed over every link.

    Steps are counted, not people: a link opened twice counts two ``opened``, and one
    sign-in on the general access page that links three accounts counts three ``accepted``.
    """

    links_created: int = 0
    opened: int = 0
    signed_in: int = 0
    accepted: int = 0

    @classmethod
    def of(cls, links: Iterable[OnboardingLink]) -> OnboardingFunnel:
        """The funnel of ``links`` (revoked and expired ones included: they were used)."""
        created = opened = signed_in = accepted = 0
        for link in links:
            created += 1
            opened += link.opened
            signed_in += link.signed_in
            accepted += link.accepted
        return cls(created, opened, signed_in, accepted)

    def to_dict(self) -> dict[str, int]:
        """The ``onboarding`` key of ``Stats.to_dict``."""
        return asdict(self)
