"""The SQLite schema, as ordered migrations recorded in ``schema_migrations``.

Each step runs in its own ``BEGIN IMMEDIATE`` transaction and records itself there, so
several processes opening a new database at once apply every step exactly once. Steps are
append-only: change the schema by adding a step, never by editing one already released.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from mcclink.domain import utcnow
from mcclink.errors import StoreUnavailable
from mcclink.serialization import format_timestamp


@dataclass(frozen=True)
class Migration:
    """One schema step: its number, what it does, and its SQL statements in order."""

    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "Clients and ExecutionHistory",
        (
            """
            CREATE TABLE Clients (
                mcc_customer_id    TEXT NOT NULL,
                customer_id        TEXT NOT NULL,
                name               TEXT NOT NULL,
                email              TEXT,
                attributes         TEXT NOT NULL DEFAULT '{}',
                status             TEXT NOT NULL,
                manager_link_id    INTEGER,
                link_resource_name TEXT,
                invited_at         TEXT,
                status_changed_at  TEXT,
                last_checked_at    TEXT,
                last_error         TEXT,
                pending_operation  TEXT,
                created_at         TEXT NOT NULL,
                updated_at         TEXT NOT NULL,
                version            INTEGER NOT NULL,
                PRIMARY KEY (mcc_customer_id, customer_id)
            )
            """,
            "CREATE INDEX clients_by_mcc_status ON Clients (mcc_customer_id, status, customer_id)",
            """
            CREATE TABLE ExecutionHistory (
                id              TEXT PRIMARY KEY,
                timestamp       TEXT NOT NULL,
                mcc_customer_id TEXT NOT NULL,
                customer_id     TEXT NOT NULL,
                operation       TEXT NOT NULL,
                status_before   TEXT,
                status_after    TEXT,
                outcome         TEXT NOT NULL,
                error_code      TEXT,
                error_message   TEXT,
                request_id      TEXT,
                actor           TEXT NOT NULL,
                duration_ms     REAL,
                details         TEXT NOT NULL DEFAULT '{}'
            )
            """,
            "CREATE INDEX history_by_client ON ExecutionHistory"
            " (mcc_customer_id, customer_id, timestamp)",
            "CREATE INDEX history_by_time ON ExecutionHistory (timestamp)",
        ),
    ),
    Migration(
        2,
        "OnboardingLinks",
        (
            """
            CREATE TABLE OnboardingLinks (
                id              TEXT PRIMARY KEY,
                mcc_customer_id TEXT NOT NULL,
                customer_id     TEXT,
                secret_hash     TEXT NOT NULL,
                created_at      TEXT NOT NULL,
                expires_at      TEXT NOT NULL,
                created_by      TEXT NOT NULL,
                revoked_at      TEXT,
                opened          INTEGER NOT NULL DEFAULT 0,
                signed_in       INTEGER NOT NULL DEFAULT 0,
                accepted        INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX onboarding_links_by_mcc ON OnboardingLinks"
            " (mcc_customer_id, created_at, id)",
        ),
    ),
    Migration(
        3,
        "StaffUsers, ApiTokens and StaffSessions",
        (
            """
            CREATE TABLE StaffUsers (
                email           TEXT PRIMARY KEY,
                role            TEXT NOT NULL,
                name            TEXT,
                created_at      TEXT,
                created_by      TEXT,
                last_sign_in_at TEXT
            )
            """,
            """
            CREATE TABLE ApiTokens (
                id           TEXT PRIMARY KEY,
                name         TEXT NOT NULL,
                role         TEXT NOT NULL,
                owner        TEXT NOT NULL,
                hash         TEXT NOT NULL,
                created_at   TEXT NOT NULL,
                expires_at   TEXT,
                last_used_at TEXT,
                revoked_at   TEXT
            )
            """,
            "CREATE INDEX api_tokens_by_owner ON ApiTokens (owner, created_at, id)",
            "CREATE INDEX api_tokens_by_time ON ApiTokens (created_at, id)",
            """
            CREATE TABLE StaffSessions (
                id_hash      TEXT PRIMARY KEY,
                email        TEXT NOT NULL,
                csrf         TEXT NOT NULL,
                created_at   TEXT NOT NULL,
                last_seen_at TEXT NOT NULL,
                expires_at   TEXT NOT NULL,
                revoked_at   TEXT
            )
            """,
            "CREATE INDEX staff_sessions_by_email ON StaffSessions (email, expires_at)",
            "CREATE INDEX staff_sessions_by_expiry ON StaffSessions (expires_at)",
        ),
    ),
    Migration(
        4,
        "History by MCC and time",
        (
            # One MCC's history in a time range, in order (reports, stats): without it the
            # planner took history_by_client for the MCC and sorted all its history for
            # every page. history_by_client gains the id, the order's last key, so that one
            # client's history keeps its own index rather than scanning the MCC's.
            "CREATE INDEX history_by_mcc ON ExecutionHistory (mcc_customer_id, timestamp, id)",
            "DROP INDEX history_by_client",
            "CREATE INDEX history_by_client ON ExecutionHistory"
            " (mcc_customer_id, customer_id, timestamp, id)",
        ),
    ),
    Migration(
        5,
        "Hidden clients",
        ("ALTER TABLE Clients ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0",),
    ),
)

LATEST = MIGRATIONS[-1].version

_CREATE_LEDGER = """
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL
    )
"""


def migrate(conn: sqlite3.Connection, where: str) -> list[int]:
    """Apply the steps not yet recorded; return the versions applied now.

    An up-to-date database is only read, so opening it never waits for another writer.
    ``conn`` must be in autocommit mode (``isolation_level=None``). ``sqlite3.Error`` is left
    to the caller, the adapter that translates it.

    Raises:
        StoreUnavailable: the database was written by a newer mcclink (its schema is ahead).
    """
    if _schema_version(conn, where) == LATEST:
        return []
    applied = []
    for step in MIGRATIONS:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if _apply(conn, step, where):
                applied.append(step.version)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return applied


def _schema_version(conn: sqlite3.Connection, where: str) -> int:
    """The last step recorded (0 for a new database); refuses a schema from the future."""
    ledger = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    if conn.execute(ledger).fetchone() is None:
        return 0
    version: int = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
    if version > LATEST:
        raise StoreUnavailable(
            f"SQLite database {where} has schema version {version}, newer than this mcclink "
            f"knows ({LATEST}): upgrade mcclink"
        )
    return version


def _apply(conn: sqlite3.Connection, step: Migration, where: str) -> bool:
    """Apply ``step`` unless recorded; the caller holds the write lock, so no one races us."""
    conn.execute(_CREATE_LEDGER)
    if _schema_version(conn, where) >= step.version:
        return False
    for statement in step.statements:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        (step.version, step.name, format_timestamp(utcnow())),
    )
    return True
