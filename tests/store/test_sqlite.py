"""What only the SQLite backend promises: files, WAL, migrations, locking, processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from mcclink.domain import utcnow
from mcclink.errors import ConfigurationError, StoreUnavailable
from mcclink.store import open_store
from mcclink.store.migrations import MIGRATIONS, migrate
from mcclink.store.sqlite import SqliteStore
from tests.store.records import MCC, a_client, an_entry, customer, race_in_process


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's database goes (its directory does not exist yet)."""
    return tmp_path / "data" / "mcclink.db"


@pytest.fixture
def sqlite_store(db_path: Path) -> Iterator[SqliteStore]:
    """A store on a new database at ``db_path`` (its directory made, as the default's is)."""
    store = SqliteStore(db_path, create_directory=True)
    yield store
    store.close()


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection to the database, in autocommit mode, closed afterwards."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def other_writer(sqlite_store: SqliteStore, db_path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the write lock, as another process's writer would."""
    with raw(db_path) as conn:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def test_new_directory_is_owner_only_and_files_are_0600(
    sqlite_store: SqliteStore, db_path: Path
) -> None:
    sqlite_store.create_client(a_client())

    assert mode(db_path.parent) == 0o700
    files = [db_path, *db_path.parent.glob("mcclink.db-*")]
    assert len(files) == 3, "the database, its WAL and its shared-memory index"
    assert {mode(f) for f in files} == {0o600}


def test_an_existing_file_keeps_its_permissions(db_path: Path) -> None:
    db_path.parent.mkdir()
    db_path.touch(mode=0o640)
    db_path.chmod(0o640)

    SqliteStore(db_path).close()

    assert mode(db_path) == 0o640


def test_journal_mode_is_wal(sqlite_store: SqliteStore, db_path: Path) -> None:
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_migrations_are_recorded_and_not_reapplied_on_reopen(
    sqlite_store: SqliteStore, db_path: Path
) -> None:
    stored = sqlite_store.create_client(a_client())
    sqlite_store.close()

    reopened = SqliteStore(db_path)

    assert reopened.get_client(MCC, customer(1)) == stored
    with raw(db_path) as conn:
        assert migrate(conn, str(db_path)) == [], "nothing left to apply"
        ledger = conn.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert ledger == [(m.version, m.name) for m in MIGRATIONS]
    reopened.close()


def test_indexes_serve_listing_by_status_and_history(
    sqlite_store: SqliteStore, db_path: Path
) -> None:
    with raw(db_path) as conn:
        indexes = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
        }

    assert {"clients_by_mcc_status", "history_by_client", "history_by_time"} <= indexes


def test_a_database_from_a_newer_mcclink_is_refused(
    sqlite_store: SqliteStore, db_path: Path
) -> None:
    sqlite_store.close()
    with raw(db_path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'then')")

    with pytest.raises(StoreUnavailable, match="upgrade mcclink"):
        SqliteStore(db_path)


def test_locked_database_raises_store_unavailable_naming_the_file(
    other_writer: sqlite3.Connection, db_path: Path
) -> None:
    impatient = SqliteStore(db_path, busy_timeout=0.2)
    started = time.monotonic()

    with pytest.raises(StoreUnavailable, match="stayed locked") as caught:
        impatient.create_client(a_client())

    assert str(db_path) in str(caught.value)
    assert time.monotonic() - started >= 0.2
    other_writer.execute("ROLLBACK")
    assert impatient.create_client(a_client()).version == 1, "usable once the lock is gone"
    impatient.close()


def test_readers_are_not_blocked_by_a_writer(
    sqlite_store: SqliteStore, other_writer: sqlite3.Connection
) -> None:
    assert sqlite_store.get_client(MCC, customer(1)) is None
    assert list(sqlite_store.list_clients(MCC)) == []


def test_opening_an_up_to_date_database_never_waits_for_a_writer(
    other_writer: sqlite3.Connection, db_path: Path
) -> None:
    started = time.monotonic()

    SqliteStore(db_path, busy_timeout=3).close()

    assert time.monotonic() - started < 1


def test_a_default_location_under_a_file_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    with pytest.raises(ConfigurationError, match="a-file is a file, not a directory"):
        open_store(None, {"XDG_DATA_HOME": str(blocker)})


def test_check_reports_a_missing_table(sqlite_store: SqliteStore, db_path: Path) -> None:
    with raw(db_path) as conn:
        conn.execute("DROP TABLE ExecutionHistory")

    with pytest.raises(StoreUnavailable, match="no table ExecutionHistory"):
        sqlite_store.check()


def test_listing_is_lazy_page_by_page(db_path: Path) -> None:
    store = SqliteStore(db_path, page_size=2, create_directory=True)
    for n in (1, 2, 3):
        store.create_client(a_client(n))
    listing = store.list_clients(MCC)

    first = next(listing)
    store.create_client(a_client(9))  # after the first page was read: the listing sees it

    assert [first.customer_id, *(c.customer_id for c in listing)] == [
        customer(n) for n in (1, 2, 3, 9)
    ]
    store.close()


def test_one_store_is_safe_to_share_between_threads(sqlite_store: SqliteStore) -> None:
    def register(first: int) -> None:
        for n in range(first, first + 25):
            sqlite_store.create_client(a_client(n), an_entry(a_client(n)))

    threads = [threading.Thread(target=register, args=(t * 100,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    now = utcnow()
    assert len(list(sqlite_store.list_clients(MCC))) == 100
    assert len(list(sqlite_store.history_between(now - timedelta(hours=1), now))) == 100


def test_racing_processes_one_wins_per_version(sqlite_store: SqliteStore, db_path: Path) -> None:
    writers, rounds = 3, 5
    start = sqlite_store.create_client(a_client())
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(writers), context.Queue()
    args = (f"sqlite://{db_path}", start)
    processes = [
        context.Process(target=race_in_process, args=(*args, w, rounds, barrier, results))
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    won = dict(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=10)

    assert sorted(v for versions in won.values() for v in versions) == list(range(1, rounds + 1))
    history = list(sqlite_store.client_history(MCC, customer(1)))
    assert sorted(int(e.details["from"]) for e in history) == list(range(1, rounds + 1))
    final = sqlite_store.get_client(MCC, customer(1))
    assert final is not None
    assert final.version == rounds + 1
