"""Benchmark 1 (issue 6): one monitor cycle at 1,000 / 10,000 / 50,000 links.

For each N and store: the emulator holds one manager with N linked clients (a quarter
PENDING, the rest ACTIVE), the store holds the same N clients in the matching status,
then 1% of the links change at the emulator (accepted, refused or ended by the
advertiser) and ONE cycle is measured: ``GoogleAdsMCCService.sync`` (mcclink), and, on
the same data reset to the same state, the per-client approach a straightforward script
takes (per client: one GAQL query through the adapter's ``get_link``, one store read, one
store write where the link changed).

Counted at the backend: Google Ads calls are the emulator's own call counters; store
reads are SQL SELECT statements (SQLite) or Query/GetItem requests (DynamoDB); store writes
are committed write transactions (SQLite COMMITs) or write requests (DynamoDB), each one a
client and its history entry, plus the one MONITOR entry that records each mcclink cycle.
Peak memory is this process's peak RSS during the cycle.

The emulator serves gRPC/TLS from a child process on this machine: its work (running the
query, building and serialising rows) shares the 2 cores and is inside the wall time; its
memory is not in the peak. The adapter is warmed up (channel, TLS, OAuth token) before the
cycle: what is measured is one cycle of a running ``mcclink monitor --every``.

Run: ``python -m bench.monitor [--sizes 1000,10000] [--stores sqlite,dynamodb] [--profile]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from bench._common import measured, moto_server, print_table, write_json
from bench._monitor_world import (
    MANAGER,
    Backend,
    DynamoBackend,
    EmulatorProcess,
    SqliteBackend,
    World,
)
from mcclink.domain import CustomerId, Operation
from mcclink.service import GoogleAdsMCCService

SIZES = (1_000, 10_000, 50_000)
STORES = ("sqlite", "dynamodb")
#: DynamoDB runs on the moto server, which copies every table on each transaction (O(N)
#: per write) and answers one request at a time: it stops at 10,000 (said in the output).
DYNAMODB_SIZES = (1_000, 10_000)
MCCLINK, PER_CLIENT = "mcclink", "per-client"


@dataclass
class Case:
    """One measured cycle."""

    n: int
    store: str
    approach: str
    links_visited: int
    wall_s: float
    google_calls: int
    store_reads: int
    store_writes: int
    changed: int
    peak_mb: float
    rss_before_mb: float
    #: CPU seconds of the monitor's process, and of the emulator's, during the cycle.
    cpu_s: float
    emulator_cpu_s: float
    #: Seconds waiting for each kind of store request (DynamoDB only).
    store_waited_s: dict[str, float] = field(default_factory=dict)
    #: Wall times of every repetition; ``wall_s`` is their median.
    repeats_s: list[float] = field(default_factory=list)

    @property
    def us_per_link(self) -> float:
        """Wall time per link visited, in microseconds."""
        return self.wall_s / self.links_visited * 1e6

    @property
    def sampled(self) -> bool:
        """True when the cycle visited only a sample of the N links."""
        return self.links_visited < self.n


def per_client_cycle(service: GoogleAdsMCCService, ids: Sequence[CustomerId]) -> int:
    """The straightforward script: per client one query, one read, one write if changed.

    Returns the number of clients whose status changed.
    """
    changed = 0
    for customer_id in ids:
        link = service.ads.get_link(MANAGER, customer_id)
        client = service.store.get_client(MANAGER, customer_id)
        if client is None:
            continue
        after = service.apply_link(client, link, Operation.SYNC)
        changed += after.status is not client.status
    return changed


def run_case(world: World, backend: Backend, approach: str, profile: bool) -> Case:
    """Reset the emulator and a fresh store to the world, change 1%, measure one cycle."""
    store = backend.fresh_store(world)
    service = GoogleAdsMCCService(store, world.adapter(), actor="bench")
    try:
        world.reset_emulator()
        ids = world.ids[: backend.per_client_max] if approach == PER_CLIENT else world.ids
        service.ads.get_link(MANAGER, ids[0])  # warm-up: channel, TLS, OAuth token
        calls_before, emulator_cpu = world.google_calls(), world.emulator_cpu_s()
        with backend.counting(store) as io, measured() as cost, _profiled(profile, world.n):
            if approach == MCCLINK:
                report = service.sync(MANAGER, pending_age=timedelta(hours=24))
                changed = len(report.changes)
                if report.errors:
                    raise RuntimeError(f"the cycle met errors: {report.errors[:3]}")
            else:
                changed = per_client_cycle(service, ids)
        world.check_store(store, len(ids))
        return Case(
            n=world.n,
            store=backend.name,
            approach=approach,
            links_visited=len(ids),
            wall_s=cost.wall_s,
            google_calls=world.google_calls() - calls_before,
            store_reads=io.reads,
            store_writes=io.writes,
            changed=changed,
            peak_mb=cost.peak_rss_mb,
            rss_before_mb=cost.rss_before_mb,
            cpu_s=cost.cpu_s,
            emulator_cpu_s=world.emulator_cpu_s() - emulator_cpu,
            store_waited_s=io.waited,
        )
    finally:
        service.ads.close()
        backend.drop(store)


@contextmanager
def _profiled(enabled: bool, n: int) -> Iterator[None]:
    """pyinstrument around the ``with`` block when ``--profile`` is given."""
    if not enabled:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        print(f"\n--- profile of the mcclink cycle, N={n:,} ---")
        print(profiler.output_text(unicode=False, color=False))


def main(argv: list[str] | None = None) -> None:
    """Measure every case, print the tables and write ``bench/results/monitor.json``."""
    args = _arguments(argv or [])
    cases: list[Case] = []
    emulator = EmulatorProcess()
    try:
        with tempfile.TemporaryDirectory(prefix="mcclink-bench-") as tmp:
            for store in args.stores:
                sizes = [n for n in args.sizes if store == "sqlite" or n in DYNAMODB_SIZES]
                cases += _run_store(store, sizes, emulator, Path(tmp), args)
    finally:
        emulator.stop()
    _report(cases, args.argv)


def _run_store(
    store: str, sizes: list[int], emulator: EmulatorProcess, tmp: Path, args: argparse.Namespace
) -> list[Case]:
    if store == "sqlite":
        return [c for n in sizes for c in _run_size(World(n, emulator), SqliteBackend(tmp), args)]
    with moto_server():
        return [c for n in sizes for c in _run_size(World(n, emulator), DynamoBackend(), args)]


def _run_size(world: World, backend: Backend, args: argparse.Namespace) -> list[Case]:
    found = []
    for approach in args.approaches:
        times = backend.repeats if approach == MCCLINK else 1
        runs = [
            run_case(world, backend, approach, args.profile and approach == MCCLINK)
            for _ in range(times)
        ]
        case = sorted(runs, key=lambda run: run.wall_s)[len(runs) // 2]
        case.repeats_s = [run.wall_s for run in runs]
        print(
            f"  {case.n:>6,} {case.store:<8} {case.approach:<10} {case.wall_s:8.3f} s"
            f"  ({case.links_visited:,} links)",
            flush=True,
        )
        found.append(case)
    return found


def _report(cases: list[Case], argv: list[str]) -> None:
    print_table(
        "Monitor cycle, one manager, 1% of links changed",
        [
            "N",
            "store",
            "approach",
            "wall s",
            "Google calls",
            "store reads",
            "store writes",
            "changed",
            "peak MB",
            "us/link",
            "per-client/mcclink",
        ],
        [_row(case, cases) for case in cases],
    )
    _growth(cases)
    notes = _notes(cases)
    for note in notes:
        print(f"* {note}")
    path = write_json(
        "monitor",
        {
            "cases": [asdict(c) | {"us_per_link": c.us_per_link} for c in cases],
            "notes": notes,
            "argv": argv,
        },
    )
    print(f"(results: {path})")


def _row(case: Case, cases: list[Case]) -> list[object]:
    mine = next(
        (c for c in cases if (c.n, c.store, c.approach) == (case.n, case.store, MCCLINK)), None
    )
    ratio = _ratio(case, mine) if case.approach == PER_CLIENT and mine else None
    approach = f"{case.approach} (sample {case.links_visited:,})" if case.sampled else case.approach
    return [
        case.n,
        case.store,
        approach,
        round(case.wall_s, 3),
        case.google_calls,
        case.store_reads,
        case.store_writes,
        case.changed,
        round(case.peak_mb, 1),
        round(case.us_per_link, 1),
        "-" if ratio is None else f"{ratio:,.0f}x",
    ]


def _ratio(per_client: Case, mine: Case) -> float:
    """per-client / mcclink: of wall times, or of the time per link when sampled."""
    if per_client.sampled:
        return per_client.us_per_link / mine.us_per_link
    return per_client.wall_s / mine.wall_s


def _growth(cases: list[Case]) -> None:
    rows: list[list[object]] = []
    for store in dict.fromkeys(c.store for c in cases):
        mine = sorted(
            (c for c in cases if c.store == store and c.approach == MCCLINK), key=lambda c: c.n
        )
        for case in mine:
            cpu_per_link = case.cpu_s / case.n * 1e6
            rows.append(
                [
                    store,
                    case.n,
                    round(case.wall_s, 3),
                    round(case.us_per_link, 1),
                    round(case.us_per_link / mine[0].us_per_link, 2),
                    round(cpu_per_link, 1),
                    round(cpu_per_link / (mine[0].cpu_s / mine[0].n * 1e6), 2),
                    round(case.emulator_cpu_s / case.n * 1e6, 1),
                    round(case.peak_mb - case.rss_before_mb, 1),
                ]
            )
    print_table(
        "Growth of the mcclink cycle with N (per link, against the smallest N)",
        [
            "store",
            "N",
            "wall s",
            "wall us/link",
            "x smallest",
            "monitor CPU us/link",
            "x smallest",
            "emulator CPU us/link",
            "peak - before MB",
        ],
        rows,
    )


def _notes(cases: list[Case]) -> list[str]:
    notes = [
        "Google calls: the emulator's counters. store reads: SQL SELECTs / DynamoDB Query and "
        "GetItem requests. store writes: committed write transactions, each a client and its "
        "history entry (SQLite COMMITs / DynamoDB write requests), plus the MONITOR entry that "
        "records each mcclink cycle.",
        "The emulator serves from a child process on this machine: its work shares the 2 "
        "cores and is inside the wall time; peak MB (this process's peak RSS during the "
        "cycle) is the monitor's alone. CPU time is this process's (the monitor's) and the "
        "emulator's: unlike wall time, it does not depend on what else the machine runs.",
    ]
    repeated = [c for c in cases if len(c.repeats_s) > 1]
    if repeated:
        notes.append(
            "mcclink on sqlite: the median of "
            f"{len(repeated[0].repeats_s)} cycles, each on freshly reset data "
            "(every wall time is in the JSON); every other figure is one cycle."
        )
    notes += [_moto_note(c) for c in cases if c.store_waited_s]
    for sampled in (c for c in cases if c.sampled):
        notes.append(
            f"per-client at N={sampled.n:,} on {sampled.store} ran on a sample: the first "
            f"{sampled.links_visited:,} clients (all N in the emulator and the store); its "
            "ratio compares time per link."
        )
    if any(c.store == "dynamodb" for c in cases) and max(SIZES) not in DYNAMODB_SIZES:
        notes.append(
            f"DynamoDB (moto) is measured up to {max(DYNAMODB_SIZES):,} links: with moto "
            "copying the tables on every transaction, larger N measures moto, not mcclink."
        )
    return notes


def _moto_note(case: Case) -> str:
    waited = sum(case.store_waited_s.values())
    parts = ", ".join(
        f"{name} {seconds:.2f} s"
        for name, seconds in sorted(case.store_waited_s.items(), key=lambda kv: -kv[1])
    )
    return (
        f"dynamodb N={case.n:,} {case.approach}: {waited:.2f} of {case.wall_s:.2f} s waiting "
        f"for moto ({parts}); moto deep-copies both tables on every TransactWriteItems."
    )


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.monitor", description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--stores", default=",".join(STORES))
    parser.add_argument("--approaches", default=f"{MCCLINK},{PER_CLIENT}")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the mcclink cycle")
    args = parser.parse_args(argv)
    args.sizes = [int(n) for n in args.sizes.split(",")]
    args.stores = args.stores.split(",")
    args.approaches = args.approaches.split(",")
    args.argv = argv
    return args


if __name__ == "__main__":
    os.environ.setdefault("no_proxy", "localhost,127.0.0.1")
    main(sys.argv[1:])
