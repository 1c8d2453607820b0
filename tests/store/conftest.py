"""The ``backend`` fixture: each contract test runs once on SQLite and once on DynamoDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mcclink.domain import Client
from mcclink.ports import Store
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.sqlite import SqliteStore
from mcclink.store.tables import client_item

#: Clients per SQLite page in the contract suite: small, so listings cross many pages.
SQLITE_PAGE = 500


@dataclass
class Backend:
    """A store under test, and what the contract tests need around it."""

    name: str
    store: Store
    #: Another store object on the same data (another thread's or process's view).
    reopen: Callable[[], Store]
    #: Writes clients as they are (no history), the fastest way the backend allows.
    load: Callable[[list[Client]], None]
    #: Counts of the backend's read requests, by kind (filled in by the backend).
    requests: dict[str, int] = field(default_factory=dict)


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """The backend named by the parameter, fresh for each test."""
    opened: list[Store] = []

    def track(store: Store) -> Store:
        opened.append(store)
        return store

    if request.param == "sqlite":
        made = _sqlite(tmp_path / "store.db", track)
    else:
        made = _dynamodb(request.getfixturevalue("dynamodb_store"), track)
    yield made
    for store in opened:
        store.close()
    assert made.requests.get("Scan", 0) == 0, "a use case scanned a table"


@pytest.fixture
def store(backend: Backend) -> Store:
    """The store of ``backend``."""
    return backend.store


def _sqlite(path: Path, track: Callable[[Store], Store]) -> Backend:
    def reopen() -> Store:
        return track(SqliteStore(path, page_size=SQLITE_PAGE))

    main = reopen()

    def load(clients: list[Client]) -> None:
        for client in clients:
            main.create_client(client)

    return Backend("sqlite", main, reopen, load)


def _dynamodb(store: DynamoDBStore, track: Callable[[Store], Store]) -> Backend:
    requests: dict[str, int] = {}

    def count(event_name: str, **_: Any) -> None:
        kind = event_name.rsplit(".", 1)[-1]
        requests[kind] = requests.get(kind, 0) + 1

    def watched(store: DynamoDBStore) -> DynamoDBStore:
        # Every request is counted: no Scan may happen, and pages must really be paged.
        store.client.meta.events.register("before-call.dynamodb.*", count)
        return store

    def load(clients: list[Client]) -> None:
        for start in range(0, len(clients), 25):
            batch = [{"PutRequest": {"Item": client_item(c)}} for c in clients[start : start + 25]]
            pending: Any = {store.names.clients: batch}
            while pending:
                pending = store.client.batch_write_item(RequestItems=pending)["UnprocessedItems"]

    def reopen() -> Store:
        return track(watched(DynamoDBStore(store.names)))

    return Backend("dynamodb", watched(store), reopen, load, requests)
