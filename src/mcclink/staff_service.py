"""The staff's use cases over the store: users, their personal API tokens, who may sign in.

The command line (``mcclink users``, ``mcclink tokens``) and the dashboard's admin pages both
go through ``StaffDirectory``, so the rules live here once:

- the last admin can be neither removed nor demoted (someone must be able to manage users);
- a token's role never exceeds its owner's, when a user owns it (and ``staff.effective_role``
  caps it again at every use, should the owner's role be lowered later);
- a person signs in when their verified e-mail is a user's, or when the ``hd`` claim of a
  verified Google Workspace account names an allowed domain (never the e-mail's suffix alone:
  a Gmail address can end in anything a user types).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Literal

from mcclink.domain import MAX_NAME, check_characters, utcnow
from mcclink.errors import ApiTokenNotFound, InputError, MccLinkError, StaffUserNotFound
from mcclink.ports import StaffStore
from mcclink.staff import (
    MAX_ACTOR_NAME,
    ApiToken,
    Role,
    StaffUser,
    actor_name_problem,
    effective_role,
    mint_token,
    normalize_email,
    token_id_of,
)

#: The longest a token may work: ten years (longer is "never": leave the expiry out).
MAX_TOKEN_LIFETIME = timedelta(days=3650)
#: ``last_used_at`` is written at most this often per token (a busy integration is one
#: write a minute, not one per request).
TOUCH_EVERY = timedelta(minutes=1)
_ADD_USER_HINT = "ask an admin to run `mcclink users add {email} --role viewer`"


class SignInRefused(MccLinkError):
    """A person who signed in at Google but may not enter; the message says why and whom to
    ask."""

    exit_code: ClassVar[int] = 2

    def __init__(
        self, reason: Literal["unverified", "not_registered", "domain"], message: str
    ) -> None:
        super().__init__(message)
        self.reason = reason


class TokenRefused(MccLinkError):
    """A bearer token that may not act; the message names it by its prefix only."""

    exit_code: ClassVar[int] = 2

    def __init__(
        self,
        reason: Literal["malformed", "unknown", "revoked", "expired", "owner_gone"],
        message: str,
    ) -> None:
        super().__init__(message)
        self.reason = reason


class LastAdmin(InputError):
    """Removing or demoting the only admin: nobody could manage users afterwards."""


@dataclass(frozen=True)
class Identity:
    """Who a verified ID token says signed in."""

    email: str
    email_verified: bool
    #: The Google Workspace domain of the account (the ``hd`` claim), if any.
    hd: str | None
    name: str | None
    subject: str


@dataclass(frozen=True)
class Admission:
    """Who may enter without being registered: verified accounts of these Workspace domains,
    as users with ``role`` (``MCC_STAFF_DOMAINS``, ``MCC_STAFF_DOMAIN_ROLE``)."""

    domains: frozenset[str] = frozenset()
    role: Role = Role.VIEWER


@dataclass(frozen=True)
class TokenUse:
    """A token that may act now, with the role it acts with and its actor in history."""

    token: ApiToken
    role: Role
    actor: str


class StaffDirectory:
    """Users and tokens, acting as ``actor`` (recorded as who created a user)."""

    def __init__(
        self, store: StaffStore, actor: str, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store, self.actor, self._clock = store, actor, clock

    # -- users -------------------------------------------------------------------------------

    def users(self) -> list[StaffUser]:
        """Every user, ordered by e-mail."""
        return self.store.list_users()

    def has_users(self) -> bool:
        """True once any user is registered."""
        return bool(self.store.list_users())

    def add_user(self, email: str, role: Role, name: str | None = None) -> StaffUser:
        """Register a person with ``role``.

        Raises:
            InputError: the e-mail address is malformed.
            StaffUserExists: they are a user already.
        """
        user = StaffUser(
            email=normalize_email(email),
            role=role,
            name=_name(name),
            created_at=self._clock(),
            created_by=self.actor,
        )
        return self.store.add_user(user)

    def set_role(self, email: str, role: Role) -> StaffUser:
        """Give a user another role.

        Raises:
            InputError: the e-mail address is malformed.
            StaffUserNotFound: no such user.
            LastAdmin: they are the only admin and ``role`` is not admin.
        """
        user = self._user(email)
        if user.role is Role.ADMIN and role is not Role.ADMIN:
            self._keep_an_admin(user, f"make another user admin first, then change {user.email}")
        return self.store.set_user_role(user.email, role)

    def remove_user(self, email: str) -> StaffUser:
        """Remove a user; their sessions end and every token of theirs is revoked for good
        (adding them back later restores none). Returns the user as they were.

        Their tokens are revoked before the user goes, so an interrupted removal leaves no
        token that a later ``add_user`` of the same address would bring back to life.

        Raises:
            InputError: the e-mail address is malformed.
            StaffUserNotFound: no such user.
            LastAdmin: they are the only admin.
        """
        user, now = self.removable(email), self._clock()
        for token in self.store.list_tokens(user.email):
            if token.revoked_at is None:
                self.store.revoke_token(token.id, now)
        self.store.remove_user(user.email, now)
        return user

    def removable(self, email: str) -> StaffUser:
        """The user, if they may be removed (to check before asking "are you sure?").

        Raises:
            InputError: the e-mail address is malformed.
            StaffUserNotFound: no such user.
            LastAdmin: they are the only admin.
        """
        user = self._user(email)
        if user.role is Role.ADMIN:
            self._keep_an_admin(user, f"make another user admin first, then remove {user.email}")
        return user

    def sign_out_everywhere(self, email: str) -> int:
        """End every session of a user; returns how many were live.

        Raises:
            InputError: the e-mail address is malformed.
            StaffUserNotFound: no such user.
        """
        return self.store.revoke_sessions(self._user(email).email, self._clock())

    def _user(self, email: str) -> StaffUser:
        address = normalize_email(email)
        user = self.store.get_user(address)
        if user is None:
            raise StaffUserNotFound(address)
        return user

    def _keep_an_admin(self, user: StaffUser, fix: str) -> None:
        admins = [u for u in self.store.list_users() if u.role is Role.ADMIN]
        if [a.email for a in admins] == [user.email]:
            raise LastAdmin(f"{user.email} is the only admin: {fix}")

    # -- tokens ------------------------------------------------------------------------------

    def tokens(self, owner: str | None = None) -> list[ApiToken]:
        """Every token (of ``owner``: an e-mail or a ``cli:`` actor), newest first."""
        return self.store.list_tokens(_owner(owner) if owner else None)

    def create_token(
        self, name: str, role: Role, owner: str, expires_in: timedelta | None = None
    ) -> tuple[str, ApiToken]:
        """A new token for ``owner``; returns its secret (show it once) and its record.

        Args:
            name: what it is for (``ci``); history shows ``token:<name> (<owner>)``.
            role: what it may do; at most the owner's role when a user owns it.
            owner: a user's e-mail, or the actor making it on the command line (``cli:ana``).
            expires_in: how long it works, at most ``MAX_TOKEN_LIFETIME``; None for no end.

        Raises:
            InputError: a malformed name or e-mail, ``role`` above the owner's, an expiry
                that is not positive or over ten years, or a name the owner already gives a
                token that is neither revoked nor expired.
            StaffUserNotFound: ``owner`` names no user.
        """
        if expires_in is not None and not timedelta() < expires_in <= MAX_TOKEN_LIFETIME:
            raise InputError(
                "a token's expiry must be longer than zero and at most 3650 days (e.g. 90d); "
                "leave it out for a token that does not expire"
            )
        owner = _owner(owner)
        if not _is_actor(owner):
            user = self._user(owner)
            if not user.role.allows(role):
                raise InputError(
                    f"{user.email} is {user.role.value}: a token of theirs can have at most "
                    f"that role, not {role.value}; choose --role {user.role.value} or lower"
                )
        now = self._clock()
        secret, record = mint_token(name, role, owner, now, expires_in)
        self._refuse_a_name_in_use(record, now)
        return secret, self.store.add_token(record)

    def _refuse_a_name_in_use(self, new: ApiToken, now: datetime) -> None:
        """History names a token ``token:<name> (<owner>)``: two usable tokens of one owner
        with one name could not be told apart there."""
        same = [t for t in self.store.list_tokens(new.owner) if t.name == new.name]
        usable = next((t for t in same if t.usable_at(now)), None)
        if usable is not None:
            raise InputError(
                f"{new.owner} already has a token named {new.name} ({usable.prefix}): choose "
                f"another name (--name), or revoke {usable.prefix} first"
            )

    def revoke_token(self, ref: str, *, by: str | None = None) -> ApiToken:
        """Revoke a token named by its id, its ``mcl_<id>`` prefix or the whole token.

        Args:
            ref: the token's id, prefix or secret.
            by: the e-mail of the user asking: unless an admin, they may revoke only their own.

        Raises:
            InputError: ``ref`` holds no id.
            ApiTokenNotFound: no such token (or, to a user who is not admin, not theirs).
        """
        token_id = _token_ref(ref)
        token = self.store.get_token(token_id)
        if token is None or (by is not None and not self._may_manage(by, token)):
            raise ApiTokenNotFound(token_id)
        return self.store.revoke_token(token_id, self._clock())

    def _may_manage(self, email: str, token: ApiToken) -> bool:
        user = self.store.get_user(normalize_email(email))
        return user is not None and (user.role is Role.ADMIN or token.owner == user.email)

    def resolve_token(self, raw: str) -> TokenUse:
        """The token ``raw`` if it may act now, with the role it acts with.

        Raises:
            TokenRefused: malformed, unknown, revoked, expired, or its owner is no longer a
                user; the message names it by its prefix only.
        """
        token_id = token_id_of(raw)
        if token_id is None:
            raise TokenRefused(
                "malformed", "this is not an mcclink API token (they start with mcl_)"
            )
        token = self.store.get_token(token_id)
        if token is None or not token.matches(raw):
            raise TokenRefused("unknown", f"no API token mcl_{token_id} exists")
        now = self._clock()
        if token.revoked_at is not None:
            raise TokenRefused(
                "revoked",
                f"API token {token.prefix} was revoked on {_when(token.revoked_at)}: "
                "make a new one with `mcclink tokens create`",
            )
        if token.expires_at is not None and now >= token.expires_at:
            raise TokenRefused(
                "expired",
                f"API token {token.prefix} expired on {_when(token.expires_at)}: "
                "make a new one with `mcclink tokens create`",
            )
        owner = self.store.get_user(token.owner) if token.owned_by_user else None
        role = effective_role(token, owner)
        if role is None:
            raise TokenRefused(
                "owner_gone",
                f"API token {token.prefix} belonged to {token.owner}, who is no longer a user: "
                "make a new one with `mcclink tokens create`",
            )
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            self.store.touch_token(token.id, now)
        return TokenUse(token, role, token.actor)

    # -- signing in --------------------------------------------------------------------------

    def admit(self, identity: Identity, admission: Admission) -> StaffUser:
        """The user ``identity`` signs in as: a registered user, or a new one of an allowed
        domain (added with ``admission.role``).

        Raises:
            SignInRefused: the e-mail is not verified, or it is no user's and the account is
                of no allowed domain; the message says why and whom to ask.
        """
        email = normalize_email(identity.email)
        if not identity.email_verified:
            raise SignInRefused(
                "unverified",
                f"Google has not verified the e-mail address {email}: verify it with Google, "
                "or sign in with another account",
            )
        now = self._clock()
        user = self.store.get_user(email)
        if user is None:
            domain = (identity.hd or "").lower()
            if domain not in admission.domains:
                raise self._stranger(email, domain, admission)
            user = self.store.add_user(
                StaffUser(
                    email=email,
                    role=admission.role,
                    name=identity.name,
                    created_at=now,
                    created_by=f"domain:{domain}",
                )
            )
        self.store.record_sign_in(email, now, identity.name)
        return user

    @staticmethod
    def _stranger(email: str, domain: str, admission: Admission) -> SignInRefused:
        hint = _ADD_USER_HINT.format(email=email)
        if not admission.domains:
            return SignInRefused("not_registered", f"{email} is not a user of mcclink: {hint}")
        allowed = ", ".join(sorted(admission.domains))
        found = f"of the Workspace domain {domain}" if domain else "not a Google Workspace account"
        return SignInRefused(
            "domain",
            f"{email} is not a user, and the account is {found}; accounts of {allowed} may "
            f"enter: sign in with one, or {hint}",
        )


def reentry_warning(user: StaffUser) -> str | None:
    """What to tell whoever removed ``user`` when an allowed domain let them in: they enter
    again at their next Google sign-in. None for a user someone registered."""
    by = user.created_by or ""
    if not by.startswith("domain:"):
        return None
    domain = by.removeprefix("domain:")
    return (
        f"{user.email} entered as a member of {domain} (MCC_STAFF_DOMAINS): they enter again, "
        "as a new user with MCC_STAFF_DOMAIN_ROLE's role, at their next Google sign-in; to keep "
        f"them out, take {domain} out of MCC_STAFF_DOMAINS or suspend their account at Google"
    )


def _is_actor(owner: str) -> bool:
    """True for a command-line actor (``cli``, ``cli:ana``), False for a user's e-mail."""
    return owner == "cli" or owner.startswith("cli:")


def _owner(raw: str) -> str:
    """A token's owner: a user's normalized e-mail, or a checked command-line actor.

    Raises:
        InputError: a malformed e-mail, or a ``cli:<name>`` whose name is empty, long or
            holds a character that is not printable.
    """
    owner = raw.strip()
    if not _is_actor(owner):
        return normalize_email(owner)
    problem = actor_name_problem(owner.removeprefix("cli:")) if owner != "cli" else None
    if problem is not None:
        raise InputError(
            f"invalid token owner {owner[:80]!r}: {problem}; an owner is a user's e-mail or "
            f"cli:<name> with a printable name of at most {MAX_ACTOR_NAME} characters "
            "(e.g. cli:ana)"
        )
    return owner


def _name(raw: str | None) -> str | None:
    """A user's display name: trimmed, None when blank.

    Raises:
        InputError: it is over ``MAX_NAME`` characters or holds control or format characters.
    """
    name = (raw or "").strip()
    if len(name) > MAX_NAME:
        raise InputError(f"the name has {len(name):,} characters: at most {MAX_NAME}")
    check_characters("the name", name)
    return name or None


def _token_ref(ref: str) -> str:
    """The id in a token reference: the id, ``mcl_<id>``, or the whole token (of which only
    the id part is ever kept, so a mistyped secret is never echoed).

    Raises:
        InputError: the reference holds no id (empty, or ``mcl_`` alone).
    """
    text = ref.strip()
    whole = token_id_of(text)
    if whole is not None:
        return whole
    token_id = text.removeprefix("mcl_").partition("_")[0][:64]
    if not token_id:
        raise InputError(
            "no token id given: give the token's id or its mcl_<id> prefix, as "
            "`mcclink tokens list` shows it"
        )
    return token_id


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
