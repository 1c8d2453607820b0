"""The ``backend`` fixture: each contract test runs once on SQLite and once on DynamoDB."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

from mcclink.domain import Client
from mcclink.ports import Store
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.sqlite import SqliteStore, client_row
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
    #: ``with lose_answer("TransactWriteItems"):`` the store's first request of that kind
    #: inside the block reaches the server, which answers it, and the answer is lost (the
    #: client sees a read timeout and retries). SQLite commits locally: no answer to lose.
    lose_answer: Callable[[str], AbstractContextManager[None]] = lambda _: nullcontext()


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
        # Rows as they are, past the store's checks (as the DynamoDB loader puts items).
        with sqlite3.connect(path) as conn:
            for client in clients:
                row = client_row(client)
                columns = ", ".join(row)
                values = ", ".join(f":{column}" for column in row)
                conn.execute(f"INSERT INTO Clients ({columns}) VALUES ({values})", row)

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

    return Backend("dynamodb", watched(store), reopen, load, requests, _answer_loser(store))


def _answer_loser(store: DynamoDBStore) -> Callable[[str], AbstractContextManager[None]]:
    @contextmanager
    def lose_answer(operation: str) -> Iterator[None]:
        answered: list[int] = []

        def deliver_then_time_out(request: AWSPreparedRequest, **_: Any) -> None:
            if answered:
                return  # botocore's retry goes through as usual
            answered.append(URLLib3Session().send(request).status_code)
            raise ReadTimeoutError(endpoint_url=request.url)

        event = f"before-send.dynamodb.{operation}"
        store.client.meta.events.register(event, deliver_then_time_out)
        try:
            yield
        finally:
            store.client.meta.events.unregister(event, deliver_then_time_out)
        assert answered, f"no {operation} request was sent in the block"

    return lose_answer
