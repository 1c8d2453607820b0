"""The monitor benchmark's data: the emulator's N links, the store's N clients, the 1% changes.

The emulator runs in a child process (``EmulatorProcess``), driven through a pipe with its
own in-process API (``Emulator.reset``, ``state.respond``, ``state.calls``): the measured
process then holds the monitor alone, as in production, while the emulator's work still
happens on this machine and inside the measured wall time.

``World`` is one N (per manager: ``managers`` of them, each with N clients of its own): the
clients the store starts with (matching the emulator's links
exactly, ids included, so that only the 1% changes are changes) and the check that a
cycle left the store right. A ``Backend`` makes a fresh store loaded with the world
directly (bulk inserts, not the service) and counts its requests.
"""

from __future__ import annotations

import abc
import multiprocessing
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from bench._common import CERT_DIR
from mcclink.ads.client import GoogleAdsClientService, configure_library_logging
from mcclink.config import Settings
from mcclink.domain import Client, CustomerId, LinkStatus, utcnow
from mcclink.ports import Store
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.sqlite import SqliteStore, client_row
from mcclink.store.tables import TableNames, client_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import WriteRequestTypeDef

    from mcclink.emulator import Emulator, Scenario

#: The managers a world can hold; one-manager worlds use the first.
MANAGERS = tuple(CustomerId(str(1_234_567_890 + k)) for k in range(10))
MANAGER = MANAGERS[0]
#: Above the managers of a world of several: the agency's root MCC (no clients of its own),
#: the login customer that reaches each of them.
ROOT_MANAGER = CustomerId("1234567800")
_FIRST_CLIENT = 3_000_000_000
#: Every 4th client has a PENDING invitation, the others are ACTIVE.
_PENDING_EVERY = 4
#: The 1% that change: (period, offset) -> the advertiser's action. Offsets 0 and 200 of
#: 400 are PENDING clients (refuse, accept), offset 101 of 200 an ACTIVE one (unlink).
_CHANGES = {(400, 0): "refuse", (400, 200): "accept", (200, 101): "unlink"}
_AFTER = {"refuse": LinkStatus.REJECTED, "accept": LinkStatus.APPROVED}
_AFTER["unlink"] = LinkStatus.UNLINKED
_DYNAMODB_BATCH = 25


def _client_digits(index: int) -> str:
    return str(_FIRST_CLIENT + index)


def _manager_of(index: int, n: int) -> CustomerId:
    """The manager of client ``index`` when each manager has ``n`` clients."""
    return MANAGERS[index // n]


def _changes(n: int) -> dict[int, str]:
    """Client index -> the advertiser's action, for 1% of ``n`` clients."""
    return {
        i: action
        for i in range(n)
        for (period, offset), action in _CHANGES.items()
        if i % period == offset
    }


class EmulatorProcess:
    """A Google Ads emulator serving from a child process; stop it with ``stop()``."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child_end, CERT_DIR), name="bench-emulator"
        )
        self._process.start()
        child_end.close()
        self.env: dict[str, str] = self._ask("env")
        # gRPC reads the trusted roots once, at this process's first TLS connection.
        os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = self.env[
            "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"
        ]

    def load(self, n: int, managers: int = 1) -> list[int]:
        """Serve ``n`` clients linked to each of the first ``managers`` of ``MANAGERS``;
        returns their manager_link_ids in order (the first manager's clients first)."""
        link_ids: list[int] = self._ask("load", n, managers)
        return link_ids

    def reset(self) -> None:
        """Back to the loaded scenario (counters too), then 1% of the links changed."""
        self._ask("reset")

    def calls(self) -> int:
        """Every gRPC call answered since the last reset."""
        count: int = self._ask("calls")
        return count

    def cpu_seconds(self) -> float:
        """CPU seconds the emulator's process has used so far."""
        seconds: float = self._ask("cpu")
        return seconds

    def stop(self) -> None:
        """Stop the emulator and its process."""
        if self._process.is_alive():
            self._ask("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def _ask(self, command: str, *args: object) -> Any:
        self._pipe.send((command, args))
        ok, answer = self._pipe.recv()
        if not ok:
            raise RuntimeError(f"the emulator process failed on {command}: {answer}")
        return answer


def _serve(pipe: Connection, cert_dir: Path) -> None:
    """The child process: an emulator, and a loop answering the parent's commands."""
    from mcclink.emulator import start

    emulator = start(_scenario(0), cert_dir=cert_dir)
    scenario, changes, n = _scenario(0), {}, 1
    try:
        while True:
            command, args = pipe.recv()
            try:
                if command == "load":
                    n, managers = args
                    scenario, changes = _scenario(n, managers), _changes(n * managers)
                    answer: object = _link_ids(emulator, scenario, n)
                elif command == "reset":
                    _reset(emulator, scenario, changes, n)
                    answer = None
                elif command == "calls":
                    with emulator.state.lock:
                        answer = sum(emulator.state.calls.values())
                elif command == "cpu":
                    answer = time.process_time()
                else:
                    answer = emulator.env()
            except Exception as exc:  # reported to the parent, which raises it
                pipe.send((False, repr(exc)))
                continue
            pipe.send((True, answer))
            if command == "stop":
                return
    finally:
        emulator.stop()


def _scenario(n: int, managers: int = 1) -> Scenario:
    from mcclink.emulator import Scenario
    from mcclink.emulator.scenario import ClientSpec, ManagerSpec

    def client(i: int) -> ClientSpec:
        manager = (_manager_of(i, n).digits,)
        if i % _PENDING_EVERY == 0:
            return ClientSpec(_client_digits(i), f"Advertiser {i}", invited_by=manager)
        return ClientSpec(_client_digits(i), f"Advertiser {i}", linked_to=manager)

    root = (ManagerSpec(ROOT_MANAGER.digits, "Bench agency"),) if managers > 1 else ()
    above = root[0].id if root else None
    return Scenario(
        managers=root
        + tuple(
            ManagerSpec(m.digits, f"Bench team {k}", managed_by=above)
            for k, m in enumerate(MANAGERS[:managers])
        ),
        clients=tuple(client(i) for i in range(n * managers)),
    )


def _link_ids(emulator: Emulator, scenario: Scenario, n: int) -> list[int]:
    emulator.reset(scenario)
    state = emulator.state
    with state.lock:
        links = [
            state.newest_link(_manager_of(i, n).digits, c.id)
            for i, c in enumerate(scenario.clients)
        ]
    return [link.manager_link_id for link in links if link is not None]


def _reset(emulator: Emulator, scenario: Scenario, changes: dict[int, str], n: int) -> None:
    emulator.reset(scenario)
    for index, action in changes.items():
        emulator.state.respond(_client_digits(index), _manager_of(index, n).digits, action)


class Population(Protocol):
    """What a backend loads into a fresh store: ``n`` clients (``World``, or another
    benchmark's own)."""

    n: int

    def clients(self) -> Iterator[Client]:
        """The clients, each once."""
        ...


class World:
    """N clients linked to each of ``managers`` managers (``MANAGER`` alone by default) in
    the emulator and in a store, and the 1% changes."""

    def __init__(self, n: int, emulator: EmulatorProcess, managers: int = 1) -> None:
        self.n = n
        self.managers = MANAGERS[:managers]
        self.ids = [CustomerId(_client_digits(i)) for i in range(n * managers)]
        self._emulator = emulator
        self._link_ids = emulator.load(n, managers)
        self.changes = _changes(n * managers)

    def clients(self, managers: int | None = None) -> Iterator[Client]:
        """The store's clients before the cycle, as the emulator shows them before the
        changes (of the first ``managers`` managers only, if given)."""
        now = utcnow()
        invited = now - timedelta(hours=1)
        count = len(self.ids) if managers is None else self.n * managers
        pairs = zip(self.ids[:count], self._link_ids[:count], strict=True)
        for index, (customer_id, link_id) in enumerate(pairs):
            pending = index % _PENDING_EVERY == 0
            manager = _manager_of(index, self.n)
            yield Client(
                customer_id=customer_id,
                mcc_customer_id=manager,
                name=f"Advertiser {index}",
                status=LinkStatus.PENDING if pending else LinkStatus.APPROVED,
                manager_link_id=link_id,
                link_resource_name=(
                    f"customers/{manager.digits}/customerClientLinks/{customer_id.digits}~{link_id}"
                ),
                invited_at=invited,
                status_changed_at=invited,
                last_checked_at=invited,
                created_at=invited,
                updated_at=invited,
                version=1,
            )

    def reset_emulator(self) -> None:
        """The emulator back to the scenario (counters too), then the 1% changes made."""
        self._emulator.reset()

    def adapter(self) -> GoogleAdsClientService:
        """A fresh Google Ads adapter pointed at the emulator."""
        configure_library_logging(verbose=False)
        return GoogleAdsClientService(Settings.from_env(self._emulator.env).google_ads())

    def google_calls(self) -> int:
        """Every gRPC call the emulator has answered since its last reset."""
        return self._emulator.calls()

    def emulator_cpu_s(self) -> float:
        """CPU seconds the emulator has used so far."""
        return self._emulator.cpu_seconds()

    def check_store(self, store: Store, visited: int) -> None:
        """Raise unless the changed clients among the first ``visited`` have their new status.

        Raises:
            RuntimeError: a changed client kept its old status, or an unchanged one moved.
        """
        for index, action in self.changes.items():
            if index < visited:
                self._expect(store, index, _AFTER[action])
        for index in range(1, min(visited, 400), 7):  # a spread of untouched clients
            if index not in self.changes:
                expected = LinkStatus.PENDING if index % _PENDING_EVERY == 0 else None
                self._expect(store, index, expected or LinkStatus.APPROVED)

    def _expect(self, store: Store, index: int, status: LinkStatus) -> None:
        client = store.get_client(_manager_of(index, self.n), self.ids[index])
        if client is None or client.status is not status:
            found = client.status if client else "missing"
            raise RuntimeError(f"client #{index}: expected {status}, found {found}")


@dataclass
class IoCounts:
    """Store requests seen while counting."""

    reads: int = 0
    writes: int = 0
    #: Seconds spent waiting for each kind of request, where the backend can tell.
    waited: dict[str, float] = field(default_factory=dict)


class Backend(abc.ABC):
    """A kind of store: fresh stores loaded directly, request counting, clean-up."""

    name: str
    #: The per-client approach visits at most this many clients (a sample above it).
    per_client_max: int
    #: How many times the mcclink cycle is measured (the median is reported): a cycle of
    #: a fraction of a second is at the mercy of whatever else this 2-core machine runs.
    repeats: int

    @abc.abstractmethod
    def fresh_store(self, world: Population) -> Store:
        """A new store holding exactly ``world.clients()`` (bulk-loaded, no history)."""

    @abc.abstractmethod
    def counting(self, store: Store) -> AbstractContextManager[IoCounts]:
        """Count ``store``'s read and write requests during the ``with`` block."""

    @abc.abstractmethod
    def drop(self, store: Store) -> None:
        """Close ``store`` and delete its data."""


class SqliteBackend(Backend):
    """One new SQLite file per case, in ``directory``."""

    name = "sqlite"
    per_client_max = 10_000
    repeats = 3

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def fresh_store(self, world: Population) -> Store:
        """See ``Backend.fresh_store``: one ``executemany`` in one transaction."""
        store = SqliteStore(self._directory / f"{world.n}-{uuid.uuid4().hex[:8]}.db")
        rows = (client_row(client) for client in world.clients())
        first = client_row(next(world.clients()))
        columns = ", ".join(first)
        values = ", ".join(f":{column}" for column in first)
        with sqlite3.connect(store.path) as conn:
            conn.executemany(f"INSERT INTO Clients ({columns}) VALUES ({values})", rows)
        conn.close()
        return store

    @contextmanager
    def counting(self, store: Store) -> Iterator[IoCounts]:
        """See ``Backend.counting``: every statement the store's connection runs."""
        counts = IoCounts()

        def seen(statement: str) -> None:
            verb = statement.lstrip()[:6].upper()
            counts.reads += verb == "SELECT"
            counts.writes += verb == "COMMIT"

        assert isinstance(store, SqliteStore)
        connection = store._conn  # the store's own connection: nothing it runs is missed
        connection.set_trace_callback(seen)
        try:
            yield counts
        finally:
            connection.set_trace_callback(None)

    def drop(self, store: Store) -> None:
        """See ``Backend.drop``."""
        assert isinstance(store, SqliteStore)
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{store.path}{suffix}").unlink(missing_ok=True)


class DynamoBackend(Backend):
    """New tables (a unique prefix) per case on the moto server the environment names."""

    name = "dynamodb"
    #: moto answers a GetItem in milliseconds and copies every table on each transaction.
    per_client_max = 1_000
    repeats = 1
    _READS = frozenset({"Query", "GetItem", "Scan", "BatchGetItem"})
    _WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
    _WRITES |= {"TransactWriteItems", "BatchWriteItem"}

    def fresh_store(self, world: Population) -> Store:
        """See ``Backend.fresh_store``: ``BatchWriteItem`` of 25 items at a time."""
        store = DynamoDBStore(TableNames.from_env({}, prefix=f"b{uuid.uuid4().hex[:8]}-"))
        store.create_tables()
        batch: list[WriteRequestTypeDef] = []
        for client in world.clients():
            batch.append({"PutRequest": {"Item": client_item(client)}})
            if len(batch) == _DYNAMODB_BATCH:
                _write_batch(store, batch)
                batch = []
        if batch:
            _write_batch(store, batch)
        return store

    @contextmanager
    def counting(self, store: Store) -> Iterator[IoCounts]:
        """See ``Backend.counting``: every request boto3 sends for the store."""
        counts = IoCounts()

        def sent(model: Any, context: dict[str, Any], **_: object) -> None:
            counts.reads += model.name in self._READS
            counts.writes += model.name in self._WRITES
            context["bench_sent"] = time.perf_counter()

        def answered(model: Any, context: dict[str, Any], **_: object) -> None:
            took = time.perf_counter() - context.get("bench_sent", time.perf_counter())
            counts.waited[model.name] = counts.waited.get(model.name, 0.0) + took

        assert isinstance(store, DynamoDBStore)
        events = store.client.meta.events
        events.register("before-call.dynamodb", sent, unique_id="bench-sent")
        events.register("after-call.dynamodb", answered, unique_id="bench-answered")
        try:
            yield counts
        finally:
            events.unregister("before-call.dynamodb", unique_id="bench-sent")
            events.unregister("after-call.dynamodb", unique_id="bench-answered")

    def drop(self, store: Store) -> None:
        """See ``Backend.drop``."""
        assert isinstance(store, DynamoDBStore)
        for table in store.names.all():
            store.client.delete_table(TableName=table)


def _write_batch(store: DynamoDBStore, batch: list[WriteRequestTypeDef]) -> None:
    """One BatchWriteItem, re-sending whatever DynamoDB left unprocessed."""
    pending: dict[str, list[WriteRequestTypeDef]] = {store.names.clients: batch}
    while pending:
        answer = store.client.batch_write_item(RequestItems=pending)
        pending = cast("dict[str, list[WriteRequestTypeDef]]", answer.get("UnprocessedItems"))
