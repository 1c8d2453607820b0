"""Benchmark (issue 17): every manager in one monitor run (``mcclink monitor --all``) against
one run per manager, one after another.

The emulator holds 10 managers under the agency's root MCC (the login customer of every
call), with N linked clients each (a quarter PENDING, the rest ACTIVE), and the store the
same clients; 1% of each manager's links changed at the emulator
(accepted, refused or ended by the advertiser). Measured, side by side in one run:

- ``all``: one run over the store's managers (``Store.managers``), ``--concurrency`` cycles
  at once, each over a store connection of its own, one shared Google Ads adapter;
- ``sequential``: one cycle per manager, one after another.

SQLite at 10 x 50,000 links, and at 2 and 5 of those managers (memory must not grow with the
managers): the real CLI in a subprocess, ``mcclink monitor --all --json`` against ten
``mcclink --mcc M monitor --json`` one after another; wall time and peak RSS are the
command's own (``run_command``: the sequential peak is the largest of the ten), start-up
included. DynamoDB (moto) at 10 x 1,000: in this process (``monitor_all.sync_managers``
against ``service.sync`` per manager), so that the time spent waiting for moto can be
reported apart (summed over the threads that waited); peak MB is then this process's.
Google calls are the emulator's own counter. The emulator runs in a child process: its work
shares the 2 cores and is inside the wall time, its memory is not in the peak. Targets:
Google calls = managers, peak <= 400 MB and flat in the managers, wall <= 15 s at 10 x 50,000
on SQLite.

Run: ``python -m bench.monitor_all [--n 50000] [--managers 2,5,10] [--dynamodb-n 1000]
[--stores sqlite,dynamodb] [--concurrency 4,2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench._common import measured, moto_server, print_table, run_command, write_json
from bench._monitor_world import (
    MANAGER,
    ROOT_MANAGER,
    Backend,
    DynamoBackend,
    EmulatorProcess,
    SqliteBackend,
    World,
)
from mcclink.ads.client import GoogleAdsClientService
from mcclink.config import Settings
from mcclink.domain import Client
from mcclink.monitor_all import DEFAULT_CONCURRENCY, Cycles, sync_managers
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.sqlite import SqliteStore

ALL, SEQUENTIAL = "all", "sequential"
MCCLINK = str(Path(sys.executable).with_name("mcclink"))
#: The agency's usual set-up: its root MCC as the login customer of every call (one gRPC
#: channel; without it the adapter keeps one channel per manager it logs in as).
_AGENCY = {
    "MCC_CUSTOMER_ID": ROOT_MANAGER.digits,
    "GOOGLE_ADS_LOGIN_CUSTOMER_ID": ROOT_MANAGER.digits,
}
#: The targets of issue 17 (SQLite, 10 x 50,000).
WALL_TARGET_S, PEAK_TARGET_MB = 15.0, 400.0


@dataclass
class Case:
    """One measured run over ``managers`` managers."""

    store: str
    approach: str
    managers: int
    n: int
    wall_s: float
    google_calls: int
    changed: int
    failed: int
    peak_mb: float
    #: CPU seconds of the monitor (the commands', or this process's), whatever else ran.
    cpu_s: float | None = None
    #: In this process only: the RSS before the run.
    rss_before_mb: float | None = None
    #: The emulator's CPU seconds during the run: it shares the cores, so its work is
    #: inside the wall time but not in ``cpu_s``.
    emulator_cpu_s: float | None = None
    #: Seconds spent waiting for moto, summed over every thread (DynamoDB only).
    moto_s: float | None = None
    concurrency: int | None = None


@dataclass
class _MotoClock:
    """Seconds spent in DynamoDB requests, from any thread."""

    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def watch(self, store: Store) -> Store:
        """Time every request of ``store`` (a DynamoDB store; others are returned as is)."""
        if not isinstance(store, DynamoDBStore):
            return store
        started = threading.local()

        def sent(**_: object) -> None:
            started.at = time.perf_counter()

        def answered(**_: object) -> None:
            with self.lock:
                self.seconds += time.perf_counter() - started.at

        events = store.client.meta.events
        events.register("before-call.dynamodb", sent)
        events.register("after-call.dynamodb", answered)
        return store


class _FirstManagers:
    """The clients of a world's first ``managers`` managers (what a fresh store is loaded with)."""

    def __init__(self, world: World, managers: int) -> None:
        self.n = world.n * managers
        self._world, self._managers = world, managers

    def clients(self) -> Iterator[Client]:
        return self._world.clients(self._managers)


def _reopen(store: Store) -> Store:
    """Another store object on ``store``'s data (a connection of its own)."""
    if isinstance(store, SqliteStore):
        return SqliteStore(store.path)
    assert isinstance(store, DynamoDBStore)
    return DynamoDBStore(store.names)


def cli_case(
    world: World,
    backend: Backend,
    managers: int,
    approach: str,
    concurrency: int,
    env: dict[str, str],
) -> Case:
    """A fresh store with the first ``managers`` managers' clients; the CLI runs over it."""
    store = backend.fresh_store(_FirstManagers(world, managers))
    assert isinstance(store, SqliteStore)
    env = {**os.environ, **env, **_AGENCY, "MCC_STORE": f"sqlite:///{store.path}"}
    try:
        calls_before, emulator_cpu = world.google_calls(), world.emulator_cpu_s()
        if approach == ALL:
            commands = [[MCCLINK, "monitor", "--all", "--json", "--concurrency", str(concurrency)]]
        else:
            commands = [
                [MCCLINK, "--mcc", m.digits, "monitor", "--json"] for m in world.managers[:managers]
            ]
        runs = [run_command(command, env=env) for command in commands]
        failed = [run for run in runs if run.returncode != 0]
        if failed:
            raise RuntimeError(f"{failed[0].argv} failed: {failed[0].stderr[-2000:]}")
        world.check_store(store, world.n * managers)
        # --all prints one JSON object per line; one MCC's monitor --json one document.
        documents = [run.stdout.splitlines() if approach == ALL else [run.stdout] for run in runs]
        cycles = [json.loads(document) for found in documents for document in found]
        return Case(
            store=backend.name,
            approach=approach,
            managers=managers,
            n=world.n,
            wall_s=sum(run.wall_s for run in runs),
            google_calls=world.google_calls() - calls_before,
            changed=sum(len(cycle.get("changes", ())) for cycle in cycles),
            failed=sum(bool(cycle.get("error")) for cycle in cycles),
            peak_mb=max(run.peak_rss_mb for run in runs),
            cpu_s=sum(run.cpu_s for run in runs),
            emulator_cpu_s=world.emulator_cpu_s() - emulator_cpu,
            concurrency=concurrency if approach == ALL else None,
        )
    finally:
        backend.drop(store)


def run_case(
    world: World,
    backend: Backend,
    managers: int,
    approach: str,
    concurrency: int,
    env: dict[str, str],
) -> Case:
    """A fresh store with the first ``managers`` managers' clients; one run in this process."""
    store = backend.fresh_store(_FirstManagers(world, managers))
    adapter = GoogleAdsClientService(Settings.from_env({**env, **_AGENCY}).google_ads())
    moto = _MotoClock()
    try:
        adapter.get_link(MANAGER, world.ids[0])  # warm-up: channel, TLS, OAuth token
        calls_before, emulator_cpu = world.google_calls(), world.emulator_cpu_s()
        with measured() as cost:
            if approach == ALL:
                changed, failed = _all(store, adapter, moto, concurrency)
            else:
                changed, failed = _sequential(store, adapter, moto, world, managers)
        world.check_store(store, world.n * managers)
        return Case(
            store=backend.name,
            approach=approach,
            managers=managers,
            n=world.n,
            wall_s=cost.wall_s,
            google_calls=world.google_calls() - calls_before,
            changed=changed,
            failed=failed,
            peak_mb=cost.peak_rss_mb,
            rss_before_mb=cost.rss_before_mb,
            cpu_s=cost.cpu_s,
            emulator_cpu_s=world.emulator_cpu_s() - emulator_cpu,
            moto_s=moto.seconds if backend.name == "dynamodb" else None,
            concurrency=concurrency if approach == ALL else None,
        )
    finally:
        adapter.close()
        backend.drop(store)


def _all(
    store: Store, adapter: GoogleAdsClientService, moto: _MotoClock, concurrency: int
) -> tuple[int, int]:
    """``monitor --all``'s run: (changes, managers failed)."""

    @contextmanager
    def opened() -> Iterator[Cycles]:
        own = moto.watch(_reopen(store))
        try:
            yield GoogleAdsMCCService(own, adapter, actor="bench")
        finally:
            own.close()

    changed = failed = 0
    for run in sync_managers(opened, moto.watch(store).managers(), concurrency=concurrency):
        changed += len(run.report.changes) if run.report else 0
        failed += not run.ok
    return changed, failed


def _sequential(
    store: Store, adapter: GoogleAdsClientService, moto: _MotoClock, world: World, managers: int
) -> tuple[int, int]:
    """One cycle per manager, one after another: (changes, managers failed)."""
    service = GoogleAdsMCCService(moto.watch(store), adapter, actor="bench")
    reports = (service.sync(mcc) for mcc in world.managers[:managers])
    changed = failed = 0
    for report in reports:
        changed += len(report.changes)
        failed += not report.ok
    return changed, failed


def main(argv: list[str] | None = None) -> None:
    """Measure every case, print the table and write ``bench/results/monitor_all.json``."""
    args = _arguments(argv or [])
    cases: list[Case] = []
    emulator = EmulatorProcess()
    try:
        with tempfile.TemporaryDirectory(prefix="mcclink-bench-") as tmp:
            if "sqlite" in args.stores:
                world = _world(args.n, max(args.managers), emulator)
                backend: Backend = SqliteBackend(Path(tmp))
                first, *others = args.concurrency
                cases += [
                    _shown(cli_case(world, backend, m, approach, first, emulator.env))
                    for m in args.managers
                    for approach in (ALL, SEQUENTIAL)
                ]
                cases += [
                    _shown(cli_case(world, backend, max(args.managers), ALL, c, emulator.env))
                    for c in others
                ]
            if "dynamodb" in args.stores:
                world = _world(args.dynamodb_n, max(args.managers), emulator)
                with moto_server():
                    cases += [
                        _shown(
                            run_case(
                                world,
                                DynamoBackend(),
                                max(args.managers),
                                a,
                                args.concurrency[0],
                                emulator.env,
                            )
                        )
                        for a in (ALL, SEQUENTIAL)
                    ]
    finally:
        emulator.stop()
    _report(cases, args.argv)


def _world(n: int, managers: int, emulator: EmulatorProcess) -> World:
    started = time.perf_counter()
    world = World(n, emulator, managers)
    world.reset_emulator()  # the 1% changed; the monitor only reads Google, so once is enough
    print(f"  world: {managers} x {n:,} links in {time.perf_counter() - started:.0f} s", flush=True)
    return world


def _shown(case: Case) -> Case:
    print(
        f"  {case.store:<8} {case.managers:>2} x {case.n:,} {case.approach:<10} "
        f"{case.wall_s:7.2f} s  {case.peak_mb:6.1f} MB peak",
        flush=True,
    )
    return case


def _report(cases: list[Case], argv: list[str]) -> None:
    print_table(
        "Monitor over many managers, 1% of links changed: one run (--all) vs one per manager",
        [
            "store",
            "managers",
            "links/manager",
            "approach",
            "wall s",
            "Google calls",
            "changed",
            "failed",
            "peak MB",
            "peak - before MB",
            "CPU s",
            "emulator CPU s",
            "moto s",
            "sequential/all",
        ],
        [_row(case, cases) for case in cases],
    )
    notes = _notes(cases)
    for note in notes:
        print(f"* {note}")
    path = write_json(
        "monitor_all", {"cases": [asdict(c) for c in cases], "notes": notes, "argv": argv}
    )
    print(f"(results: {path})")


def _row(case: Case, cases: list[Case]) -> list[object]:
    other = next(
        (
            c
            for c in cases
            if (c.store, c.managers, c.approach) == (case.store, case.managers, SEQUENTIAL)
        ),
        None,
    )
    ratio = other.wall_s / case.wall_s if case.approach == ALL and other else None
    approach = f"all (x{case.concurrency})" if case.approach == ALL else case.approach
    return [
        case.store,
        case.managers,
        case.n,
        approach,
        round(case.wall_s, 2),
        case.google_calls,
        case.changed,
        case.failed,
        round(case.peak_mb, 1),
        "-" if case.rss_before_mb is None else round(case.peak_mb - case.rss_before_mb, 1),
        "-" if case.cpu_s is None else round(case.cpu_s, 2),
        "-" if case.emulator_cpu_s is None else round(case.emulator_cpu_s, 2),
        "-" if case.moto_s is None else round(case.moto_s, 2),
        "-" if ratio is None else f"{ratio:.2f}x",
    ]


def _notes(cases: list[Case]) -> list[str]:
    notes = [
        "Google calls: the emulator's counter (one listing per manager; no import happens, so "
        "no name lookups). sqlite rows: the CLI in a subprocess, its own wall time and peak RSS "
        "(sequential: the sum of the ten runs' walls, start-ups included, and the largest "
        "peak). dynamodb rows: in this process (peak MB is this process's, peak - before the "
        "run's own growth); the emulator's memory is its own process's, and its CPU (emulator "
        "CPU s) is apart from the monitor's: it runs on the same cores, inside the wall time.",
        f"load average when the run ended: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(other work on the machine lengthens every wall time).",
    ]
    runs = [c for c in cases if c.store == "sqlite" and c.approach == ALL]
    sqlite = [c for c in runs if c.concurrency == runs[0].concurrency] if runs else []
    if sqlite:
        largest = max(sqlite, key=lambda c: c.managers)
        # Memory follows the cycles running at once: compare runs that keep them all busy.
        busy = [c for c in sqlite if c.managers >= (c.concurrency or 1)] or sqlite
        smallest = min(busy, key=lambda c: c.managers)
        wall_met = "met" if largest.wall_s <= WALL_TARGET_S else "MISSED"
        peak = max(c.peak_mb for c in sqlite)
        peak_met = "met" if peak <= PEAK_TARGET_MB else "MISSED"
        notes.append(
            f"sqlite --all at {largest.managers} x {largest.n:,}: wall {largest.wall_s:.1f} s "
            f"(target <= {WALL_TARGET_S:.0f} s: {wall_met}); peak {peak:.0f} MB over every "
            f"manager count (target <= {PEAK_TARGET_MB:.0f} MB: {peak_met}); peak at "
            f"{largest.managers} managers / at {smallest.managers} (the fewest that keep "
            f"{largest.concurrency} cycles running): {largest.peak_mb / smallest.peak_mb:.2f}; "
            "Google calls = managers: "
            f"{all(c.google_calls == c.managers for c in cases)}."
        )
    notes += [
        f"sqlite --all --concurrency {c.concurrency} at {c.managers} x {c.n:,}: peak "
        f"{c.peak_mb:.0f} MB, wall {c.wall_s:.1f} s (each running cycle holds one listing)."
        for c in runs
        if c not in sqlite
    ]
    notes += [
        f"dynamodb {c.approach} {c.managers} x {c.n:,}: {c.moto_s:.1f} s of requests to moto "
        f"(summed over threads) in {c.wall_s:.1f} s of wall time; moto answers one request at "
        "a time and copies both tables on every TransactWriteItems."
        for c in cases
        if c.moto_s is not None
    ]
    return notes


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.monitor_all", description=__doc__)
    parser.add_argument("--n", type=int, default=50_000, help="links per manager (SQLite)")
    parser.add_argument("--managers", default="2,5,10", help="manager counts (SQLite)")
    parser.add_argument("--dynamodb-n", type=int, default=1_000, help="links per manager")
    parser.add_argument("--stores", default="sqlite,dynamodb")
    parser.add_argument(
        "--concurrency",
        default=f"{DEFAULT_CONCURRENCY},2",
        help="the first for every run; each other for one more --all run at the most managers",
    )
    args = parser.parse_args(argv)
    args.managers = [int(m) for m in args.managers.split(",")]
    args.stores = args.stores.split(",")
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.argv = argv
    return args


if __name__ == "__main__":
    os.environ.setdefault("no_proxy", "localhost,127.0.0.1")
    main(sys.argv[1:])
