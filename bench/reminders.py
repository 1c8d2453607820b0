"""Benchmark (issue 15): a dry-run reminder pass over 50,000 clients, 5,000 of them pending.

The store holds N clients: every 10th has a PENDING invitation and an e-mail, invited between
1 hour and 10 days ago; the others are APPROVED. Reminders are at the default steps
(``1d,3d,7d``). Every other pending client has already had every step it reached except the
newest (its REMIND entries are in history), so that step is due; the rest are up to date. What
is due is therefore known beforehand, and both approaches must find exactly that.

Side by side, on the same store:

- **mcclink**: ``mcclink remind --dry-run`` as a function (``reminders.remind(...,
  dry_run=True)``): reads the store, plans, sends nothing, writes nothing;
- **per-client**: the straightforward pass: every client read, and each pending one's history
  read to see which steps it had (``reminders.due_reminders`` on what it found).

Counted with a wrapper around the store's read methods: clients read (and the most times any
one client was read: the pass must read each client at most once), history reads and entries,
and at the backend the SQL SELECTs (SQLite) or the Query/GetItem/Scan requests (DynamoDB).
Writes are counted too: a dry run must make none.

Run: ``python -m bench.reminders [--clients 50000] [--stores sqlite,dynamodb]``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench._common import measured, moto_server, print_table, store_arguments, write_json
from bench._monitor_world import Backend, DynamoBackend, SqliteBackend
from mcclink.domain import Client, CustomerId, LinkStatus, utcnow
from mcclink.ports import Store

CLIENTS = 50_000
STORES = ("sqlite", "dynamodb")
#: DynamoDB runs on the moto server, which answers one request at a time; loading 50,000
#: clients there is the slow part, not the pass (said in the output).
DYNAMODB_CLIENTS = 10_000
TARGET_S = 2.0
MANAGER = CustomerId("1234567890")
STEPS = "1d,3d,7d"
_PENDING_EVERY = 10
_FIRST_CLIENT = 4_000_000_000
MCCLINK, PER_CLIENT = "mcclink", "per-client"
#: The store's read methods the wrapper counts.
_READS = ("get_client", "list_clients", "client_history", "history_between")
_WRITES = ("create_client", "update_client", "delete_client", "append_history")


@dataclass
class Reads:
    """What one pass read from (and wrote to) the store, counted at its methods."""

    clients: Counter[str] = field(default_factory=Counter)
    history_calls: int = 0
    history_entries: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    writes: int = 0

    @property
    def most_per_client(self) -> int:
        """The most times any one client was read."""
        return max(self.clients.values(), default=0)


@dataclass
class Case:
    """One measured pass."""

    n: int
    pending: int
    store: str
    approach: str
    due_expected: int
    due_found: int
    wall_s: float
    cpu_s: float
    clients_read: int
    most_reads_per_client: int
    history_calls: int
    history_entries: int
    backend_reads: int
    writes: int
    peak_mb: float
    calls: dict[str, int] = field(default_factory=dict)


class Reminders:
    """N clients: every 10th pending (with an e-mail) at a known age; the rest APPROVED."""

    def __init__(self, n: int, now: datetime) -> None:
        from mcclink.reminders import parse_steps

        self.n, self.now = n, now
        self.steps = parse_steps(STEPS)

    def clients(self) -> Iterator[Client]:
        """Every client, as the store starts with it."""
        for index in range(self.n):
            cid = CustomerId(str(_FIRST_CLIENT + index))
            created = self.now - timedelta(days=30)
            pending = index % _PENDING_EVERY == 0
            invited = self._invited_at(index) if pending else created
            yield Client(
                customer_id=cid,
                mcc_customer_id=MANAGER,
                name=f"Advertiser {index}",
                email=f"ads{index}@example.com" if pending else None,
                status=LinkStatus.PENDING if pending else LinkStatus.APPROVED,
                manager_link_id=index + 1,
                invited_at=invited,
                status_changed_at=invited,
                created_at=created,
                updated_at=invited,
                version=1,
            )

    def _invited_at(self, index: int) -> datetime:
        """1 hour to 10 days ago, spread over the pending clients."""
        k = index // _PENDING_EVERY
        return self.now - timedelta(hours=1 + (k * 7) % (10 * 24))

    def reached(self, client: Client) -> int:
        """How many steps ``client``'s invitation has reached by ``now``."""
        assert client.invited_at is not None
        age = self.now - client.invited_at
        return sum(step <= age for step in self.steps)

    def already_reminded(self, client: Client) -> int:
        """Steps already sent: all it reached but the newest for every other pending client."""
        reached = self.reached(client)
        k = int(client.customer_id.digits) - _FIRST_CLIENT
        return max(reached - 1, 0) if (k // _PENDING_EVERY) % 2 else reached

    def pending(self) -> Iterator[Client]:
        """The pending clients."""
        return (c for c in self.clients() if c.status is LinkStatus.PENDING)

    def due(self) -> int:
        """How many reminders are due now (at most one per pending client)."""
        return sum(self.reached(c) > self.already_reminded(c) for c in self.pending())


def load(world: Reminders, backend: Backend) -> Store:
    """A fresh store with the world's clients and the REMIND entries already sent."""
    from mcclink.reminders import claim_entry, due_step

    store = backend.fresh_store(world)
    for client in world.pending():
        for step in range(1, world.already_reminded(client) + 1):
            due = due_step(client, step, world.steps)
            message_id = f"<{due.claim_id}@bench>"
            store.append_history(
                claim_entry(due, actor="bench", message_id=message_id, onboarding_link_id="-")
            )
    return store


@contextmanager
def counting_reads(store: Store) -> Iterator[Reads]:
    """Count what ``store``'s read methods return, and its writes, during the block.

    The store's methods are wrapped on the instance (and restored afterwards), so whatever
    calls them, the planner included, is counted.
    """
    reads = Reads()
    originals = {name: getattr(store, name) for name in (*_READS, *_WRITES)}

    def counted(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            reads.calls[name] += 1
            if name in _WRITES:
                reads.writes += 1
                return method(*args, **kwargs)
            answer = method(*args, **kwargs)
            if name == "get_client":
                if answer is not None:
                    reads.clients[answer.customer_id.digits] += 1
                return answer
            return _tallied(name, answer, reads)

        return call

    for name, method in originals.items():
        setattr(store, name, counted(name, method))
    try:
        yield reads
    finally:
        for name in originals:
            delattr(store, name)


def _tallied(name: str, items: Iterator[Any], reads: Reads) -> Iterator[Any]:
    if name in ("client_history", "history_between"):
        reads.history_calls += 1
    for item in items:
        if name == "list_clients":
            reads.clients[item.customer_id.digits] += 1
        else:
            reads.history_entries += 1
        yield item


def mcclink_pass(store: Store, world: Reminders) -> int:
    """``mcclink remind --dry-run``'s pass on ``store``; returns how many reminders are due."""
    from mcclink.bootstrap import Container
    from mcclink.reminders import remind

    environ = {"MCC_CUSTOMER_ID": MANAGER.digits, "MCC_REMIND_AT": STEPS}
    container = Container(environ=environ, actor="bench")
    vars(container)["store"] = store  # the loaded, counted store rather than one opened anew
    return len(remind(container, dry_run=True, now=world.now).due)


def per_client_pass(store: Store, world: Reminders) -> int:
    """Every client read, each pending one's history read; returns how many are due."""
    from mcclink.domain import Operation, Outcome
    from mcclink.reminders import due_reminders

    clients = list(store.list_clients(MANAGER))
    reminded = {
        entry.id
        for client in clients
        if client.status is LinkStatus.PENDING
        for entry in store.client_history(MANAGER, client.customer_id)
        if entry.operation is Operation.REMIND and entry.outcome is Outcome.SUCCESS
    }
    return len(due_reminders(clients, world.steps, world.now, reminded))


PASSES = {MCCLINK: mcclink_pass, PER_CLIENT: per_client_pass}


def run_case(store: Store, world: Reminders, backend: Backend, approach: str, due: int) -> Case:
    """One pass of ``approach`` over the loaded ``store``, counted and timed."""
    with (
        backend.counting(store) as io,
        counting_reads(store) as reads,
        measured() as cost,
    ):
        found = PASSES[approach](store, world)
    return Case(
        n=world.n,
        pending=world.n // _PENDING_EVERY,
        store=backend.name,
        approach=approach,
        due_expected=due,
        due_found=found,
        wall_s=cost.wall_s,
        cpu_s=cost.cpu_s,
        clients_read=sum(reads.clients.values()),
        most_reads_per_client=reads.most_per_client,
        history_calls=reads.history_calls,
        history_entries=reads.history_entries,
        backend_reads=io.reads,
        writes=reads.writes + io.writes,
        peak_mb=cost.peak_rss_mb,
        calls=dict(reads.calls),
    )


def main(argv: list[str] | None = None) -> None:
    """Measure both approaches on each store, print the table, write the JSON."""
    args = store_arguments("python -m bench.reminders", __doc__, CLIENTS, STORES, argv or [])
    cases: list[Case] = []
    loads: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="mcclink-bench-remind-") as tmp:
        for name in args.stores:
            n = args.clients if name == "sqlite" else min(args.clients, DYNAMODB_CLIENTS)
            if name == "sqlite":
                cases += run_store(SqliteBackend(Path(tmp)), n, loads)
            else:
                with moto_server():
                    cases += run_store(DynamoBackend(), n, loads)
    _report(cases, loads, args.argv)


def run_store(backend: Backend, n: int, loads: dict[str, float]) -> list[Case]:
    """Load ``n`` clients into a fresh store of ``backend``, measure each approach on it
    (the median of ``backend.repeats`` passes), drop the store; the load time goes in
    ``loads``."""
    world = Reminders(n, utcnow())
    due = world.due()
    with measured() as loading:
        store = load(world, backend)
    loads[backend.name] = loading.wall_s
    print(f"  {backend.name}: {n:,} clients loaded in {loading.wall_s:.1f} s", flush=True)
    found = []
    try:
        for approach in PASSES:
            runs = [run_case(store, world, backend, approach, due) for _ in range(backend.repeats)]
            case = sorted(runs, key=lambda run: run.wall_s)[len(runs) // 2]
            print(f"  {backend.name:<8} {approach:<10} {case.wall_s:8.3f} s", flush=True)
            found.append(case)
    finally:
        backend.drop(store)
    return found


def _report(cases: list[Case], loads: dict[str, float], argv: list[str]) -> None:
    print_table(
        f"Reminder pass, dry run: steps {STEPS}, every 10th client pending (target <= "
        f"{TARGET_S:g} s, each client read at most once)",
        [
            "store",
            "approach",
            "clients",
            "pending",
            "due found",
            "wall s",
            "CPU s",
            "target",
            "clients read",
            "max reads/client",
            "history reads",
            "entries read",
            "backend reads",
            "writes",
            "peak MB",
            "per-client/mcclink",
        ],
        [_row(case, cases) for case in cases],
    )
    notes = _notes(cases, loads)
    for note in notes:
        print(f"* {note}")
    path = write_json(
        "reminders", {"cases": [asdict(c) for c in cases], "notes": notes, "argv": argv}
    )
    print(f"(results: {path})")
    wrong = [c for c in cases if c.due_found != c.due_expected or c.writes]
    if wrong:
        raise SystemExit(f"a pass found the wrong reminders or wrote: {wrong}")


def _row(case: Case, cases: list[Case]) -> list[object]:
    mine = next(c for c in cases if (c.store, c.approach) == (case.store, MCCLINK))
    within = case.wall_s <= TARGET_S
    return [
        case.store,
        case.approach,
        case.n,
        case.pending,
        f"{case.due_found:,} of {case.due_expected:,}",
        round(case.wall_s, 3),
        round(case.cpu_s, 3),
        ("met" if within else "missed") if case.approach == MCCLINK else "-",
        case.clients_read,
        case.most_reads_per_client,
        case.history_calls,
        case.history_entries,
        case.backend_reads,
        case.writes,
        round(case.peak_mb, 1),
        "-" if case is mine else f"{case.wall_s / mine.wall_s:,.1f}x",
    ]


def _notes(cases: list[Case], loads: dict[str, float]) -> list[str]:
    notes = [
        "clients read / history reads / entries read: counted at the store's methods "
        "(list_clients, get_client, client_history, history_between). backend reads: SQL "
        "SELECTs (SQLite) or Query/GetItem/Scan/BatchGetItem requests (DynamoDB). writes: "
        "store writes during the pass (a dry run makes none). CPU s: this process's CPU time "
        "(unlike wall time, it does not depend on what else the machine runs).",
        "mcclink lists the MCC's PENDING clients once, then reads the history of each client "
        "whose latest step has passed (to leave out steps already claimed); per-client lists "
        "every client and reads every pending client's history.",
        "loading the store (not measured): "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in loads.items()),
    ]
    repeated = {c.store for c in cases} & {"sqlite"}
    if repeated:
        notes.append(f"sqlite: the median of {SqliteBackend.repeats} passes of each approach.")
    if any(c.store == "dynamodb" for c in cases):
        notes.append(
            "DynamoDB runs on moto's server (one request at a time, milliseconds each, on this "
            "machine): its wall time is mostly moto's; what carries over to DynamoDB is the "
            "request count."
        )
    return notes


if __name__ == "__main__":
    os.environ.setdefault("no_proxy", "localhost,127.0.0.1")
    main(sys.argv[1:])
