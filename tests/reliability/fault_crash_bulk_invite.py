"""Fault 1: ``clients import FILE --invite`` of 200 accounts, killed with SIGKILL mid-run.

Each trial (its own seed and store) sets the emulator's latency to 20-50 ms, starts the
import, kills it with SIGKILL at a seeded random moment (see ``_trial``), then runs the
recovery the README documents: the same command again, then
``mcclink monitor --once``. It then checks that every client's status and link equal the
emulator's, that the emulator counted exactly one invitation per client, and that each
client's history tells each status change exactly once (``runner.history_problems``).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome
from mcclink.store import open_store
from tests.e2e.conftest import Cli, Served
from tests.reliability.runner import (
    MCC,
    Fault,
    TrialOutcome,
    TrialSummary,
    client_ids,
    clients_csv,
    google_links,
    history_problems,
    scenario,
    served_emulator,
    state_problems,
    summarize,
    trial_cli,
)

FULL_TRIALS = 20
FAST_TRIALS = 2
CLIENTS = 200
#: The fast subset (``make test``) imports fewer accounts: moto copies a whole table for
#: every transaction, so a 200-account import takes it ~20 s.
FAST_CLIENTS = 50
LATENCY_MS = (20, 50)
_POLL_S = 0.005


@dataclass(frozen=True)
class _Bench:
    """What every trial of one run shares: the emulator, its scenario, the CSV, a home."""

    served: Served
    world: dict[str, Any]
    csv: Path
    home: Path
    store: str
    clients: int


def run(trials: int, store: str, clients: int = CLIENTS) -> TrialSummary:
    """Run ``trials`` seeded crash-and-recover trials of an import of ``clients`` accounts
    on ``store`` ("sqlite" or "dynamodb")."""
    with tempfile.TemporaryDirectory(prefix="mcclink-crash-") as tmp:
        home = Path(tmp)
        world = scenario(clients)
        with served_emulator(home, world) as served:
            csv = clients_csv(home / "clients.csv", clients)
            bench = _Bench(served, world, csv, home, store, clients)
            uncut, registering = _uncut_import(bench)
            outcomes = [_trial(bench, seed, registering) for seed in range(1, trials + 1)]
    sent = [int(o.note) for o in outcomes if o.note]
    figures = f"uncut import {uncut:.1f} s; {len(sent)}/{len(outcomes)} killed mid-run"
    if sent:
        figures += (
            f", after {min(sent)}-{max(sent)} of {clients} invitations "
            f"({sum(n == 0 for n in sent)} while registering)"
        )
    return summarize(outcomes, figures)


def _uncut_import(bench: _Bench) -> tuple[float, float]:
    """One import run to its end: its duration, and how long it registered before inviting."""
    _reset(bench, latency_ms=sum(LATENCY_MS) / 2)
    with trial_cli(bench.store, bench.home, bench.served) as cli:
        started = time.monotonic()
        process = cli.popen("clients", "import", str(bench.csv), "--invite")
        while process.poll() is None and _invitation_calls(bench.served) == 0:
            time.sleep(_POLL_S)
        registering = time.monotonic() - started
        _, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"the uncut import exited {process.returncode}: {err[-400:]}")
        return time.monotonic() - started, registering


def _reset(bench: _Bench, latency_ms: float) -> None:
    bench.served.admin("/_emulator/reset", bench.world)
    bench.served.admin("/_emulator/knobs", {"latency_ms": latency_ms})


def _invitation_calls(served: Served) -> int:
    """Invitation calls the emulator has received (answered or still in flight)."""
    calls: dict[str, int] = served.admin("/_emulator/state")["calls"]
    return calls.get("MutateCustomerClientLink", 0)


def _trial(bench: _Bench, seed: int, registering: float) -> TrialOutcome:
    """One crash: import, SIGKILL at a seeded moment, recover, check.

    The moment: one trial in five while the import registers clients (a seeded delay
    within the time the uncut import spent registering); otherwise once the emulator
    has received a seeded number of invitation calls, plus a seeded part of one call's
    latency, so the kill lands while calls are in flight.
    """
    rng = random.Random(seed)
    latency_ms = rng.randint(*LATENCY_MS)
    _reset(bench, latency_ms=latency_ms)
    if rng.random() < 0.2:
        kill = _Kill(delay_s=rng.uniform(0.0, registering))
    else:
        kill = _Kill(calls=rng.randint(1, bench.clients), delay_s=rng.uniform(0, latency_ms / 1000))
    with trial_cli(bench.store, bench.home, bench.served) as cli:
        note = _import_killed(cli, bench, kill)
        problems = _recover(cli, bench.csv)
        problems += _check(bench, cli.env["MCC_STORE"])
    return TrialOutcome(seed, tuple(problems), note)


@dataclass(frozen=True)
class _Kill:
    """When to kill: ``delay_s`` after the emulator has received ``calls`` invitations."""

    delay_s: float
    calls: int = 0


def _import_killed(cli: Cli, bench: _Bench, kill: _Kill) -> str:
    """Start the import, SIGKILL it at ``kill``: the invitations Google had by then.

    Returns "" when the import finished before the kill.
    """
    process = cli.popen("clients", "import", str(bench.csv), "--invite")
    while kill.calls and process.poll() is None and _invitation_calls(bench.served) < kill.calls:
        time.sleep(_POLL_S)
    with contextlib.suppress(subprocess.TimeoutExpired):  # still running: as intended
        process.wait(timeout=kill.delay_s)
    finished = process.poll() is not None
    if not finished:
        os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    if finished:
        return ""
    return str(sum(link["invitations_sent"] for link in google_links(bench.served).values()))


def _recover(cli: Cli, csv: Path) -> list[str]:
    """The README's recovery: the same command again, then one monitor cycle."""
    problems = []
    for args in (("clients", "import", str(csv), "--invite"), ("monitor", "--once")):
        done = cli(*args, check=None)
        if done.returncode != 0:
            problems.append(f"{' '.join(args[:2])} exited {done.returncode}: {done.stderr[-300:]}")
    return problems


def _check(bench: _Bench, store_url: str) -> list[str]:
    """Store equals Google, one invitation per client, each change in history once."""
    links = google_links(bench.served)
    store = open_store(store_url)
    mcc = CustomerId(MCC)
    problems: list[str] = []
    try:
        clients = {c.customer_id.digits: c for c in store.list_clients(mcc)}
        missing = sorted(set(client_ids(bench.clients)) - set(clients))
        if missing:
            problems.append(f"{len(missing)} clients not registered, e.g. {missing[0]}")
        for cid, client in clients.items():
            link = links.get(cid)
            problems += state_problems(client, link)
            sent = link["invitations_sent"] if link else 0
            if sent != 1:
                problems.append(f"{cid} was invited {sent} times")
            problems += history_problems(client, store.client_history(mcc, client.customer_id))
    finally:
        store.close()
    return problems


FAULT = Fault(
    name="crash mid-bulk-invite",
    checked=(
        f"`clients import --invite` of {CLIENTS} killed (SIGKILL) at a random moment, "
        "rerun + `monitor --once`: status = Google's, 1 invitation per client, "
        "each status change in history exactly once"
    ),
    run=run,
)


def test_import_killed_mid_run_recovers_on_sqlite() -> None:
    summary = run(FAST_TRIALS, "sqlite", FAST_CLIENTS)
    assert summary.ok, summary.details


@pytest.mark.dynamodb
@pytest.mark.usefixtures("moto_endpoint")
def test_import_killed_mid_run_recovers_on_dynamodb() -> None:
    summary = run(FAST_TRIALS, "dynamodb", FAST_CLIENTS)
    assert summary.ok, summary.details


# -- the history check itself must catch what it is meant to ----------------------------------

_CID, _MCC = CustomerId("5000000000"), CustomerId(MCC)


def _change(operation: Operation, before: LinkStatus | None, after: LinkStatus) -> HistoryEntry:
    outcome = Outcome.SUCCESS if before != after else Outcome.NOOP
    return HistoryEntry(_CID, _MCC, operation, outcome, status_before=before, status_after=after)


def _story(*entries: HistoryEntry) -> list[HistoryEntry]:
    """``entries`` oldest first, as the store returns them: newest first."""
    return list(entries)[::-1]


_REGISTERED = _change(Operation.REGISTER, None, LinkStatus.NOT_LINKED)
_INVITED = _change(Operation.INVITE, LinkStatus.NOT_LINKED, LinkStatus.PENDING)
_PENDING = Client(_CID, _MCC, "Padaria", status=LinkStatus.PENDING)


def test_history_of_one_invitation_with_noops_passes() -> None:
    noop = _change(Operation.INVITE, LinkStatus.PENDING, LinkStatus.PENDING)
    assert history_problems(_PENDING, _story(_REGISTERED, _INVITED, noop)) == []


def test_history_recording_the_invitation_twice_is_caught() -> None:
    again = _change(Operation.SYNC, LinkStatus.NOT_LINKED, LinkStatus.PENDING)
    problems = history_problems(_PENDING, _story(_REGISTERED, _INVITED, again))
    assert problems == [problems[0]]
    assert "follows a change to PENDING" in problems[0]


def test_history_missing_the_invitation_is_caught() -> None:
    problems = history_problems(_PENDING, _story(_REGISTERED))
    assert problems == ["5000000000: history ends at NOT_LINKED, the store has PENDING"]


def test_the_same_entry_stored_twice_is_caught() -> None:
    problems = history_problems(_PENDING, _story(_REGISTERED, _INVITED, _INVITED))
    assert "the same history entry is stored twice" in problems[0]
