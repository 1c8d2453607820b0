"""Store.move_client: a client re-keyed under another manager in one write, on both stores."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from mcclink.domain import Client, HistoryEntry, LinkStatus, Operation
from mcclink.errors import ClientExists, ClientNotFound, HistoryEntryExists, VersionConflict
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.migrations import MIGRATIONS
from mcclink.store.sqlite import SqliteStore
from mcclink.store.tables import client_item
from tests.store.conftest import Backend
from tests.store.records import MCC, OTHER_MCC, a_client, an_entry, customer

HOUR = timedelta(hours=1)


def linked(backend: Backend) -> Client:
    """Client 1, APPROVED under MCC (and hidden there), as stored."""
    stored = backend.store.create_client(a_client())
    return backend.store.update_client(
        stored.evolve(status=LinkStatus.APPROVED, manager_link_id=7, hidden=True)
    )


def move_entry(client: Client) -> HistoryEntry:
    """The move's entry as the service records it: under the new manager."""
    return an_entry(
        client,
        mcc_customer_id=OTHER_MCC,
        operation=Operation.MOVE,
        details={"from_mcc": MCC.digits, "to_mcc": OTHER_MCC.digits},
    )


def both_histories(backend: Backend) -> tuple[list[HistoryEntry], list[HistoryEntry]]:
    """Client 1's history under the manager it left and under the new one."""
    store = backend.store
    return list(store.client_history(MCC, customer(1))), list(
        store.client_history(OTHER_MCC, customer(1))
    )


def test_a_moved_client_is_stored_under_the_new_manager_with_its_entry(backend: Backend) -> None:
    client = linked(backend)
    entry = move_entry(client)

    moved = backend.store.move_client(client.evolve(manager_link_id=8), OTHER_MCC, entry)

    assert moved.mcc_customer_id == OTHER_MCC
    assert moved.version == client.version + 1
    assert (moved.manager_link_id, moved.hidden, moved.name) == (8, True, client.name)
    assert backend.store.get_client(OTHER_MCC, customer(1)) == moved
    assert backend.store.get_client(MCC, customer(1)) is None
    assert list(backend.store.list_clients(MCC)) == []
    assert list(backend.store.list_clients(OTHER_MCC, LinkStatus.APPROVED)) == [moved]
    assert both_histories(backend) == ([entry.kept_by(MCC)], [entry])


def test_the_manager_left_keeps_the_move_in_its_history(backend: Backend) -> None:
    client = linked(backend)
    entry = move_entry(client)

    backend.store.move_client(client, OTHER_MCC, entry)

    [left] = backend.store.client_history(MCC, customer(1))
    assert (left.operation, left.mcc_customer_id, left.details) == (
        Operation.MOVE,
        MCC,
        {"from_mcc": MCC.digits, "to_mcc": OTHER_MCC.digits},
    )
    assert left.id != entry.id
    assert (left.timestamp, left.request_id) == (entry.timestamp, entry.request_id)
    everything = backend.store.history_between(entry.timestamp, entry.timestamp + HOUR)
    assert sorted(e.mcc_customer_id.digits for e in everything) == sorted(
        [MCC.digits, OTHER_MCC.digits]
    )


def test_a_stale_version_is_a_conflict_and_writes_nothing(backend: Backend) -> None:
    client = linked(backend)
    newer = backend.reopen().update_client(client.evolve(name="Renamed"))

    with pytest.raises(VersionConflict):
        backend.store.move_client(client, OTHER_MCC, move_entry(client))

    assert backend.store.get_client(MCC, customer(1)) == newer
    assert backend.store.get_client(OTHER_MCC, customer(1)) is None
    assert both_histories(backend) == ([], [])


def test_a_client_gone_is_not_found(backend: Backend) -> None:
    client = linked(backend)
    backend.store.delete_client(client)

    with pytest.raises(ClientNotFound):
        backend.store.move_client(client, OTHER_MCC, move_entry(client))

    assert backend.store.get_client(OTHER_MCC, customer(1)) is None


def test_a_customer_already_under_the_new_manager_is_refused_and_nothing_moves(
    backend: Backend,
) -> None:
    client = linked(backend)
    there = backend.store.create_client(a_client(mcc=OTHER_MCC, name="Already there"))

    with pytest.raises(ClientExists):
        backend.store.move_client(client, OTHER_MCC, move_entry(client))

    assert backend.store.get_client(MCC, customer(1)) == client
    assert backend.store.get_client(OTHER_MCC, customer(1)) == there
    assert both_histories(backend) == ([], [])


def test_an_entry_already_recorded_is_refused_and_nothing_moves(backend: Backend) -> None:
    client = linked(backend)
    entry = move_entry(client)
    backend.store.append_history(entry)

    with pytest.raises(HistoryEntryExists):
        backend.store.move_client(client, OTHER_MCC, entry)

    assert backend.store.get_client(MCC, customer(1)) == client
    assert backend.store.get_client(OTHER_MCC, customer(1)) is None
    assert both_histories(backend) == ([], [entry])


def test_a_copy_already_recorded_under_the_manager_left_is_refused_and_nothing_moves(
    backend: Backend,
) -> None:
    client = linked(backend)
    entry = move_entry(client)
    backend.store.append_history(entry.kept_by(MCC))

    with pytest.raises(HistoryEntryExists):
        backend.store.move_client(client, OTHER_MCC, entry)

    assert backend.store.get_client(MCC, customer(1)) == client
    assert both_histories(backend) == ([entry.kept_by(MCC)], [])


def test_a_move_whose_answer_was_lost_succeeds_once(backend: Backend) -> None:
    client = linked(backend)
    entry = move_entry(client)

    with backend.lose_answer("TransactWriteItems"):
        moved = backend.store.move_client(client, OTHER_MCC, entry)

    assert backend.store.get_client(OTHER_MCC, customer(1)) == moved
    assert backend.store.get_client(MCC, customer(1)) is None
    assert both_histories(backend) == ([entry.kept_by(MCC)], [entry])


def test_a_real_conflict_is_still_a_conflict_when_the_answer_was_lost(backend: Backend) -> None:
    client = linked(backend)
    backend.reopen().update_client(client.evolve(name="Renamed"))

    with backend.lose_answer("TransactWriteItems"), pytest.raises(VersionConflict):
        backend.store.move_client(client, OTHER_MCC, move_entry(client))

    assert backend.store.get_client(OTHER_MCC, customer(1)) is None


def test_a_client_row_from_before_hiding_reads_as_shown(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a store as mcclink left it before hiding existed
        conn.execute("CREATE TABLE schema_migrations (version, name, applied_at)")
        for step in MIGRATIONS[:4]:
            for statement in step.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, 'then')", (step.version, step.name)
            )
        conn.execute(
            "INSERT INTO Clients (mcc_customer_id, customer_id, name, status, created_at,"
            " updated_at, version) VALUES (?, ?, 'Kept', 'APPROVED', ?, ?, 3)",
            (MCC.digits, customer(1).digits, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        )
    conn.close()

    stored = SqliteStore(path).get_client(MCC, customer(1))

    assert stored is not None
    assert (stored.name, stored.version, stored.hidden) == ("Kept", 3, False)


@pytest.mark.dynamodb
def test_a_client_item_from_before_hiding_reads_as_shown(dynamodb_store: DynamoDBStore) -> None:
    item = client_item(a_client(status=LinkStatus.APPROVED, version=3))
    del item["hidden"]
    dynamodb_store.client.put_item(TableName=dynamodb_store.names.clients, Item=item)

    stored = dynamodb_store.get_client(MCC, customer(1))

    assert stored is not None
    assert (stored.version, stored.hidden) == (3, False)
