"""Benchmark (issue 18): a monthly report over 50,000 clients and 1,000,000 history entries.

The store holds N clients of one MCC. Each client's life starts at a random moment of the
year before ``NOW`` (2026-12-10 12:00 UTC) and has up to 22 history entries, the ones before
``NOW`` (lives still going on are cut there, so every month of the year holds about as many
entries): registered, invited, reminded, answered (accepted, refused, cancelled; accepted
ones unlinked later and invited again), every status change delivered to a webhook, now and
then a failed invitation. 50,000 clients hold 1,017,979 entries, November about 90,000 and
December's first ten days about 28,000. The clients as stored are where their lives left
them. What each period's figures must be is counted from
the generated lives beforehand, and every report must match.

Side by side, on SQLite (50,000 clients, 1,017,979 entries) and on DynamoDB (moto's server,
2,000 clients, about 40,000 entries):

- **month**: ``reports.metrics.build_report`` for November 2026 (America/Sao_Paulo), made on
  Dec 10: the clients, the history after November (to roll statuses back), November's
  history, the few clients' own histories it needs, the onboarding links;
- **running month**: December so far (nothing after it to roll back);
- **all history** (SQLite only): only streaming every entry from the beginning up to
  November's end, what a report reading forward would need at least before counting.

Counted at the store's methods (calls, history entries read) and at the backend (SQL
SELECTs; DynamoDB Query requests, each one page, and the seconds spent waiting for moto).
Peak memory is the process's peak RSS during the report, above what it held before.

Run: ``python -m bench.reports [--clients 50000] [--stores sqlite,dynamodb]``.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from bench._common import measured, moto_server, print_table, store_arguments, write_json
from bench._monitor_world import MANAGER, Backend, DynamoBackend, SqliteBackend
from bench.reminders import counting_reads
from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome
from mcclink.onboarding import DEFAULT_EXPIRY, new_link
from mcclink.outcomes import ANSWERS, HISTORY_START, is_invitation
from mcclink.ports import Store
from mcclink.reports.metrics import build_report
from mcclink.reports.periods import Period
from mcclink.serialization import history_to_dict
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.sqlite import SqliteStore
from mcclink.store.tables import history_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import WriteRequestTypeDef

CLIENTS = 50_000
#: moto answers one request at a time and reads a whole index for each Query page: at
#: 5,000 clients (100,000 entries) a page took it over 15 s, the store's read timeout.
DYNAMODB_CLIENTS = 2_000
STORES = ("sqlite", "dynamodb")
LIFE_ENTRIES = 22
TARGET_S = 5.0
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
ZONE = ZoneInfo("America/Sao_Paulo")
MONTH, RUNNING = "month", "running month"
ALL_HISTORY = "all history"
#: One onboarding link per this many clients.
_LINK_EVERY = 100
_FIRST_CLIENT = 5_000_000_000
_DAY = timedelta(days=1)
S = LinkStatus


@dataclass
class Case:
    """One measured read of a store."""

    store: str
    what: str
    clients: int
    entries: int
    period: str
    wall_s: float
    cpu_s: float
    #: Seconds spent waiting for the backend's answers (DynamoDB: moto), where known.
    backend_wait_s: float | None
    peak_mb: float
    history_entries_read: int
    store_calls: dict[str, int]
    backend_reads: int
    figures: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)


class Lives:
    """N clients of ``MANAGER``, each with a life of at most ``LIFE_ENTRIES`` entries."""

    def __init__(self, n: int) -> None:
        self.n = n

    def clients(self) -> Iterator[Client]:
        """Every client, as its life left it."""
        for index in range(self.n):
            yield self.life(index)[0]

    def entries(self) -> Iterator[HistoryEntry]:
        """Every client's history."""
        for index in range(self.n):
            yield from self.life(index)[1]

    def life(self, index: int) -> tuple[Client, list[HistoryEntry]]:
        """Client ``index`` and its history (the same on every call)."""
        rng = random.Random(index)
        cid = CustomerId(str(_FIRST_CLIENT + index))
        start = NOW - timedelta(days=rng.uniform(0.01, 365))
        lived = (NOW - start).total_seconds()
        entries = [
            HistoryEntry(
                cid,
                MANAGER,
                operation,
                outcome,
                before,
                after,
                error_code="ManagerLinkError.TOO_MANY_MANAGERS"
                if outcome is Outcome.FAILED
                else None,
                details=details,
                timestamp=start + timedelta(seconds=offset),
                id=f"b{index:07d}-{k:02d}",
            )
            for k, (offset, operation, outcome, before, after, details) in enumerate(_moves(rng))
            if offset < lived
        ]
        return _client(cid, index, entries), entries


_Move = tuple[float, Operation, Outcome, LinkStatus | None, LinkStatus | None, dict[str, str]]


def _moves(rng: random.Random) -> list[_Move]:
    """One life's entries as (seconds from its start, operation, outcome, before, after,
    details), ``LIFE_ENTRIES`` of them (the caller keeps those before ``NOW``)."""
    t, status = 0.0, S.NOT_LINKED
    moves: list[_Move] = [(t, Operation.REGISTER, Outcome.SUCCESS, None, status, {})]

    def change(at: float, operation: Operation, new: LinkStatus) -> None:
        nonlocal status
        moves.append((at, operation, Outcome.SUCCESS, status, new, {}))
        moves.append((at + 1, Operation.WEBHOOK, Outcome.SUCCESS, None, None, {}))
        status = new

    day = _DAY.total_seconds()
    while len(moves) < LIFE_ENTRIES:
        t += rng.uniform(0.05, 5) * day
        if rng.random() < 0.1:
            moves.append((t, Operation.INVITE, Outcome.FAILED, status, status, {}))
            t += rng.uniform(0.01, 1) * day
        change(t, Operation.INVITE, S.PENDING)
        wait = rng.expovariate(1 / 3) * day
        for step, age in enumerate((1, 3, 7), start=1):
            if wait > age * day:
                moves.append(
                    (
                        t + age * day,
                        Operation.REMIND,
                        Outcome.SUCCESS,
                        None,
                        None,
                        {"step": str(step)},
                    )
                )
        t += wait
        roll = rng.random()
        answer = S.APPROVED if roll < 0.6 else S.REJECTED if roll < 0.85 else S.CANCELLED
        change(t, Operation.SYNC, answer)
        if answer is S.APPROVED:
            t += rng.uniform(5, 40) * day
            change(t, Operation.UNLINK, S.UNLINKED)
    return moves[:LIFE_ENTRIES]


def _client(cid: CustomerId, index: int, entries: list[HistoryEntry]) -> Client:
    changes = [e for e in entries if e.status_after is not None]
    invited = [e.timestamp for e in changes if is_invitation(e.status_before, e.status_after)]
    last = changes[-1]
    assert last.status_after is not None
    return Client(
        customer_id=cid,
        mcc_customer_id=MANAGER,
        name=f"Advertiser {index}",
        status=last.status_after,
        invited_at=invited[-1] if invited else None,
        status_changed_at=last.timestamp,
        created_at=changes[0].timestamp,
        updated_at=last.timestamp,
        version=1,
    )


def expected(lives: Lives, period: Period) -> dict[str, int]:
    """What the report of ``period`` must say, counted from the lives themselves."""
    as_of = min(period.end, NOW)
    counts: Counter[str] = Counter()
    for index in range(lives.n):
        status: LinkStatus | None = None
        for entry in lives.life(index)[1]:
            if entry.status_after is None or entry.timestamp >= as_of:
                continue
            before, after = entry.status_before, entry.status_after
            if entry.timestamp >= period.start:
                if is_invitation(before, after):
                    counts["sent"] += 1
                elif before is S.PENDING and after in ANSWERS:
                    counts["accepted" if ANSWERS[after] else "refused"] += 1
                elif before is S.PENDING and after is S.CANCELLED:
                    counts["cancelled"] += 1
            status = after
        counts["pending_at_end"] += status is S.PENDING
    return {
        key: counts[key] for key in ("sent", "accepted", "refused", "cancelled", "pending_at_end")
    }


def load(lives: Lives, backend: Backend) -> tuple[Store, int]:
    """A fresh store of ``backend`` with the lives' clients, history and some links; the
    store and how many entries it holds."""
    store = backend.fresh_store(lives)
    if isinstance(store, SqliteStore):
        _load_sqlite(store, lives)
    else:
        _load_dynamodb(cast(DynamoDBStore, store), lives)
    for index in range(0, lives.n, _LINK_EVERY):
        made = NOW - timedelta(days=index % 90)
        link, _ = new_link(
            MANAGER, CustomerId(str(_FIRST_CLIENT + index)), DEFAULT_EXPIRY, "bench", now=made
        )
        store.create_onboarding_link(replace(link, opened=2, signed_in=1, accepted=index % 2))
    return store, sum(1 for _ in lives.entries())


def _load_sqlite(store: SqliteStore, lives: Lives) -> None:
    rows = ({**history_to_dict(e), "details": json.dumps(dict(e.details))} for e in lives.entries())
    first = {**history_to_dict(next(lives.entries())), "details": "{}"}
    columns, values = ", ".join(first), ", ".join(f":{c}" for c in first)
    with sqlite3.connect(store.path) as conn:
        conn.executemany(f"INSERT INTO ExecutionHistory ({columns}) VALUES ({values})", rows)
    conn.close()


def _load_dynamodb(store: DynamoDBStore, lives: Lives) -> None:
    batch: list[WriteRequestTypeDef] = []
    for entry in lives.entries():
        batch.append({"PutRequest": {"Item": history_item(entry)}})
        if len(batch) == 25:
            _write(store, batch)
            batch = []
    if batch:
        _write(store, batch)


def _write(store: DynamoDBStore, batch: list[WriteRequestTypeDef]) -> None:
    pending: dict[str, list[WriteRequestTypeDef]] = {store.names.history: batch}
    while pending:
        answer = store.client.batch_write_item(RequestItems=pending)
        pending = cast("dict[str, list[WriteRequestTypeDef]]", answer.get("UnprocessedItems"))


def _report_figures(store: Store, period: Period) -> dict[str, int]:
    report = build_report(store, MANAGER, period, now=NOW)
    return {
        "sent": report.sent,
        "accepted": report.accepted,
        "refused": report.refused,
        "cancelled": report.cancelled,
        "pending_at_end": len(report.pending_at_end),
    }


def _all_history(store: Store, period: Period) -> dict[str, int]:
    read = sum(1 for _ in store.history_between(HISTORY_START, period.end, MANAGER))
    return {"entries": read}


def measure(
    store: Store, backend: Backend, lives: Lives, what: str, period: Period,
    run: Callable[[Store, Period], dict[str, int]], entries: int,
) -> Case:  # fmt: skip
    """Time ``run`` on ``store`` once, counting its reads."""
    with backend.counting(store) as io, counting_reads(store) as reads, measured() as cost:
        figures = run(store, period)
    wait = io.waited.get("Query") if backend.name == "dynamodb" else None
    return Case(
        store=backend.name,
        what=what,
        clients=lives.n,
        entries=entries,
        period=period.label,
        wall_s=cost.wall_s,
        cpu_s=cost.cpu_s,
        backend_wait_s=wait,
        peak_mb=cost.peak_rss_mb - cost.rss_before_mb,
        history_entries_read=reads.history_entries,
        store_calls=dict(reads.calls),
        backend_reads=io.reads,
        figures=figures,
        expected=expected(lives, period) if run is _report_figures else {},
    )


def run_store(backend: Backend, n: int) -> list[Case]:
    """Load ``n`` lives into a fresh store of ``backend``, measure each read, drop it."""
    lives = Lives(n)
    with measured() as loading:
        store, entries = load(lives, backend)
    print(
        f"  {backend.name}: {n:,} clients, {entries:,} entries loaded in {loading.wall_s:.0f} s",
        flush=True,
    )
    november, december = Period.parse("2026-11", ZONE), Period.parse("2026-12", ZONE)
    plan: list[tuple[str, Period, Callable[[Store, Period], dict[str, int]]]] = [
        (MONTH, november, _report_figures),
        (RUNNING, december, _report_figures),
    ]
    if backend.name == "sqlite":
        plan.append((ALL_HISTORY, november, _all_history))
    cases = []
    try:
        for what, period, run in plan:
            runs = [
                measure(store, backend, lives, what, period, run, entries)
                for _ in range(backend.repeats)
            ]
            case = sorted(runs, key=lambda one: one.wall_s)[len(runs) // 2]
            print(f"  {backend.name:<8} {what:<14} {case.wall_s:8.2f} s", flush=True)
            cases.append(case)
    finally:
        backend.drop(store)
    return cases


def main(argv: list[str] | None = None) -> None:
    """Measure each store, print the table, write the JSON."""
    args = store_arguments("python -m bench.reports", __doc__, CLIENTS, STORES, argv or [])
    cases: list[Case] = []
    with tempfile.TemporaryDirectory(prefix="mcclink-bench-reports-") as tmp:
        for name in args.stores:
            if name == "sqlite":
                cases += run_store(SqliteBackend(Path(tmp)), args.clients)
            else:
                with moto_server():
                    cases += run_store(DynamoBackend(), min(args.clients, DYNAMODB_CLIENTS))
    _print(cases, args.argv)


def _print(cases: list[Case], argv: list[str]) -> None:
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print_table(
        f"Period report (target: a month over 50,000 clients / 1,000,000 entries on SQLite "
        f"<= {TARGET_S:g} s); load average {load} on {os.cpu_count()} CPUs",
        ["store", "read", "period", "clients", "entries", "wall s", "CPU s", "target",
         "backend wait s", "peak MB", "entries read", "own histories", "backend reads",
         "figures as expected"],
        [_row(case) for case in cases],
    )  # fmt: skip
    notes = _notes(cases)
    for note in notes:
        print(f"* {note}")
    path = write_json(
        "reports", {"cases": [asdict(c) for c in cases], "notes": notes, "argv": argv}
    )
    print(f"(results: {path})")
    wrong = [c for c in cases if c.expected and c.figures != c.expected]
    if wrong:
        raise SystemExit(f"a report's figures differ from the lives': {wrong}")


def _row(case: Case) -> list[object]:
    target = "-"
    if case.store == "sqlite" and case.what == MONTH:
        target = "met" if case.wall_s <= TARGET_S else "missed"
    return [
        case.store,
        case.what,
        case.period,
        case.clients,
        case.entries,
        round(case.wall_s, 2),
        round(case.cpu_s, 2),
        target,
        None if case.backend_wait_s is None else round(case.backend_wait_s, 2),
        round(case.peak_mb, 1),
        case.history_entries_read,
        case.store_calls.get("client_history", 0),
        case.backend_reads,
        ("yes" if case.figures == case.expected else "NO") if case.expected else "-",
    ]


def _notes(cases: list[Case]) -> list[str]:
    notes = [
        "entries read: history entries the store returned (history_between and "
        "client_history). own histories: clients whose own history was read (an invitation "
        "older than the period, the client re-invited since). backend reads: SQL SELECTs "
        "(SQLite: one per page) or DynamoDB Query requests (one per page of at most 1 MB). "
        "peak MB: the process's peak RSS during the read, above its RSS before it.",
        "figures as expected: sent, accepted, refused, cancelled and pending at the end equal "
        "those counted from the generated lives.",
        f"sqlite: the median of {SqliteBackend.repeats} reads of each kind (the first one "
        "after loading reads a cold file); wall time depends on what else the 2 cores run, "
        "CPU s much less.",
    ]
    if any(c.store == "dynamodb" for c in cases):
        notes.append(
            "DynamoDB runs on moto's server (one request at a time): backend wait s is the time "
            "spent waiting for its answers; what carries over to DynamoDB is the request count: "
            "the MCC's history through by_mcc, one Query (paged) per period read."
        )
    return notes


if __name__ == "__main__":
    os.environ.setdefault("no_proxy", "localhost,127.0.0.1")
    main(sys.argv[1:])
