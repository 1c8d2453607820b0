"""Fault 2: four monitors and an invite/cancel loop write the same clients at once.

Each trial registers a few advertisers, then for a bounded time runs together: four
``mcclink monitor --every 1s`` processes, a loop of ``mcclink links invite`` / ``links
cancel`` processes on seeded random subsets, and a thread answering as the advertisers
(accept, refuse, now and then unlink) through the emulator's admin endpoint. Then it stops
them all, runs one ``monitor --once`` and checks every client:

- **final state equal to Google's**: status, link id, no write-ahead mark left;
- **no duplicate history entry and no lost update**: the status changes in history form
  one unbroken chain (``runner.history_problems``). Two entries recording the same observed
  transition would both start from the same status, and so would a write that overwrote a
  change it had not read: either breaks the chain;
- **every write accounted for by its version** (``version_problems``): a write that lost
  a version race (a lost update) leaves the version below what history proves was written.
"""

from __future__ import annotations

import random
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.error import HTTPError

import pytest

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome
from mcclink.store import open_store
from tests.e2e.conftest import MCCLINK, Cli, Served
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

FULL_TRIALS = 5
FULL_SECONDS = 20.0
FAST_SECONDS = 6.0
CLIENTS = 16
MONITORS = 4
LATENCY_MS = (5, 20)


@dataclass
class _Tally:
    """What the writers did during one trial (for the figures and the checks)."""

    commands: int = 0
    responses: int = 0
    failures: list[str] = field(default_factory=list)


def run(trials: int, store: str, seconds: float = FULL_SECONDS) -> TrialSummary:
    """Run ``trials`` seeded trials of ``seconds`` of concurrent writing on ``store``."""
    with tempfile.TemporaryDirectory(prefix="mcclink-writers-") as tmp:
        home = Path(tmp)
        world = scenario(CLIENTS)
        csv = clients_csv(home / "clients.csv", CLIENTS)
        with served_emulator(home, world) as served:
            results = [
                _trial(served, world, csv, store, seed, seconds) for seed in range(1, trials + 1)
            ]
    outcomes = [outcome for outcome, _ in results]
    figures = (
        f"{seconds:g} s each: {sum(t.commands for _, t in results)} invite/cancel commands, "
        f"{sum(t.responses for _, t in results)} advertiser answers, "
        f"{sum(int(o.note) for o in outcomes)} history entries"
    )
    return summarize(outcomes, figures)


def _trial(
    served: Served, world: dict[str, Any], csv: Path, store: str, seed: int, seconds: float
) -> tuple[TrialOutcome, _Tally]:
    rng = random.Random(seed)
    served.admin("/_emulator/reset", world)
    served.admin("/_emulator/knobs", {"latency_ms": rng.randint(*LATENCY_MS)})
    home = csv.parent
    with trial_cli(store, home, served) as cli:
        cli("clients", "import", str(csv))
        tally = _write_concurrently(cli, served, home, rng, seconds)
        done = cli("monitor", "--once", check=None)
        if done.returncode != 0:
            tally.failures.append(f"final monitor --once exited {done.returncode}: {done.stderr}")
        problems, entries = _check(served, cli.env["MCC_STORE"])
    return TrialOutcome(seed, (*tally.failures, *problems), note=str(entries)), tally


def _write_concurrently(
    cli: Cli, served: Served, home: Path, rng: random.Random, seconds: float
) -> _Tally:
    """Run the monitors, the invite/cancel loop and the advertisers until ``seconds`` pass."""
    tally = _Tally()
    deadline = time.monotonic() + seconds
    logs = [(home / f"monitor-{i}.out").open("w+") for i in range(MONITORS)]
    monitors = [
        subprocess.Popen(
            [MCCLINK, "monitor", "--every", "1s"], stdout=log, stderr=log, env=cli.env, text=True
        )
        for log in logs
    ]
    loops = [
        threading.Thread(
            target=_invite_cancel_loop, args=(cli, random.Random(rng.random()), deadline, tally)
        ),
        threading.Thread(
            target=_advertisers, args=(served, random.Random(rng.random()), deadline, tally)
        ),
    ]
    for loop in loops:
        loop.start()
    for loop in loops:
        loop.join()
    for monitor in monitors:
        monitor.send_signal(signal.SIGTERM)  # finishes its current cycle, then exits
    for monitor, log in zip(monitors, logs, strict=True):
        monitor.wait(timeout=60)
        tally.failures += _crashes(f"monitor {monitor.pid}", monitor.returncode, _read(log))
    return tally


def _read(log: IO[str]) -> str:
    log.seek(0)
    text = log.read()
    log.close()
    return text


def _crashes(what: str, returncode: int, stderr: str) -> list[str]:
    """A process that died of an unexpected exception, or exited with an undocumented code."""
    if "Traceback" in stderr or returncode not in (0, 1, 2):
        return [f"{what} exited {returncode}: {stderr[-400:]}"]
    return []


def _invite_cancel_loop(cli: Cli, rng: random.Random, deadline: float, tally: _Tally) -> None:
    """``links invite`` / ``links cancel`` on random subsets, one process after another.

    Exit 1 (Google refused) and 2 (the status does not allow it) are expected when the
    advertisers and monitors moved a client first; only crashes are failures.
    """
    ids = client_ids(CLIENTS)
    while time.monotonic() < deadline:
        action = rng.choice(("invite", "invite", "cancel"))
        subset = rng.sample(ids, rng.randint(1, CLIENTS // 2))
        done = cli("links", action, *subset, check=None)
        tally.commands += 1
        tally.failures += _crashes(f"links {action}", done.returncode, done.stderr)


def _advertisers(served: Served, rng: random.Random, deadline: float, tally: _Tally) -> None:
    """Answer as the advertisers: accept or refuse pending invitations, sometimes unlink."""
    while time.monotonic() < deadline:
        links = list(google_links(served).values())
        pending = [k for k in links if k["status"] == "PENDING"]
        active = [k for k in links if k["status"] == "ACTIVE"]
        if pending and (not active or rng.random() < 0.8):
            body = {
                "client": rng.choice(pending)["client"],
                "action": rng.choice(("accept", "refuse")),
            }
        elif active:
            body = {"client": rng.choice(active)["client"], "action": "unlink"}
        else:
            time.sleep(0.05)
            continue
        try:
            served.admin("/_emulator/respond", {**body, "manager": MCC})
            tally.responses += 1
        except HTTPError as exc:
            if exc.code != 409:  # 409: the link moved since it was read; expected in a race
                tally.failures.append(f"respond {body}: HTTP {exc.code}")
        time.sleep(rng.uniform(0.01, 0.1))


def _check(served: Served, store_url: str) -> tuple[list[str], int]:
    """Every client's problems against Google and its own history; the entries read."""
    links = google_links(served)
    store = open_store(store_url)
    mcc = CustomerId(MCC)
    problems: list[str] = []
    entries = 0
    try:
        for client in store.list_clients(mcc):
            history = list(store.client_history(mcc, client.customer_id))
            entries += len(history)
            problems += state_problems(client, links.get(client.customer_id.digits))
            problems += history_problems(client, history)
            problems += version_problems(client, history)
    finally:
        store.close()
    return problems, entries


def version_problems(client: Client, history: Iterable[HistoryEntry]) -> list[str]:
    """Whether ``client.version`` counts exactly the writes its history proves.

    How the store counts: registration writes version 1 with its entry; every successful
    ``update_client`` adds one and writes at most one entry; ``append_history`` writes an
    entry and no version. So, after registration:

    - a status change, a FAILED entry and a SYNC entry are each one versioned write
      (sync never appends an entry without a write);
    - an invitation first writes its write-ahead mark (a versioned write without an entry),
      answered by exactly one INVITE entry: every INVITE entry except the "already PENDING /
      APPROVED" no-ops (no mark) and the "recovered" ones (their mark was an earlier run's);
    - any other no-op entry may or may not have been a write (``_commit`` appends it
      without one when another writer already recorded the same state).

    Hence ``lower <= version <= lower + other no-ops``. A lost update (two writers both
    committing from the same version) leaves the version below ``lower``; a write without
    its entry (or a mark never answered) leaves it above.
    """
    after_registration = list(history)[::-1][1:]
    lower = 1 + sum(_proven_writes(e) for e in after_registration)
    slack = sum(_maybe_a_write(e) for e in after_registration)
    if lower <= client.version <= lower + slack:
        return []
    return [
        f"{client.customer_id.digits}: version {client.version}, but its history proves "
        f"{lower} writes (up to {lower + slack})"
    ]


def _note(entry: HistoryEntry) -> str:
    return entry.details.get("note", "")


def _answers_a_mark(entry: HistoryEntry) -> bool:
    note = _note(entry)
    return entry.operation is Operation.INVITE and not note.startswith(("already", "recovered"))


def _proven_writes(entry: HistoryEntry) -> int:
    written = (
        entry.status_before != entry.status_after
        or entry.outcome is Outcome.FAILED
        or entry.operation is Operation.SYNC
    )
    return int(written) + int(_answers_a_mark(entry))


def _maybe_a_write(entry: HistoryEntry) -> bool:
    return (
        entry.outcome is Outcome.NOOP
        and entry.operation is not Operation.SYNC
        and not _note(entry).startswith("already")
    )


FAULT = Fault(
    name="concurrent writers",
    checked=(
        f"{MONITORS} `monitor --every 1s` + an invite/cancel loop + advertisers accepting/"
        f"refusing at random, {FULL_SECONDS:g} s, then `monitor --once`: state = Google's, "
        "history an unbroken chain (no duplicate, no lost update), versions = writes"
    ),
    run=run,
)


def test_concurrent_writers_leave_the_truth_on_sqlite() -> None:
    summary = run(1, "sqlite", FAST_SECONDS)
    assert summary.ok, summary.details


@pytest.mark.dynamodb
@pytest.mark.usefixtures("moto_endpoint")
def test_concurrent_writers_leave_the_truth_on_dynamodb() -> None:
    summary = run(1, "dynamodb", FAST_SECONDS)
    assert summary.ok, summary.details


# -- the version check itself must catch what it is meant to ----------------------------------

_CID, _MCC = CustomerId("5000000000"), CustomerId(MCC)


def _entry(
    operation: Operation,
    before: LinkStatus | None,
    after: LinkStatus,
    outcome: Outcome = Outcome.SUCCESS,
    note: str = "",
) -> HistoryEntry:
    details = {"note": note} if note else {}
    return HistoryEntry(_CID, _MCC, operation, outcome, before, after, details=details)


def _client(version: int) -> Client:
    return Client(_CID, _MCC, "Padaria", status=LinkStatus.APPROVED, version=version)


#: Registered (v1), invited (mark v2, answer v3), accepted as seen by a monitor (v4), and an
#: "already PENDING" no-op of a second invite in between (no write).
_STORY = [
    _entry(Operation.SYNC, LinkStatus.PENDING, LinkStatus.APPROVED),
    _entry(
        Operation.INVITE, LinkStatus.PENDING, LinkStatus.PENDING, Outcome.NOOP, "already PENDING"
    ),
    _entry(Operation.INVITE, LinkStatus.NOT_LINKED, LinkStatus.PENDING),
    _entry(Operation.REGISTER, None, LinkStatus.NOT_LINKED),
]


def test_version_counting_every_proven_write_passes() -> None:
    assert version_problems(_client(4), _STORY) == []


def test_a_lost_update_leaves_the_version_short() -> None:
    problems = version_problems(_client(3), _STORY)
    assert problems == ["5000000000: version 3, but its history proves 4 writes (up to 4)"]


def test_a_write_without_its_entry_leaves_the_version_long() -> None:
    assert version_problems(_client(5), _STORY) != []


def test_a_noop_another_writer_recorded_first_may_or_may_not_be_a_write() -> None:
    maybe = _entry(Operation.CANCEL, LinkStatus.APPROVED, LinkStatus.APPROVED, Outcome.NOOP)
    story = [maybe, *_STORY]
    assert version_problems(_client(4), story) == version_problems(_client(5), story) == []
