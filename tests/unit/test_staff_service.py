"""The staff rules (``mcclink.staff_service``) over an in-memory store: last admin, token
roles and their owners, token resolution, who may sign in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mcclink.errors import ApiTokenNotFound, InputError, StaffUserExists, StaffUserNotFound
from mcclink.ports import StaffStore
from mcclink.staff import ApiToken, Role, StaffSession, StaffUser, token_hash
from mcclink.staff_service import (
    Admission,
    Identity,
    LastAdmin,
    SignInRefused,
    StaffDirectory,
    TokenRefused,
)

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


class MemoryStaff(StaffStore):
    """A StaffStore in dictionaries, with the contract's behaviour (tests/store checks the
    real ones)."""

    def __init__(self) -> None:
        self.users_: dict[str, StaffUser] = {}
        self.tokens_: dict[str, ApiToken] = {}
        self.sessions: dict[str, StaffSession] = {}
        self.touches = 0

    def add_user(self, user: StaffUser) -> StaffUser:
        if self.users_.get(user.email, user) != user:
            raise StaffUserExists(user.email)
        self.users_[user.email] = user
        return user

    def get_user(self, email: str) -> StaffUser | None:
        return self.users_.get(email)

    def list_users(self) -> list[StaffUser]:
        return sorted(self.users_.values(), key=lambda u: u.email)

    def set_user_role(self, email: str, role: Role) -> StaffUser:
        if email not in self.users_:
            raise StaffUserNotFound(email)
        self.users_[email] = replace(self.users_[email], role=role)
        return self.users_[email]

    def record_sign_in(self, email: str, at: datetime, name: str | None = None) -> None:
        user = self.users_[email]
        self.users_[email] = replace(user, last_sign_in_at=at, name=name or user.name)

    def remove_user(self, email: str, at: datetime) -> None:
        if self.users_.pop(email, None) is None:
            raise StaffUserNotFound(email)
        self.revoke_sessions(email, at)

    def add_token(self, token: ApiToken) -> ApiToken:
        self.tokens_[token.id] = token
        return token

    def get_token(self, token_id: str) -> ApiToken | None:
        return self.tokens_.get(token_id)

    def list_tokens(self, owner: str | None = None) -> list[ApiToken]:
        found = [t for t in self.tokens_.values() if owner is None or t.owner == owner]
        return sorted(found, key=lambda t: t.created_at, reverse=True)

    def revoke_token(self, token_id: str, at: datetime) -> ApiToken:
        token = self.tokens_.get(token_id)
        if token is None:
            raise ApiTokenNotFound(token_id)
        self.tokens_[token_id] = replace(token, revoked_at=token.revoked_at or at)
        return self.tokens_[token_id]

    def touch_token(self, token_id: str, at: datetime) -> None:
        self.touches += 1
        self.tokens_[token_id] = replace(self.tokens_[token_id], last_used_at=at)

    def add_session(self, session: StaffSession) -> None:
        self.sessions[session.id_hash] = session

    def get_session(self, id_hash: str) -> StaffSession | None:
        return self.sessions.get(id_hash)

    def touch_session(self, id_hash: str, at: datetime) -> None:
        self.sessions[id_hash] = self.sessions[id_hash].seen(at)

    def revoke_session(self, id_hash: str, at: datetime) -> None:
        self.sessions[id_hash] = replace(self.sessions[id_hash], revoked_at=at)

    def revoke_sessions(self, email: str, at: datetime) -> int:
        live = [s for s in self.sessions.values() if s.email == email and s.revoked_at is None]
        for session in live:
            self.revoke_session(session.id_hash, at)
        return len(live)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> MemoryStaff:
    return MemoryStaff()


@pytest.fixture
def staff(store: MemoryStaff, clock: Clock) -> StaffDirectory:
    return StaffDirectory(store, "cli:ana", clock)


def test_users_are_stored_by_their_normalized_address_with_who_added_them(
    staff: StaffDirectory,
) -> None:
    user = staff.add_user("  Ana@Agencia.com.BR ", Role.ADMIN, name=" Ana ")
    assert (user.email, user.role, user.name, user.created_by) == (
        "ana@agencia.com.br",
        Role.ADMIN,
        "Ana",
        "cli:ana",
    )
    assert staff.has_users()
    with pytest.raises(StaffUserExists):
        staff.add_user("ana@agencia.com.br", Role.VIEWER)


@pytest.mark.parametrize(
    "bad",
    [
        "ana",
        "ana@",
        "@x.com",
        "a b@x.com",
        "ana@localhost",
        "ana@.com",
        "ana@agencia.com.",
        "ana@agencia..com.br",
        "ana..silva@agencia.com.br",
        "ana@-agencia.com.br",
        "ana@agencia.com.br\x1b[31m",
    ],
)
def test_a_malformed_address_is_refused_with_an_example(staff: StaffDirectory, bad: str) -> None:
    with pytest.raises(InputError, match=r"e\.g\. ana@agencia\.com\.br"):
        staff.add_user(bad, Role.VIEWER)


def test_the_last_admin_can_be_neither_demoted_nor_removed(staff: StaffDirectory) -> None:
    staff.add_user("ana@agencia.com.br", Role.ADMIN)
    staff.add_user("bia@agencia.com.br", Role.OPERATOR)
    with pytest.raises(LastAdmin, match="make another user admin first"):
        staff.set_role("ana@agencia.com.br", Role.OPERATOR)
    with pytest.raises(LastAdmin, match="only admin"):
        staff.remove_user("ana@agencia.com.br")
    staff.set_role("bia@agencia.com.br", Role.ADMIN)
    staff.remove_user("ana@agencia.com.br")
    assert [u.email for u in staff.users()] == ["bia@agencia.com.br"]


def test_unknown_users_are_named(staff: StaffDirectory) -> None:
    with pytest.raises(StaffUserNotFound, match="users list"):
        staff.set_role("zé@agencia.com.br", Role.ADMIN)


def test_a_token_whose_owner_is_gone_from_the_store_is_refused(
    staff: StaffDirectory, store: MemoryStaff
) -> None:
    staff.add_user("ana@agencia.com.br", Role.ADMIN)
    staff.add_user("bia@agencia.com.br", Role.OPERATOR)
    secret, _ = staff.create_token("ci", Role.OPERATOR, "bia@agencia.com.br")
    assert staff.resolve_token(secret).role is Role.OPERATOR
    store.remove_user("bia@agencia.com.br", T0)  # the store alone: the token is not revoked
    with pytest.raises(TokenRefused, match="no longer a user") as refused:
        staff.resolve_token(secret)
    assert refused.value.reason == "owner_gone"
    assert secret not in str(refused.value)


def test_a_removed_user_added_back_gets_none_of_their_tokens_back(
    staff: StaffDirectory, clock: Clock
) -> None:
    staff.add_user("ana@agencia.com.br", Role.ADMIN)
    staff.add_user("bia@agencia.com.br", Role.OPERATOR)
    secret, _ = staff.create_token("ci", Role.OPERATOR, "bia@agencia.com.br")
    _, old = staff.create_token("old", Role.VIEWER, "bia@agencia.com.br")
    clock.now += timedelta(hours=1)
    staff.revoke_token(old.id)
    clock.now += timedelta(hours=1)
    assert staff.remove_user("bia@agencia.com.br").role is Role.OPERATOR
    staff.add_user("bia@agencia.com.br", Role.OPERATOR)
    with pytest.raises(TokenRefused) as refused:
        staff.resolve_token(secret)
    assert refused.value.reason == "revoked"
    revoked = {t.name: t.revoked_at for t in staff.tokens("bia@agencia.com.br")}
    assert revoked == {"ci": T0 + timedelta(hours=2), "old": T0 + timedelta(hours=1)}


def test_a_token_never_has_more_than_its_owner(staff: StaffDirectory) -> None:
    staff.add_user("ana@agencia.com.br", Role.ADMIN)
    staff.add_user("bia@agencia.com.br", Role.OPERATOR)
    with pytest.raises(InputError, match="at most that role, not admin"):
        staff.create_token("ci", Role.ADMIN, "bia@agencia.com.br")
    secret, _ = staff.create_token("ci", Role.OPERATOR, "bia@agencia.com.br")
    staff.set_role("bia@agencia.com.br", Role.VIEWER)  # lowered later: the token follows
    use = staff.resolve_token(secret)
    assert (use.role, use.actor) == (Role.VIEWER, "token:ci (bia@agencia.com.br)")


def test_a_command_line_token_acts_with_its_own_role(staff: StaffDirectory) -> None:
    secret, record = staff.create_token("zapier", Role.ADMIN, "cli:ana")
    assert record.owner == "cli:ana"
    assert staff.resolve_token(secret).role is Role.ADMIN


def test_resolution_refuses_each_kind_of_bad_token_by_prefix_only(
    staff: StaffDirectory, clock: Clock
) -> None:
    secret, record = staff.create_token("ci", Role.VIEWER, "cli:ana", timedelta(days=1))
    with pytest.raises(TokenRefused) as malformed:
        staff.resolve_token("not-a-token")
    assert malformed.value.reason == "malformed"
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    with pytest.raises(TokenRefused) as unknown:
        staff.resolve_token(forged)
    assert unknown.value.reason == "unknown"
    clock.now = T0 + timedelta(days=1)
    with pytest.raises(TokenRefused, match="expired on 2026-11-03 12:00 UTC") as expired:
        staff.resolve_token(secret)
    assert record.prefix in str(expired.value)
    assert secret not in str(expired.value)


def test_a_revoked_token_is_refused_at_once(staff: StaffDirectory) -> None:
    secret, record = staff.create_token("ci", Role.VIEWER, "cli:ana")
    staff.revoke_token(record.prefix)
    with pytest.raises(TokenRefused, match="was revoked on") as refused:
        staff.resolve_token(secret)
    assert refused.value.reason == "revoked"


@pytest.mark.parametrize("ref", ["id", "prefix", "secret"])
def test_a_token_is_revoked_by_its_id_prefix_or_secret(staff: StaffDirectory, ref: str) -> None:
    secret, record = staff.create_token("ci", Role.VIEWER, "cli:ana")
    given = {"id": record.id, "prefix": record.prefix, "secret": secret}[ref]
    assert staff.revoke_token(given).revoked_at == T0


def test_a_user_revokes_only_their_own_tokens_unless_admin(staff: StaffDirectory) -> None:
    staff.add_user("ana@agencia.com.br", Role.ADMIN)
    staff.add_user("bia@agencia.com.br", Role.OPERATOR)
    staff.add_user("caio@agencia.com.br", Role.OPERATOR)
    _, bias = staff.create_token("ci", Role.OPERATOR, "bia@agencia.com.br")
    with pytest.raises(ApiTokenNotFound):
        staff.revoke_token(bias.id, by="caio@agencia.com.br")
    assert staff.revoke_token(bias.id, by="ana@agencia.com.br").revoked_at == T0


def test_last_use_is_written_at_most_once_a_minute(
    staff: StaffDirectory, store: MemoryStaff, clock: Clock
) -> None:
    secret, _ = staff.create_token("ci", Role.VIEWER, "cli:ana")
    for _ in range(5):
        staff.resolve_token(secret)
    clock.now = T0 + timedelta(seconds=61)
    staff.resolve_token(secret)
    assert store.touches == 2


def test_only_the_hash_of_a_token_is_stored(staff: StaffDirectory, store: MemoryStaff) -> None:
    secret, record = staff.create_token("ci", Role.VIEWER, "cli:ana")
    assert secret.startswith(record.prefix + "_")
    assert record.hash == token_hash(secret)
    assert secret not in repr(store.tokens_)


def _identity(email: str, *, verified: bool = True, hd: str | None = None) -> Identity:
    return Identity(email=email, email_verified=verified, hd=hd, name="Someone", subject="1")


def test_a_registered_user_signs_in_and_their_sign_in_is_recorded(
    staff: StaffDirectory, store: MemoryStaff
) -> None:
    staff.add_user("ana@agencia.com.br", Role.OPERATOR)
    user = staff.admit(_identity("Ana@agencia.com.br"), Admission())
    assert user.role is Role.OPERATOR
    assert store.users_["ana@agencia.com.br"].last_sign_in_at == T0


def test_an_unverified_address_never_enters(staff: StaffDirectory) -> None:
    staff.add_user("ana@agencia.com.br", Role.ADMIN)
    with pytest.raises(SignInRefused, match="not verified") as refused:
        staff.admit(_identity("ana@agencia.com.br", verified=False), Admission())
    assert refused.value.reason == "unverified"


def test_an_allowed_domain_enters_by_its_hd_claim_never_by_the_address_suffix(
    staff: StaffDirectory, store: MemoryStaff
) -> None:
    allowed = Admission(frozenset({"agencia.com.br"}), Role.VIEWER)
    user = staff.admit(_identity("novo@agencia.com.br", hd="agencia.com.br"), allowed)
    assert (user.role, user.created_by) == (Role.VIEWER, "domain:agencia.com.br")
    with pytest.raises(SignInRefused, match="not a Google Workspace account") as gmail:
        staff.admit(_identity("x@agencia.com.br", hd=None), allowed)
    assert gmail.value.reason == "domain"
    with pytest.raises(SignInRefused, match=r"Workspace domain outra\.com") as other:
        staff.admit(_identity("y@outra.com", hd="outra.com"), allowed)
    assert "users add y@outra.com" in str(other.value)
    assert set(store.users_) == {"novo@agencia.com.br"}


def test_a_stranger_without_allowed_domains_is_told_whom_to_ask(staff: StaffDirectory) -> None:
    with pytest.raises(SignInRefused, match="ask an admin") as refused:
        staff.admit(_identity("x@y.com", hd="y.com"), Admission())
    assert refused.value.reason == "not_registered"


def test_a_mistyped_token_is_never_echoed_when_revoking(staff: StaffDirectory) -> None:
    secret, record = staff.create_token("ci", Role.VIEWER, "cli:ana")
    typo = "mcl_zz" + secret[6:-1] + "!"  # another id, and not token-shaped
    with pytest.raises(ApiTokenNotFound) as unknown:
        staff.revoke_token(typo)
    assert secret[len(record.prefix) + 1 : -1] not in str(unknown.value)
    assert f"'zz{record.id[2:]}'" in str(unknown.value)


@pytest.mark.parametrize("days", [0, 3651])
def test_a_token_expiry_is_positive_and_at_most_ten_years(staff: StaffDirectory, days: int) -> None:
    with pytest.raises(InputError, match="at most 3650 days"):
        staff.create_token("ci", Role.VIEWER, "cli:ana", timedelta(days=days))


def test_a_bare_cli_actor_may_own_a_token(staff: StaffDirectory) -> None:
    secret, record = staff.create_token("cron", Role.OPERATOR, "cli")
    assert record.owner == "cli"
    assert staff.resolve_token(secret).role is Role.OPERATOR


def test_signing_out_everywhere_names_an_unknown_user(staff: StaffDirectory) -> None:
    with pytest.raises(StaffUserNotFound):
        staff.sign_out_everywhere("ninguem@agencia.com.br")


@pytest.mark.parametrize(
    ("name", "problem"), [("A" * 256, "at most 255"), ("Ana\x1b[31m", "control character")]
)
def test_a_users_name_is_checked_like_a_clients(
    staff: StaffDirectory, name: str, problem: str
) -> None:
    with pytest.raises(InputError, match=problem):
        staff.add_user("ana@agencia.com.br", Role.VIEWER, name=name)
    assert staff.users() == []


@pytest.mark.parametrize(
    ("owner", "problem"),
    [("cli:", "it is empty"), ("cli:" + "a" * 65, "it has 65"), ("cli:ana\x1b[31m", r"U\+001B")],
)
def test_a_command_line_owner_is_checked_like_mcclink_actor(
    staff: StaffDirectory, owner: str, problem: str
) -> None:
    with pytest.raises(InputError, match=problem) as refused:
        staff.create_token("ci", Role.VIEWER, owner)
    assert "\x1b" not in str(refused.value).replace("\\x1b", "")
    assert staff.tokens() == []


def test_an_owner_may_not_give_two_usable_tokens_one_name(
    staff: StaffDirectory, clock: Clock
) -> None:
    staff.add_user("ana@agencia.com.br", Role.ADMIN)
    _, first = staff.create_token("ci", Role.VIEWER, "ana@agencia.com.br", timedelta(hours=1))
    with pytest.raises(InputError, match=rf"already has a token named ci \({first.prefix}\)") as e:
        staff.create_token(" ci ", Role.VIEWER, "ana@agencia.com.br")
    assert f"another name (--name), or revoke {first.prefix} first" in str(e.value)
    staff.create_token("ci", Role.VIEWER, "cli:ana")  # another owner: another actor
    clock.now += timedelta(hours=1)  # the first has expired: its name is free again
    _, second = staff.create_token("ci", Role.VIEWER, "ana@agencia.com.br")
    staff.revoke_token(second.id)
    staff.create_token("ci", Role.VIEWER, "ana@agencia.com.br")
    assert len(staff.tokens("ana@agencia.com.br")) == 3


@pytest.mark.parametrize("ref", ["", "  ", "mcl_", "mcl__x"])
def test_revoking_asks_for_an_id_when_given_none(staff: StaffDirectory, ref: str) -> None:
    with pytest.raises(InputError, match=r"no token id given: give the token's id or its mcl_"):
        staff.revoke_token(ref)
