"""A token's state, as ``tokens list`` and the dashboard's tokens page show it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mcclink.staff import Role, TokenState, mint_token

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def test_a_token_is_active_until_it_expires_and_revoked_whenever_it_was_revoked() -> None:
    _, token = mint_token("ci", Role.VIEWER, "cli:ana", T0, timedelta(hours=1))
    revoked = replace(token, revoked_at=T0 + timedelta(minutes=5))

    assert token.state(T0 + timedelta(minutes=59)) is TokenState.ACTIVE
    assert token.state(T0 + timedelta(hours=1)) is TokenState.EXPIRED
    assert revoked.state(T0 + timedelta(minutes=10)) is TokenState.REVOKED
    assert revoked.state(T0 + timedelta(days=2)) is TokenState.REVOKED  # revoked, then expired
    assert not revoked.usable_at(T0 + timedelta(minutes=10))


def test_a_token_without_an_end_stays_active() -> None:
    _, token = mint_token("ci", Role.VIEWER, "cli:ana", T0)

    assert token.state(T0 + timedelta(days=10_000)) is TokenState.ACTIVE
    assert token.usable_at(T0 + timedelta(days=10_000))
