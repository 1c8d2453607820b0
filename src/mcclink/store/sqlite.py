"""The embedded store: one SQLite file, shared safely by several processes.

Write-ahead logging lets readers run while one process writes; a writer waits up to
``busy_timeout`` seconds for another to finish and then gives up with ``StoreUnavailable``.
``synchronous=NORMAL`` (the setting WAL is designed for) never corrupts the file; a power
cut may lose the last commits, an application crash loses nothing.

Threads: each store object owns one connection, and a lock serialises its use, so one
object may be shared by threads (their calls run one at a time). For parallel writers,
open one store per thread or process: SQLite's own locking then arbitrates.

Every ``sqlite3.Error`` (and ``OSError`` creating the file) is translated here, once.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from mcclink.domain import (
    Client,
    CustomerId,
    HistoryEntry,
    LinkStatus,
    Operation,
    Outcome,
    utcnow,
)
from mcclink.errors import (
    ApiTokenNotFound,
    ClientExists,
    ClientNotFound,
    ConfigurationError,
    HistoryEntryExists,
    OnboardingLinkNotFound,
    StaffUserExists,
    StaffUserNotFound,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from mcclink.files import make_private_dirs
from mcclink.onboarding import DEFAULT_EXPIRY, OnboardingEvent, OnboardingLink, new_link
from mcclink.ports import Store, StoredLink
from mcclink.serialization import (
    api_token_from_dict,
    api_token_to_dict,
    client_from_dict,
    client_to_dict,
    format_timestamp,
    history_from_dict,
    history_to_dict,
    onboarding_link_from_dict,
    onboarding_link_to_dict,
    parse_timestamp,
    staff_session_from_dict,
    staff_session_to_dict,
    staff_user_from_dict,
    staff_user_to_dict,
)
from mcclink.staff import ApiToken, Role, StaffSession, StaffUser, mint_token, new_session
from mcclink.store.migrations import migrate

#: Columns holding a JSON document (accents kept as they are: ensure_ascii=False).
_JSON_COLUMNS = frozenset({"attributes", "last_error", "details"})
#: What ``stored_links`` reads of a client: the columns a monitor cycle compares.
_STORED_LINK = (
    "customer_id, status, manager_link_id, link_resource_name, hidden, invited_at, "
    "pending_operation IS NOT NULL AS in_flight, last_error IS NOT NULL AS failed"
)
_KEY = "mcc_customer_id = :mcc_customer_id AND customer_id = :customer_id"
_IF_NEW = " ON CONFLICT (mcc_customer_id, customer_id) DO NOTHING"
_IF_NEW_LINK = " ON CONFLICT (id) DO NOTHING"
_IF_NEW_USER = " ON CONFLICT (email) DO NOTHING"
_IF_NEW_SESSION = " ON CONFLICT (id_hash) DO NOTHING"
_DELETE_CLIENT = f"DELETE FROM Clients WHERE {_KEY} AND version = :expected_version"
_LINK = "SELECT * FROM OnboardingLinks WHERE id = ?"
_REVOKE_LINK = (
    "UPDATE OnboardingLinks SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING *"
)
_TABLES = frozenset(
    {"Clients", "ExecutionHistory", "OnboardingLinks", "StaffUsers", "ApiTokens", "StaffSessions"}
)
_USER = "SELECT * FROM StaffUsers WHERE email = ?"
_TOKEN = "SELECT * FROM ApiTokens WHERE id = ?"
_SESSION = "SELECT * FROM StaffSessions WHERE id_hash = ?"
#: A record decoded from its row.
_R = TypeVar("_R")
#: Each MCC once: from the smallest, each next one is the index's first key above the last.
_MANAGERS = """
    WITH RECURSIVE managers(id) AS (
        SELECT min(mcc_customer_id) FROM Clients
        UNION ALL
        SELECT (SELECT min(mcc_customer_id) FROM Clients WHERE mcc_customer_id > id)
        FROM managers WHERE id IS NOT NULL
    )
    SELECT id FROM managers WHERE id IS NOT NULL"""
_LIVE_SESSIONS = "email = :email AND revoked_at IS NULL AND expires_at > :at"


class SqliteStore(Store):
    """``Store`` on one SQLite file (created, with its schema, on open)."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float = 5.0,
        page_size: int = 500,
        create_directory: bool = False,
    ) -> None:
        """Open (or create) the database at ``path``.

        A new file is made 0600. Its directory must exist, unless ``create_directory`` (the
        default location's), whose missing levels are then made owner-only (0700): a typo
        in a path named on purpose must not become a new, empty store.

        Raises:
            ConfigurationError: ``path`` is a directory (the store URL names no file), its
                directory does not exist, or the file is not a SQLite database.
            StoreUnavailable: the file cannot be created or opened, or stayed locked.
        """
        _require_location(path, create_directory)
        self.path = path
        self._busy_timeout = busy_timeout
        self._page_size = page_size
        self._lock = threading.Lock()
        with self._translated():
            if create_directory:
                make_private_dirs(path.parent)
            self._conn = _connect(path, busy_timeout)
            try:
                migrate(self._conn, str(path))
            except BaseException:
                self._conn.close()
                raise

    def create_client(self, client: Client, entry: HistoryEntry | None = None) -> Client:
        """See ``Store.create_client``.

        Raises:
            InputError: the client breaks ``Client.check_limits``; nothing written.
            ClientExists: a client with this MCC and customer id exists; nothing written.
            StoreError: ``entry``'s id is already recorded; nothing written.
            StoreUnavailable: the database stayed locked or failed.
        """
        client.check_limits()
        stored = replace(client, version=1)
        row = client_row(stored)
        with self._transaction() as conn:
            if conn.execute(_insert("Clients", row) + _IF_NEW, row).rowcount == 0:
                raise ClientExists(client.mcc_customer_id.digits, client.customer_id.digits)
            _insert_history(conn, entry)
        return stored

    def get_client(self, mcc: CustomerId, customer_id: CustomerId) -> Client | None:
        """See ``Store.get_client``.

        Raises:
            StoreUnavailable: the database failed.
        """
        with self._locked() as conn:
            rows = _records(
                conn.execute(
                    f"SELECT * FROM Clients WHERE {_KEY}",
                    {"mcc_customer_id": mcc.digits, "customer_id": customer_id.digits},
                )
            )
        return _client(rows[0], mcc) if rows else None

    def list_clients(self, mcc: CustomerId, status: LinkStatus | None = None) -> Iterator[Client]:
        """See ``Store.list_clients``; pages of ``page_size`` rows, keyed by customer id.

        A client written while the listing runs may or may not appear; none appears twice.

        Raises:
            StoreUnavailable: the database failed.
        """
        where, params = "mcc_customer_id = :mcc", {"mcc": mcc.digits}
        if status is not None:
            where, params = f"{where} AND status = :status", {**params, "status": status.value}
        rows = self._keyset("Clients", where, params, ("customer_id",))
        return (_client(row, mcc) for row in rows)

    def stored_links(self, mcc: CustomerId) -> Iterator[StoredLink]:
        """See ``Store.stored_links``: the compared columns only, never whole clients
        (building 50,000 clients cost more than the rest of a monitor cycle together).

        Raises:
            StoreUnavailable: the database failed.
        """
        where, params = "mcc_customer_id = :mcc", {"mcc": mcc.digits}
        rows = self._keyset("Clients", where, params, ("customer_id",), columns=_STORED_LINK)
        return (_stored_link(row) for row in rows)

    def managers(self) -> list[CustomerId]:
        """See ``Store.managers``: one step of the primary key's index per MCC (a skip
        scan), so the cost grows with the MCCs, not with their clients.

        Raises:
            StoreUnavailable: the database failed.
        """
        with self._locked() as conn:
            rows = conn.execute(_MANAGERS).fetchall()
        return [CustomerId(row[0]) for row in rows]

    def update_client(self, client: Client, entry: HistoryEntry | None = None) -> Client:
        """See ``Store.update_client``.

        Raises:
            ClientNotFound: no such client.
            VersionConflict: the stored version differs; nothing written.
            StoreError: ``entry``'s id is already recorded; nothing written.
            StoreUnavailable: the database stayed locked or failed.
        """
        stored = replace(client, version=client.version + 1)
        row = client_row(stored)
        with self._transaction() as conn:
            if (
                conn.execute(_update(row), {**row, "expected_version": client.version}).rowcount
                == 0
            ):
                raise _missed(conn, client)
            _insert_history(conn, entry)
        return stored

    def delete_client(self, client: Client, entry: HistoryEntry | None = None) -> None:
        """See ``Store.delete_client``.

        Raises:
            ClientNotFound: no such client.
            VersionConflict: the stored version differs; nothing written.
            StoreError: ``entry``'s id is already recorded; nothing written.
            StoreUnavailable: the database stayed locked or failed.
        """
        params = {**_key(client), "expected_version": client.version}
        with self._transaction() as conn:
            if conn.execute(_DELETE_CLIENT, params).rowcount == 0:
                raise _missed(conn, client)
            _insert_history(conn, entry)

    def move_client(self, client: Client, new_mcc: CustomerId, entry: HistoryEntry) -> Client:
        """See ``Store.move_client``: one transaction deletes the old row, inserts the new
        one and the entry under both managers.

        Raises:
            ClientNotFound: no such client.
            VersionConflict: the stored version differs; nothing written.
            ClientExists: ``new_mcc`` already has this customer id; nothing written.
            StoreError: ``entry``'s id is already recorded; nothing written.
            StoreUnavailable: the database stayed locked or failed.
        """
        moved = replace(client, mcc_customer_id=new_mcc, version=client.version + 1)
        row = client_row(moved)
        params = {**_key(client), "expected_version": client.version}
        with self._transaction() as conn:
            if conn.execute(_DELETE_CLIENT, params).rowcount == 0:
                raise _missed(conn, client)
            if conn.execute(_insert("Clients", row) + _IF_NEW, row).rowcount == 0:
                raise ClientExists(new_mcc.digits, client.customer_id.digits)
            _insert_history(conn, entry)
            _insert_history(conn, entry.kept_by(client.mcc_customer_id))
        return moved

    def append_history(self, entry: HistoryEntry) -> None:
        """See ``Store.append_history``.

        Raises:
            StoreError: another entry with this id is already recorded.
            StoreUnavailable: the database stayed locked or failed.
        """
        with self._transaction() as conn:
            try:
                _insert_history(conn, entry)
            except StoreError:
                stored = conn.execute("SELECT * FROM ExecutionHistory WHERE id = ?", (entry.id,))
                if [_entry(row) for row in _records(stored)] != [entry]:
                    raise

    def client_history(
        self, mcc: CustomerId, customer_id: CustomerId, limit: int | None = None
    ) -> Iterator[HistoryEntry]:
        """See ``Store.client_history``.

        Raises:
            StoreUnavailable: the database failed.
        """
        params = {"mcc_customer_id": mcc.digits, "customer_id": customer_id.digits}
        rows = self._keyset(
            "ExecutionHistory", _KEY, params, ("timestamp", "id"), descending=True, limit=limit
        )
        return (_entry(row) for row in rows)

    def history_between(
        self,
        start: datetime,
        end: datetime,
        mcc: CustomerId | None = None,
        limit: int | None = None,
    ) -> Iterator[HistoryEntry]:
        """See ``Store.history_between``.

        Raises:
            StoreUnavailable: the database failed.
        """
        where = "timestamp < :end"
        params = {"start": format_timestamp(start), "end": format_timestamp(end)}
        if mcc is not None:
            where, params = f"{where} AND mcc_customer_id = :mcc", {**params, "mcc": mcc.digits}
        rows = self._keyset(
            "ExecutionHistory",
            where,
            params,
            ("timestamp", "id"),
            first="timestamp >= :start",
            limit=limit,
        )
        return (_entry(row) for row in rows)

    def create_onboarding_link(self, link: OnboardingLink) -> OnboardingLink:
        """See ``Store.create_onboarding_link``.

        Raises:
            StoreError: another link with this id is already stored; nothing written.
            StoreUnavailable: the database stayed locked or failed.
        """
        row = onboarding_link_to_dict(link)
        with self._transaction() as conn:
            new = conn.execute(_insert("OnboardingLinks", row) + _IF_NEW_LINK, row).rowcount == 1
            if not (new or _stored(conn, _LINK, link.id, _link) == [link]):
                raise _link_taken(link.id)
        return link

    def get_onboarding_link(self, link_id: str) -> OnboardingLink | None:
        """See ``Store.get_onboarding_link``.

        Raises:
            StoreUnavailable: the database failed.
        """
        with self._locked() as conn:
            return next(iter(_stored(conn, _LINK, link_id, _link)), None)

    def list_onboarding_links(
        self, mcc: CustomerId, customer_id: CustomerId | None = None
    ) -> Iterator[OnboardingLink]:
        """See ``Store.list_onboarding_links``; pages of ``page_size`` rows, newest first.

        Raises:
            StoreUnavailable: the database failed.
        """
        where, params = "mcc_customer_id = :mcc", {"mcc": mcc.digits}
        if customer_id is not None:
            where += " AND customer_id = :customer"
            params["customer"] = customer_id.digits
        rows = self._keyset("OnboardingLinks", where, params, ("created_at", "id"), descending=True)
        return (_link(row) for row in rows)

    def revoke_onboarding_link(self, link_id: str, at: datetime) -> OnboardingLink:
        """See ``Store.revoke_onboarding_link``.

        Raises:
            OnboardingLinkNotFound: no link has this id.
            StoreUnavailable: the database stayed locked or failed.
        """
        with self._transaction() as conn:
            rows = _records(conn.execute(_REVOKE_LINK, (format_timestamp(at), link_id)))
        if not rows:
            raise OnboardingLinkNotFound(link_id)
        return _link(rows[0])

    def count_onboarding_event(self, link_id: str, event: OnboardingEvent) -> None:
        """See ``Store.count_onboarding_event``: one UPDATE adding 1 in the database itself.

        Raises:
            OnboardingLinkNotFound: no link has this id.
            StoreUnavailable: the database stayed locked or failed.
        """
        # The column is the event's value, one of three names fixed in the code.
        count = f"UPDATE OnboardingLinks SET {event.value} = {event.value} + 1 WHERE id = ?"
        with self._transaction() as conn:
            if conn.execute(count, (link_id,)).rowcount == 0:
                raise OnboardingLinkNotFound(link_id)

    def add_user(self, user: StaffUser) -> StaffUser:
        """See ``StaffStore.add_user``.

        Raises:
            StaffUserExists: another user record has this e-mail; nothing written.
            StoreUnavailable: the database stayed locked or failed.
        """
        row = staff_user_to_dict(user)
        with self._transaction() as conn:
            new = conn.execute(_insert("StaffUsers", row) + _IF_NEW_USER, row).rowcount == 1
            if not (new or _stored(conn, _USER, user.email, staff_user_from_dict) == [user]):
                raise StaffUserExists(user.email)
        return user

    def get_user(self, email: str) -> StaffUser | None:
        """See ``StaffStore.get_user``.

        Raises:
            StoreUnavailable: the database failed.
        """
        with self._locked() as conn:
            return next(iter(_stored(conn, _USER, email, staff_user_from_dict)), None)

    def list_users(self) -> list[StaffUser]:
        """See ``StaffStore.list_users``.

        Raises:
            StoreUnavailable: the database failed.
        """
        rows = self._keyset("StaffUsers", "1 = 1", {}, ("email",))
        return [staff_user_from_dict(row) for row in rows]

    def set_user_role(self, email: str, role: Role) -> StaffUser:
        """See ``StaffStore.set_user_role``.

        Raises:
            StaffUserNotFound: no such user.
            StoreUnavailable: the database stayed locked or failed.
        """
        sql = "UPDATE StaffUsers SET role = ? WHERE email = ? RETURNING *"
        with self._transaction() as conn:
            rows = _records(conn.execute(sql, (role.value, email)))
        if not rows:
            raise StaffUserNotFound(email)
        return staff_user_from_dict(rows[0])

    def record_sign_in(self, email: str, at: datetime, name: str | None = None) -> None:
        """See ``StaffStore.record_sign_in``.

        Raises:
            StaffUserNotFound: no such user.
            StoreUnavailable: the database stayed locked or failed.
        """
        sql = "UPDATE StaffUsers SET last_sign_in_at = ?, name = COALESCE(?, name) WHERE email = ?"
        with self._transaction() as conn:
            if conn.execute(sql, (format_timestamp(at), name, email)).rowcount == 0:
                raise StaffUserNotFound(email)

    def remove_user(self, email: str, at: datetime) -> None:
        """See ``StaffStore.remove_user``: the user and their sessions in one transaction.

        Raises:
            StaffUserNotFound: no such user.
            StoreUnavailable: the database stayed locked or failed.
        """
        with self._transaction() as conn:
            if conn.execute("DELETE FROM StaffUsers WHERE email = ?", (email,)).rowcount == 0:
                raise StaffUserNotFound(email)
            _revoke_sessions(conn, email, at)

    def add_token(self, token: ApiToken) -> ApiToken:
        """See ``StaffStore.add_token``.

        Raises:
            StoreError: another token has this id; nothing written.
            StoreUnavailable: the database stayed locked or failed.
        """
        row = api_token_to_dict(token)
        with self._transaction() as conn:
            new = conn.execute(_insert("ApiTokens", row) + _IF_NEW_LINK, row).rowcount == 1
            if not (new or _stored(conn, _TOKEN, token.id, api_token_from_dict) == [token]):
                raise _token_taken(token)
        return token

    def get_token(self, token_id: str) -> ApiToken | None:
        """See ``StaffStore.get_token``.

        Raises:
            StoreUnavailable: the database failed.
        """
        with self._locked() as conn:
            return next(iter(_stored(conn, _TOKEN, token_id, api_token_from_dict)), None)

    def list_tokens(self, owner: str | None = None) -> list[ApiToken]:
        """See ``StaffStore.list_tokens``.

        Raises:
            StoreUnavailable: the database failed.
        """
        where, params = ("1 = 1", {}) if owner is None else ("owner = :owner", {"owner": owner})
        rows = self._keyset("ApiTokens", where, params, ("created_at", "id"), descending=True)
        return [api_token_from_dict(row) for row in rows]

    def revoke_token(self, token_id: str, at: datetime) -> ApiToken:
        """See ``StaffStore.revoke_token``.

        Raises:
            ApiTokenNotFound: no token has this id.
            StoreUnavailable: the database stayed locked or failed.
        """
        sql = "UPDATE ApiTokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING *"
        with self._transaction() as conn:
            rows = _records(conn.execute(sql, (format_timestamp(at), token_id)))
        if not rows:
            raise ApiTokenNotFound(token_id)
        return api_token_from_dict(rows[0])

    def touch_token(self, token_id: str, at: datetime) -> None:
        """See ``StaffStore.touch_token``: one UPDATE of ``last_used_at`` alone.

        Raises:
            StoreUnavailable: the database stayed locked or failed.
        """
        with self._transaction() as conn:
            sql = "UPDATE ApiTokens SET last_used_at = ? WHERE id = ?"
            conn.execute(sql, (format_timestamp(at), token_id))

    def add_session(self, session: StaffSession) -> None:
        """See ``StaffStore.add_session``; sessions past their absolute end go in the same
        transaction (an index range on ``expires_at``).

        Raises:
            StoreError: another session is stored under this hash; nothing written.
            StoreUnavailable: the database stayed locked or failed.
        """
        row = staff_session_to_dict(session)
        with self._transaction() as conn:
            if conn.execute(_insert("StaffSessions", row) + _IF_NEW_SESSION, row).rowcount == 0:
                stored = _stored(conn, _SESSION, session.id_hash, staff_session_from_dict)
                if stored != [session]:
                    raise StoreError("another session is stored under this id; nothing written")
            expired = "DELETE FROM StaffSessions WHERE expires_at <= ?"
            conn.execute(expired, (format_timestamp(session.created_at),))

    def get_session(self, id_hash: str) -> StaffSession | None:
        """See ``StaffStore.get_session``.

        Raises:
            StoreUnavailable: the database failed.
        """
        with self._locked() as conn:
            return next(iter(_stored(conn, _SESSION, id_hash, staff_session_from_dict)), None)

    def touch_session(self, id_hash: str, at: datetime) -> None:
        """See ``StaffStore.touch_session``: one UPDATE of ``last_seen_at`` alone.

        Raises:
            StoreUnavailable: the database stayed locked or failed.
        """
        with self._transaction() as conn:
            sql = "UPDATE StaffSessions SET last_seen_at = ? WHERE id_hash = ?"
            conn.execute(sql, (format_timestamp(at), id_hash))

    def revoke_session(self, id_hash: str, at: datetime) -> None:
        """See ``StaffStore.revoke_session``.

        Raises:
            StoreUnavailable: the database stayed locked or failed.
        """
        with self._transaction() as conn:
            sql = "UPDATE StaffSessions SET revoked_at = COALESCE(revoked_at, ?) WHERE id_hash = ?"
            conn.execute(sql, (format_timestamp(at), id_hash))

    def revoke_sessions(self, email: str, at: datetime) -> int:
        """See ``StaffStore.revoke_sessions``: live means not revoked and before its absolute
        end at ``at`` (the idle limit is the web server's).

        Raises:
            StoreUnavailable: the database stayed locked or failed.
        """
        with self._transaction() as conn:
            return _revoke_sessions(conn, email, at)

    def check(self) -> None:
        """Take the write lock, write and read back a probe row in each table, roll back.

        The probe never commits, so no reader ever sees it.

        Raises:
            StoreUnavailable: a table is missing, or the database is locked, read-only or broken.
        """
        with self._locked() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                _probe(conn, str(self.path))
            finally:
                conn.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        with self._lock:
            self._conn.close()

    def _keyset(
        self,
        table: str,
        where: str,
        params: dict[str, Any],
        order: tuple[str, ...],
        *,
        descending: bool = False,
        limit: int | None = None,
        first: str | None = None,
        columns: str = "*",
    ) -> Iterator[dict[str, Any]]:
        """Rows page by page, each page starting after the last key seen (no OFFSET scans).

        ``first`` bounds the first page only (added to ``where``); later pages start after
        the last key instead. SQLite bounds an index range with one condition per column: a
        start kept for every page would scan from it again each time.

        ``columns`` is what each row holds (the key columns among them). The lock is held for
        one page at a time, never while the caller consumes rows.
        """
        keys = ", ".join(order)
        after = ", ".join(f":after_{c}" for c in order)
        direction, beyond = ("DESC", "<") if descending else ("ASC", ">")
        ordering = ", ".join(f"{c} {direction}" for c in order)
        next_page, remaining = (f"{where} AND {first}" if first else where), limit
        while remaining is None or remaining > 0:
            size = self._page_size if remaining is None else min(self._page_size, remaining)
            sql = f"SELECT {columns} FROM {table} WHERE {next_page} ORDER BY {ordering}"
            sql = f"{sql} LIMIT {size}"
            with self._locked() as conn:
                rows = _records(conn.execute(sql, params))
            yield from rows
            if len(rows) < size:
                return
            remaining = None if remaining is None else remaining - len(rows)
            next_page = f"{where} AND ({keys}) {beyond} ({after})"
            params = {**params, **{f"after_{c}": rows[-1][c] for c in order}}

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._translated():
            yield self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` (take the write lock first, so no read-then-upgrade deadlock)."""
        with self._locked() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreUnavailable(
                    f"SQLite database {self.path} stayed locked for {self._busy_timeout:g} s: "
                    "another process is writing to it; nothing was written: retry when that "
                    "writer is done"
                ) from exc
            raise StoreUnavailable(f"SQLite database {self.path} failed: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorcode == sqlite3.SQLITE_NOTADB:
                raise ConfigurationError(
                    f"{self.path} is not a SQLite database: point --store (or MCC_STORE) at "
                    "mcclink's database file, or at a new file name to start an empty store"
                ) from exc
            raise StoreUnavailable(f"SQLite database {self.path} failed: {exc}") from exc
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"SQLite database {self.path} failed: {exc}") from exc


def _require_location(path: Path, create_directory: bool) -> None:
    """Raise unless ``path`` may be a database file: not a directory, in one that exists."""
    if path.is_dir():
        raise ConfigurationError(
            f"the SQLite store {path} is a directory: name a file in it, "
            f"e.g. sqlite:///{path.as_posix().lstrip('/')}/mcclink.db"
        )
    if path.parent.is_dir():
        return
    existing = next(p for p in path.parents if p.exists() or p == p.parent)
    if existing.exists() and not existing.is_dir():
        raise ConfigurationError(
            f"the SQLite store {path} cannot be made: {existing} is a file, not a directory; "
            "correct the path in --store (or MCC_STORE; XDG_DATA_HOME for the default store)"
        )
    if not create_directory:
        raise ConfigurationError(
            f"the SQLite store's directory {path.parent} does not exist: create it first "
            f"(mkdir -p {path.parent}) or correct the path in --store (or MCC_STORE); only "
            "the default store's directory is made for you"
        )


#: Why a database file cannot be created or opened that only another path mends.
_PATH_ERRORS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.ENOENT,
        errno.EROFS,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.ENAMETOOLONG,
        errno.ELOOP,
        errno.ENXIO,
    }
)


def _connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    # Create the file ourselves so it is owner-only from its first byte; an existing
    # file keeps the permissions its owner chose. SQLite gives -wal/-shm the same mode.
    try:
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    except OSError as exc:
        if exc.errno not in _PATH_ERRORS:
            raise
        raise ConfigurationError(
            f"the SQLite store {path} cannot be created or opened there ({exc.strerror}): "
            "point --store (or MCC_STORE) at a file in a directory you may write, or give "
            "the file read and write permission"
        ) from exc
    conn = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _insert_history(conn: sqlite3.Connection, entry: HistoryEntry | None) -> None:
    if entry is None:
        return
    row = _encode(history_to_dict(entry))
    try:
        conn.execute(_insert("ExecutionHistory", row), row)
    except sqlite3.IntegrityError as exc:
        raise HistoryEntryExists(
            f"history entry {entry.id} is already recorded; nothing was written"
        ) from exc


def _missed(conn: sqlite3.Connection, client: Client) -> StoreError:
    """Why a versioned write matched no row: the client is gone, or it moved on."""
    mcc, cid = client.mcc_customer_id.digits, client.customer_id.digits
    if conn.execute(f"SELECT 1 FROM Clients WHERE {_KEY}", _key(client)).fetchone() is None:
        return ClientNotFound(mcc, cid)
    return VersionConflict(mcc, cid, client.version)


def _stored(
    conn: sqlite3.Connection, select: str, key: str, decode: Callable[[dict[str, Any]], _R]
) -> list[_R]:
    """The record ``select`` finds by its primary key, as a list of none or one."""
    return [decode(row) for row in _records(conn.execute(select, (key,)))]


def _revoke_sessions(conn: sqlite3.Connection, email: str, at: datetime) -> int:
    """Revoke ``email``'s live sessions at ``at`` (inside the caller's transaction)."""
    sql = f"UPDATE StaffSessions SET revoked_at = :at WHERE {_LIVE_SESSIONS}"
    return conn.execute(sql, {"email": email, "at": format_timestamp(at)}).rowcount


def _token_taken(token: ApiToken) -> StoreError:
    return StoreError(f"another API token {token.prefix} is already stored; nothing was written")


def _link_taken(link_id: str) -> StoreError:
    return StoreError(f"another onboarding link {link_id} is already stored; nothing was written")


def _probe(conn: sqlite3.Connection, where: str) -> None:
    """Write a row in every table inside the caller's transaction and read each one back."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = sorted(_TABLES - tables)
    if missing:
        raise StoreUnavailable(
            f"SQLite database {where} has no table {missing[0]}: restore a backup"
        )
    probe = Client(CustomerId("0000000000"), CustomerId("0000000001"), "mcclink store probe")
    entry = HistoryEntry(probe.customer_id, probe.mcc_customer_id, Operation.SYNC, Outcome.NOOP)
    link, _ = new_link(probe.mcc_customer_id, probe.customer_id, DEFAULT_EXPIRY, probe.name)
    now = utcnow()
    _, token = mint_token("probe", Role.VIEWER, "cli:probe", now)
    _, session = new_session("probe@mcclink.invalid", now, DEFAULT_EXPIRY)
    user = StaffUser("probe@mcclink.invalid", Role.VIEWER)
    probes: list[tuple[str, dict[str, Any], str, Any]] = [
        ("Clients", client_row(probe), f"SELECT 1 FROM Clients WHERE {_KEY}", _key(probe)),
        (
            "ExecutionHistory",
            _encode(history_to_dict(entry)),
            "SELECT 1 FROM ExecutionHistory WHERE id = ?",
            (entry.id,),
        ),
        ("OnboardingLinks", onboarding_link_to_dict(link), _LINK, (link.id,)),
        ("StaffUsers", staff_user_to_dict(user), _USER, (user.email,)),
        ("ApiTokens", api_token_to_dict(token), _TOKEN, (token.id,)),
        ("StaffSessions", staff_session_to_dict(session), _SESSION, (session.id_hash,)),
    ]
    for table, row, select, key in probes:
        conn.execute(_insert(table, row) + " ON CONFLICT DO NOTHING", row)
        if conn.execute(select, key).fetchone() is None:
            raise StoreUnavailable(
                f"SQLite database {where} did not return the probe it was given in {table}"
            )


def _insert(table: str, row: dict[str, Any]) -> str:
    """An INSERT of ``row``: the columns are the codec's keys (``mcclink.serialization``)."""
    return f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})"


def _update(row: dict[str, Any]) -> str:
    """An UPDATE of every column of a client ``row`` if the version is still as read."""
    columns = [c for c in row if c not in {"mcc_customer_id", "customer_id"}]
    assignments = ", ".join(f"{c} = :{c}" for c in columns)
    return f"UPDATE Clients SET {assignments} WHERE {_KEY} AND version = :expected_version"


def client_row(client: Client) -> dict[str, Any]:
    """The ``Clients`` row that stores ``client``: column name -> SQLite value."""
    return _encode(client_to_dict(client))


def _key(client: Client) -> dict[str, str]:
    return {
        "mcc_customer_id": client.mcc_customer_id.digits,
        "customer_id": client.customer_id.digits,
    }


def _encode(record: dict[str, Any]) -> dict[str, Any]:
    return {
        k: json.dumps(v, ensure_ascii=False) if k in _JSON_COLUMNS and v is not None else v
        for k, v in record.items()
    }


def _records(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """Every row of ``cursor`` as a dict, JSON columns decoded."""
    names = [column[0] for column in cursor.description]
    documents = [name for name in names if name in _JSON_COLUMNS]
    records = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for record in records:
        for name in documents:
            text = record[name]
            if text is not None:
                # Most clients have no attributes: skip the JSON parser for them.
                record[name] = {} if text == "{}" else json.loads(text)
    return records


def _client(record: dict[str, Any], mcc: CustomerId) -> Client:
    # Ids as CustomerId already (the codec takes them as they are): the MCC the rows were
    # selected by, shared, and the stored digits checked without the parser's regex.
    ids = {"mcc_customer_id": mcc, "customer_id": CustomerId(record["customer_id"])}
    return client_from_dict(record | ids)


def _stored_link(record: dict[str, Any]) -> StoredLink:
    invited = record["invited_at"]
    return StoredLink(
        customer_id=CustomerId(record["customer_id"]),
        status=LinkStatus.parse(record["status"] or LinkStatus.NOT_LINKED.value),
        manager_link_id=record["manager_link_id"],
        link_resource_name=record["link_resource_name"],
        hidden=bool(record["hidden"]),
        in_flight=bool(record["in_flight"]),
        failed=bool(record["failed"]),
        invited_at=None if invited is None else parse_timestamp(invited),
    )


def _entry(record: dict[str, Any]) -> HistoryEntry:
    return history_from_dict(record)


def _link(record: dict[str, Any]) -> OnboardingLink:
    return onboarding_link_from_dict(record)
