"""Staff values (``mcclink.staff``): roles, token format, session expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mcclink.errors import InputError
from mcclink.staff import (
    Role,
    StaffUser,
    check_token_name,
    effective_role,
    lower_role,
    mint_token,
    new_session,
    token_hash,
    token_id_of,
)

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def test_each_role_allows_what_the_roles_below_it_allow() -> None:
    assert [r.rank for r in Role] == [0, 1, 2]
    assert Role.ADMIN.allows(Role.OPERATOR)
    assert Role.OPERATOR.allows(Role.OPERATOR)
    assert not Role.VIEWER.allows(Role.OPERATOR)
    assert lower_role(Role.ADMIN, Role.VIEWER) is Role.VIEWER


def test_roles_parse_in_any_case_and_a_wrong_one_lists_the_three() -> None:
    assert Role.parse(" Admin ") is Role.ADMIN
    with pytest.raises(InputError, match="use one of viewer, operator, admin"):
        Role.parse("owner")


def test_a_minted_token_carries_its_id_and_only_its_hash_is_kept() -> None:
    secret, record = mint_token("ci", Role.OPERATOR, "cli:ana", T0, timedelta(days=90))
    assert secret.startswith(f"mcl_{record.id}_")
    assert token_id_of(secret) == record.id
    assert record.hash == token_hash(secret)
    assert record.matches(secret)
    assert not record.matches(secret + "x")
    assert record.expires_at == T0 + timedelta(days=90)
    assert secret not in repr(record)


@pytest.mark.parametrize(
    "raw", ["", "mcl_", "mcl_ABCDEFGHIJKL_" + "a" * 43, "xyz_abcdefghijkl_" + "a" * 43]
)
def test_text_that_is_not_one_of_our_tokens_has_no_id(raw: str) -> None:
    assert token_id_of(raw) is None


def test_a_token_is_usable_until_revoked_or_expired() -> None:
    _, record = mint_token("ci", Role.VIEWER, "cli:ana", T0, timedelta(hours=1))
    assert record.usable_at(T0 + timedelta(minutes=59))
    assert not record.usable_at(T0 + timedelta(hours=1))


def test_a_users_token_acts_with_the_lower_of_the_two_roles_and_dies_with_its_owner() -> None:
    _, record = mint_token("ci", Role.OPERATOR, "bia@agencia.com.br", T0)
    bia = StaffUser("bia@agencia.com.br", Role.VIEWER)
    assert effective_role(record, bia) is Role.VIEWER
    assert effective_role(record, None) is None
    _, cli = mint_token("ci", Role.ADMIN, "cli:ana", T0)
    assert effective_role(cli, None) is Role.ADMIN


@pytest.mark.parametrize("bad", ["", "CI", "-x", "a" * 33, "ci token"])
def test_token_names_are_short_lowercase_words(bad: str) -> None:
    with pytest.raises(InputError, match=r"e\.g\. ci or zapier"):
        check_token_name(bad)


def test_a_session_ends_when_idle_or_at_its_absolute_end() -> None:
    value, session = new_session("ana@agencia.com.br", T0, timedelta(hours=12))
    assert session.id_hash == token_hash(value)
    assert session.csrf not in repr(session)
    assert value not in repr(session)
    idle, longest = timedelta(hours=2), timedelta(hours=12)
    assert session.live_at(T0 + timedelta(hours=1), idle, longest)
    assert not session.live_at(T0 + timedelta(hours=2), idle, longest)
    late = session.seen(T0 + timedelta(hours=11))
    assert late.live_at(T0 + timedelta(hours=11, minutes=30), idle, longest)
    assert not late.live_at(T0 + timedelta(hours=12), idle, longest)


def test_a_shorter_longest_session_ends_sessions_made_before_it() -> None:
    _, session = new_session("ana@agencia.com.br", T0, timedelta(hours=12))
    busy = session.seen(T0 + timedelta(hours=3, minutes=50))
    idle = timedelta(hours=2)
    assert busy.live_at(T0 + timedelta(hours=3, minutes=59), idle, timedelta(hours=4))
    assert not busy.live_at(T0 + timedelta(hours=4), idle, timedelta(hours=4))
    # A longer one set later does not stretch a session past the end it was made with.
    assert not busy.live_at(T0 + timedelta(hours=12), timedelta(days=1), timedelta(days=2))
