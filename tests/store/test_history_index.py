"""SQLite reads one MCC's history in a time range (reports, stats) through an index in its
order, and every page after the first starts at the last key read: a month's report over a
million entries reads its pages without sorting or rescanning (``bench.reports``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from mcclink.store.sqlite import SqliteStore
from tests.store.records import MCC, NOON, OTHER_MCC, a_client, an_entry


def _plans(store: SqliteStore, read: Iterator[object]) -> list[tuple[str, str]]:
    """Each SELECT the store ran while ``read`` was consumed, with its query plan."""
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    try:
        list(read)
    finally:
        store._conn.set_trace_callback(None)
    explain = sqlite3.connect(store.path)
    plans = [
        (sql, " / ".join(row[3] for row in explain.execute(f"EXPLAIN QUERY PLAN {sql}")))
        for sql in statements
        if sql.lstrip().upper().startswith("SELECT")
    ]
    explain.close()
    return plans


def test_an_mcc_s_history_pages_through_its_own_index_from_the_last_key(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db", page_size=3)
    client = a_client(1)
    for n in range(10):
        store.append_history(an_entry(client, NOON + timedelta(minutes=n)))
        store.append_history(an_entry(a_client(2, mcc=OTHER_MCC), NOON + timedelta(minutes=n)))

    read = store.history_between(NOON + timedelta(minutes=2), NOON + timedelta(hours=1), MCC)
    plans = _plans(store, read)

    assert len(plans) == 3  # 8 entries, 3 a page
    for sql, plan in plans:
        assert "USING INDEX history_by_mcc" in plan, (sql, plan)
        assert "TEMP B-TREE" not in plan, (sql, plan)
    for _, plan in plans[1:]:
        assert "(timestamp,id)>(?,?)" in plan, plan  # the range starts at the last key


def test_one_client_s_history_keeps_its_own_index(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db", page_size=2)
    client = a_client(1)
    for n in range(5):
        store.append_history(an_entry(client, NOON + timedelta(minutes=n)))
        store.append_history(an_entry(a_client(2), NOON + timedelta(minutes=n)))

    plans = _plans(store, store.client_history(MCC, client.customer_id))

    assert len(plans) == 3
    for sql, plan in plans:
        assert "USING INDEX history_by_client" in plan, (sql, plan)
        assert "TEMP B-TREE" not in plan, (sql, plan)
