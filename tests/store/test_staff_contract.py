"""The StaffStore contract: staff users, personal API tokens and sessions, on both stores."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mcclink.errors import ApiTokenNotFound, StaffUserExists, StaffUserNotFound, StoreError
from mcclink.ports import Store
from mcclink.staff import (
    ApiToken,
    Role,
    StaffSession,
    StaffUser,
    mint_token,
    new_session,
)
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.sqlite import SqliteStore
from tests.store.conftest import Backend
from tests.store.records import NOON, minutes

ANA = "ana@agencia.com.br"
BRUNO = "bruno@agencia.com.br"
CAIO = "caio@agencia.com.br"
HOURS_12 = timedelta(hours=12)


def a_user(email: str = ANA, role: Role = Role.OPERATOR, **changes: Any) -> StaffUser:
    """A user registered at noon from the command line."""
    user = StaffUser(email, role, name="Ana Souza", created_at=NOON, created_by="cli:ana")
    return replace(user, **changes)


def a_token(
    name: str = "ci", owner: str = ANA, at: timedelta = timedelta(), role: Role = Role.OPERATOR
) -> tuple[str, ApiToken]:
    """A new token (its secret and its record) made ``at`` after noon."""
    return mint_token(name, role, owner, NOON + at, expires_in=timedelta(days=90))


def a_session(email: str = ANA, at: timedelta = timedelta()) -> tuple[str, StaffSession]:
    """A new session (its cookie's value and its record) made ``at`` after noon."""
    return new_session(email, NOON + at, HOURS_12)


def stored_text(backend: Backend) -> str:
    """Everything the backend holds, as text: the SQLite files' bytes, or every item of the
    Staff table (read by a client of its own, outside the store's request count)."""
    store = backend.store
    if isinstance(store, SqliteStore):
        files = [store.path, store.path.with_name(store.path.name + "-wal")]
        return "".join(p.read_bytes().decode("latin-1") for p in files if Path(p).exists())
    assert isinstance(store, DynamoDBStore)
    scanner = DynamoDBStore(store.names).client
    return str(scanner.scan(TableName=store.names.staff)["Items"])


# --- users ----------------------------------------------------------------------------------


def test_a_user_reads_back_with_every_field(store: Store) -> None:
    user = a_user(last_sign_in_at=NOON + minutes(5))

    assert store.add_user(user) == user
    assert store.get_user(ANA) == user


def test_a_user_with_only_the_required_fields_reads_back(store: Store) -> None:
    user = StaffUser(ANA, Role.VIEWER)

    store.add_user(user)

    assert store.get_user(ANA) == user


def test_an_unknown_user_reads_as_none(store: Store) -> None:
    assert store.get_user(ANA) is None


def test_adding_the_same_user_twice_stores_it_once(store: Store) -> None:
    store.add_user(a_user())

    assert store.add_user(a_user()) == a_user()
    assert store.list_users() == [a_user()]


def test_another_user_under_a_registered_email_is_refused_and_nothing_written(
    store: Store,
) -> None:
    store.add_user(a_user())

    with pytest.raises(StaffUserExists) as refused:
        store.add_user(a_user(role=Role.ADMIN, name="Someone Else"))

    assert refused.value.email == ANA
    assert store.get_user(ANA) == a_user()


def test_users_are_listed_by_email(store: Store) -> None:
    for email in (CAIO, ANA, BRUNO):
        store.add_user(a_user(email))

    assert [user.email for user in store.list_users()] == [ANA, BRUNO, CAIO]


def test_no_users_list_empty(store: Store) -> None:
    assert store.list_users() == []


def test_a_new_role_is_stored_and_returned(store: Store) -> None:
    store.add_user(a_user())

    changed = store.set_user_role(ANA, Role.ADMIN)

    assert changed == a_user(role=Role.ADMIN)
    assert store.get_user(ANA) == changed


def test_the_role_of_an_unknown_user_cannot_be_set(store: Store) -> None:
    with pytest.raises(StaffUserNotFound):
        store.set_user_role(ANA, Role.ADMIN)

    assert store.get_user(ANA) is None


def test_a_sign_in_is_recorded_with_the_name_when_given(store: Store) -> None:
    store.add_user(a_user(name=None))

    store.record_sign_in(ANA, NOON + minutes(1), "Ana S.")
    store.record_sign_in(ANA, NOON + minutes(2))

    assert store.get_user(ANA) == a_user(name="Ana S.", last_sign_in_at=NOON + minutes(2))


def test_a_sign_in_of_an_unknown_user_is_refused(store: Store) -> None:
    with pytest.raises(StaffUserNotFound):
        store.record_sign_in(ANA, NOON)

    assert store.get_user(ANA) is None


def test_removing_a_user_revokes_their_sessions_and_no_one_elses(store: Store) -> None:
    store.add_user(a_user())
    store.add_user(a_user(BRUNO))
    _, ours = a_session(ANA)
    _, theirs = a_session(BRUNO)
    store.add_session(ours)
    store.add_session(theirs)

    store.remove_user(ANA, NOON + minutes(5))

    assert store.get_user(ANA) is None
    assert [user.email for user in store.list_users()] == [BRUNO]
    assert store.get_session(ours.id_hash) == replace(ours, revoked_at=NOON + minutes(5))
    assert store.get_session(theirs.id_hash) == theirs


def test_an_unknown_user_cannot_be_removed(store: Store) -> None:
    with pytest.raises(StaffUserNotFound):
        store.remove_user(ANA, NOON)


def test_a_removed_user_may_be_added_again(store: Store) -> None:
    store.add_user(a_user())
    store.remove_user(ANA, NOON)

    store.add_user(a_user(role=Role.VIEWER))

    assert store.get_user(ANA) == a_user(role=Role.VIEWER)


# --- tokens ---------------------------------------------------------------------------------


def test_a_token_record_round_trips_every_field(store: Store) -> None:
    _, minted = a_token()
    token = replace(
        minted, last_used_at=NOON + minutes(3), revoked_at=NOON + minutes(4), role=Role.ADMIN
    )

    assert store.add_token(token) == token
    assert store.get_token(token.id) == token


def test_a_token_without_expiry_round_trips(store: Store) -> None:
    _, token = mint_token("zapier", Role.VIEWER, "cli:ana", NOON)

    store.add_token(token)

    assert store.get_token(token.id) == token


def test_an_unknown_token_reads_as_none(store: Store) -> None:
    assert store.get_token("abcdefghijkl") is None


def test_adding_the_same_token_twice_stores_it_once(store: Store) -> None:
    _, token = a_token()
    store.add_token(token)

    assert store.add_token(token) == token
    assert store.list_tokens() == [token]


def test_another_token_under_a_stored_id_is_refused_and_nothing_written(store: Store) -> None:
    _, token = a_token()
    store.add_token(token)
    _, other = a_token("zapier", owner=BRUNO)

    with pytest.raises(StoreError, match=f"mcl_{token.id} is already stored"):
        store.add_token(replace(other, id=token.id))

    assert store.get_token(token.id) == token


def test_tokens_are_listed_newest_first_revoked_included_and_by_owner(store: Store) -> None:
    _, old = a_token("old", owner=ANA)
    _, middle = a_token("middle", owner=BRUNO, at=minutes(1))
    _, new = a_token("new", owner=ANA, at=minutes(2))
    _, cli = a_token("cli", owner="cli:ana", at=minutes(3))
    for token in (middle, cli, old, new):
        store.add_token(token)
    revoked = store.revoke_token(old.id, NOON + minutes(9))

    assert store.list_tokens() == [cli, new, middle, revoked]
    assert store.list_tokens(ANA) == [new, revoked]
    assert store.list_tokens("cli:ana") == [cli]
    assert store.list_tokens(CAIO) == []


def test_revoking_a_token_keeps_the_first_time(store: Store) -> None:
    _, token = a_token()
    store.add_token(token)

    first = store.revoke_token(token.id, NOON + minutes(1))
    again = store.revoke_token(token.id, NOON + minutes(2))

    assert first == again == replace(token, revoked_at=NOON + minutes(1))
    assert store.get_token(token.id) == first


def test_an_unknown_token_cannot_be_revoked(store: Store) -> None:
    with pytest.raises(ApiTokenNotFound) as refused:
        store.revoke_token("abcdefghijkl", NOON)

    assert refused.value.token_id == "abcdefghijkl"
    assert store.get_token("abcdefghijkl") is None


def test_a_touch_sets_the_last_use_and_nothing_else(store: Store) -> None:
    _, token = a_token()
    store.add_token(token)

    store.touch_token(token.id, NOON + minutes(1))
    store.touch_token(token.id, NOON + minutes(2))

    assert store.get_token(token.id) == replace(token, last_used_at=NOON + minutes(2))


def test_touching_an_unknown_token_is_no_error_and_makes_nothing(store: Store) -> None:
    store.touch_token("abcdefghijkl", NOON)

    assert store.get_token("abcdefghijkl") is None
    assert store.list_tokens() == []


def test_a_touch_after_a_revocation_leaves_the_token_revoked(store: Store) -> None:
    _, token = a_token()
    store.add_token(token)
    stale = store.get_token(token.id)  # what a request read before the revocation
    assert stale is not None

    store.revoke_token(token.id, NOON + minutes(1))
    store.touch_token(stale.id, NOON + minutes(2))

    assert store.get_token(token.id) == replace(
        token, revoked_at=NOON + minutes(1), last_used_at=NOON + minutes(2)
    )


def test_concurrent_touches_never_lose_a_revocation(backend: Backend) -> None:
    _, token = a_token()
    _, session = a_session()
    backend.store.add_token(token)
    backend.store.add_session(session)
    toucher, started, done = backend.reopen(), threading.Event(), threading.Event()

    def touch_until_done() -> None:
        n = 0
        while not done.is_set() or n < 5:
            n += 1
            toucher.touch_token(token.id, NOON + minutes(n))
            toucher.touch_session(session.id_hash, NOON + minutes(n))
            started.set()

    worker = threading.Thread(target=touch_until_done)
    worker.start()
    started.wait(timeout=30)
    backend.store.revoke_token(token.id, NOON)
    backend.store.revoke_session(session.id_hash, NOON)
    done.set()
    worker.join(timeout=60)

    stored_token = backend.store.get_token(token.id)
    stored_session = backend.store.get_session(session.id_hash)
    assert stored_token is not None
    assert stored_session is not None
    assert stored_token.revoked_at == stored_session.revoked_at == NOON


def test_no_token_secret_or_session_cookie_is_stored(backend: Backend) -> None:
    secret, token = a_token()
    cookie, session = a_session()
    backend.store.add_token(token)
    backend.store.add_session(session)
    backend.store.touch_token(token.id, NOON + minutes(1))

    stored = stored_text(backend)

    assert token.hash in stored
    assert session.id_hash in stored
    assert secret not in stored
    assert secret.removeprefix(f"{token.prefix}_") not in stored
    assert cookie not in stored


# --- sessions -------------------------------------------------------------------------------


def test_a_session_reads_back_with_every_field(store: Store) -> None:
    _, session = a_session()
    session = replace(session, last_seen_at=NOON + minutes(1), revoked_at=NOON + minutes(2))

    store.add_session(session)

    assert store.get_session(session.id_hash) == session


def test_an_unknown_session_reads_as_none(store: Store) -> None:
    assert store.get_session("0" * 64) is None


def test_adding_the_same_session_twice_stores_it_once(store: Store) -> None:
    _, session = a_session()
    store.add_session(session)

    store.add_session(session)

    assert store.get_session(session.id_hash) == session


def test_another_session_under_a_stored_hash_is_refused(store: Store) -> None:
    _, session = a_session()
    store.add_session(session)
    _, other = a_session(BRUNO)

    with pytest.raises(StoreError, match="another session"):
        store.add_session(replace(other, id_hash=session.id_hash))

    assert store.get_session(session.id_hash) == session


def test_a_session_touch_moves_last_seen_only(store: Store) -> None:
    _, session = a_session()
    store.add_session(session)

    store.touch_session(session.id_hash, NOON + minutes(7))

    assert store.get_session(session.id_hash) == session.seen(NOON + minutes(7))


def test_touching_or_revoking_an_unknown_session_is_no_error_and_makes_nothing(
    store: Store,
) -> None:
    store.touch_session("0" * 64, NOON)
    store.revoke_session("0" * 64, NOON)

    assert store.get_session("0" * 64) is None
    assert store.revoke_sessions(ANA, NOON) == 0


def test_revoking_a_session_keeps_the_first_time_and_a_touch_does_not_undo_it(
    store: Store,
) -> None:
    _, session = a_session()
    store.add_session(session)

    store.revoke_session(session.id_hash, NOON + minutes(1))
    store.revoke_session(session.id_hash, NOON + minutes(2))
    store.touch_session(session.id_hash, NOON + minutes(3))

    assert store.get_session(session.id_hash) == replace(
        session, revoked_at=NOON + minutes(1), last_seen_at=NOON + minutes(3)
    )


def test_signing_out_everywhere_revokes_and_counts_only_live_sessions(store: Store) -> None:
    _, live = a_session()
    _, also_live = a_session(at=minutes(1))
    _, revoked = a_session(at=minutes(2))
    _, over = new_session(ANA, NOON - HOURS_12, HOURS_12)  # ended at noon exactly
    _, someone_else = a_session(BRUNO)
    for session in (live, also_live, revoked, over, someone_else):
        store.add_session(session)
    store.revoke_session(revoked.id_hash, NOON + minutes(3))
    at = NOON + minutes(5)

    assert store.revoke_sessions(ANA, at) == 2

    assert store.get_session(live.id_hash) == replace(live, revoked_at=at)
    assert store.get_session(also_live.id_hash) == replace(also_live, revoked_at=at)
    assert store.get_session(revoked.id_hash) == replace(revoked, revoked_at=NOON + minutes(3))
    assert store.get_session(someone_else.id_hash) == someone_else
    assert store.revoke_sessions(ANA, at + minutes(1)) == 0


def test_a_session_of_break_glass_is_stored_like_any_other(store: Store) -> None:
    _, session = new_session("break-glass", NOON, HOURS_12)

    store.add_session(session)

    assert store.get_session(session.id_hash) == session
    assert store.revoke_sessions("break-glass", NOON + minutes(1)) == 1


# --- idempotent writes: an answer lost after the write committed ----------------------------


def test_a_user_whose_answer_was_lost_is_added_once(backend: Backend) -> None:
    with backend.lose_answer("PutItem"):
        backend.store.add_user(a_user())

    assert backend.store.list_users() == [a_user()]


def test_a_real_duplicate_user_is_still_refused_when_its_answer_was_lost(
    backend: Backend,
) -> None:
    backend.reopen().add_user(a_user())

    with backend.lose_answer("PutItem"), pytest.raises(StaffUserExists):
        backend.store.add_user(a_user(role=Role.ADMIN))

    assert backend.store.get_user(ANA) == a_user()


def test_role_changes_and_sign_ins_whose_answers_were_lost_land(backend: Backend) -> None:
    backend.store.add_user(a_user())

    with backend.lose_answer("UpdateItem"):
        backend.store.set_user_role(ANA, Role.VIEWER)
    with backend.lose_answer("UpdateItem"):
        backend.store.record_sign_in(ANA, NOON + minutes(1), "Ana")

    assert backend.store.get_user(ANA) == a_user(
        role=Role.VIEWER, name="Ana", last_sign_in_at=NOON + minutes(1)
    )


def test_a_removal_whose_answer_was_lost_succeeds(backend: Backend) -> None:
    backend.store.add_user(a_user())
    _, session = a_session()
    backend.store.add_session(session)

    with backend.lose_answer("DeleteItem"):
        backend.store.remove_user(ANA, NOON + minutes(1))

    assert backend.store.get_user(ANA) is None
    assert backend.store.get_session(session.id_hash) == replace(
        session, revoked_at=NOON + minutes(1)
    )


def test_a_token_whose_answer_was_lost_is_stored_once(backend: Backend) -> None:
    _, token = a_token()

    with backend.lose_answer("PutItem"):
        backend.store.add_token(token)

    assert backend.store.list_tokens() == [token]


def test_a_token_revocation_whose_answer_was_lost_keeps_its_time(backend: Backend) -> None:
    _, token = a_token()
    backend.store.add_token(token)

    with backend.lose_answer("UpdateItem"):
        revoked = backend.store.revoke_token(token.id, NOON + minutes(1))

    assert revoked == replace(token, revoked_at=NOON + minutes(1))
    assert backend.store.get_token(token.id) == revoked


def test_a_session_whose_answer_was_lost_is_stored_once(backend: Backend) -> None:
    _, session = a_session()

    with backend.lose_answer("PutItem"):
        backend.store.add_session(session)

    assert backend.store.get_session(session.id_hash) == session
    assert backend.store.revoke_sessions(ANA, NOON) == 1


def test_signing_out_everywhere_counts_a_revocation_whose_answer_was_lost(
    backend: Backend,
) -> None:
    _, first = a_session()
    _, second = a_session(at=minutes(1))
    backend.store.add_session(first)
    backend.store.add_session(second)

    with backend.lose_answer("UpdateItem"):
        assert backend.store.revoke_sessions(ANA, NOON + minutes(2)) == 2

    for session in (first, second):
        assert backend.store.get_session(session.id_hash) == replace(
            session, revoked_at=NOON + minutes(2)
        )


# --- check ----------------------------------------------------------------------------------


def test_check_passes_and_leaves_no_staff_trace(store: Store) -> None:
    store.add_user(a_user())
    _, token = a_token()
    store.add_token(token)

    store.check()

    assert store.list_users() == [a_user()]
    assert store.list_tokens() == [token]
    assert store.list_tokens("cli:probe") == []
