"""Fault 2: four monitors and an invite/cancel loop write the same clients at once.

Each trial registers a few advertisers, then for a bounded time runs together: four
``mcclink monitor --every 1s`` processes, a process inviting and cancelling seeded random
clients through the service as fast as it can (``invite_cancel_loop``; a loop of CLI
commands would spend most of its time starting Python), and the test answering as the
advertisers (accept, refuse, now and then unlink) through the emulator's admin endpoint. The
bounded time starts once every process is up. Then the test stops them all, runs one
``monitor --once`` and checks every client:

- **final state equal to Google's**: status, link id, no write-ahead mark left;
- **no duplicate history entry and no lost update**: the status changes in history form
  one unbroken chain (``runner.history_problems``). Two entries recording the same observed
  transition would both start from the same status, and so would a write that overwrote a
  change it had not read: either breaks the chain;
- **no observation recorded twice**: each invitation enters PENDING in history at most once
  (``runner.repeated_pending_problems``);
- **every write accounted for by its version** (``runner.version_problems``): a write that lost
  a version race (a lost update) leaves the version below what history proves was written.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import PIPE
from typing import Any
from urllib.error import HTTPError

import pytest

from mcclink.bootstrap import Container
from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome
from mcclink.errors import InputError, LinkRefused, VersionConflict
from mcclink.ports import LinkListing
from mcclink.service import GoogleAdsMCCService, Registration
from mcclink.store import open_store
from tests.e2e.conftest import MCCLINK, Cli, Served
from tests.fakes import FakeAds
from tests.reliability.runner import (
    MCC,
    Fault,
    TrialOutcome,
    TrialSummary,
    client_ids,
    clients_csv,
    google_links,
    history_problems,
    repeated_pending_problems,
    scenario,
    served_emulator,
    state_problems,
    summarize,
    trial_cli,
    version_problems,
)

FULL_TRIALS = 5
FULL_SECONDS = 20.0
FAST_SECONDS = 6.0
CLIENTS = 16
MONITORS = 4
LATENCY_MS = (5, 20)
_REPO = Path(__file__).resolve().parents[2]
#: This module, run as the invite/cancel process.
_WRITER = "tests.reliability.fault_concurrent_writers"


@dataclass
class _Tally:
    """What the writers did during one trial (for the figures and the checks)."""

    #: What the invite/cancel loop did: done invitations and cancellations, refusals by kind.
    actions: Counter[str] = field(default_factory=Counter)
    responses: int = 0
    cycles: int = 0
    #: Clients a monitor cycle could not write (it reports them and carries on).
    cycle_errors: int = 0
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
        f"{seconds:g} s each: {_actions(results)}, "
        f"{sum(t.responses for _, t in results)} advertiser answers, "
        f"{sum(t.cycles for _, t in results)} monitor cycles "
        f"({sum(t.cycle_errors for _, t in results)} client writes given up), "
        f"{sum(int(o.note) for o in outcomes)} history entries"
    )
    return summarize(outcomes, figures)


def _actions(results: Iterable[tuple[TrialOutcome, _Tally]]) -> str:
    total: Counter[str] = sum((t.actions for _, t in results), Counter())
    done = f"{total.pop('invite', 0)} invitations and {total.pop('cancel', 0)} cancellations"
    noops = total.pop("no-op", 0)
    refused = ", ".join(f"{n} {kind}" for kind, n in sorted(total.items()))
    return f"{done} written, {noops} no-op invitations, refused: {refused or 'none'}"


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
    monitors = [_Monitor.start(cli, home / f"monitor-{i}") for i in range(MONITORS)]
    argv = [sys.executable, "-m", _WRITER, str(rng.randrange(2**32))]
    writer = subprocess.Popen(
        argv, stdin=PIPE, stdout=PIPE, stderr=PIPE, env=cli.env, cwd=_REPO, text=True
    )
    assert writer.stdin is not None
    assert writer.stdout is not None
    ready = writer.stdout.readline()  # the writer has built its service and adapter
    _wait_for_first_cycles(monitors)
    deadline = time.time() + seconds
    writer.stdin.write(f"{deadline}\n")
    writer.stdin.flush()
    _advertisers(served, random.Random(rng.random()), deadline, tally)
    out, err = writer.communicate(timeout=seconds + 120)
    if writer.returncode == 0 and ready.strip() == "ready":
        tally.actions.update(json.loads(out))
    else:
        tally.failures.append(f"the invite/cancel loop exited {writer.returncode}: {err[-400:]}")
    for monitor in monitors:
        monitor.process.send_signal(signal.SIGTERM)  # finishes its cycle, then exits
    for monitor in monitors:
        monitor.collect(tally)
    return tally


@dataclass
class _Monitor:
    """A ``mcclink monitor --every 1s --json`` process, writing to ``<log>.out`` / ``.err``."""

    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, cli: Cli, log: Path) -> _Monitor:
        argv = [MCCLINK, "monitor", "--every", "1s", "--json"]
        with log.with_suffix(".out").open("w") as out, log.with_suffix(".err").open("w") as err:
            return cls(subprocess.Popen(argv, stdout=out, stderr=err, env=cli.env), log)

    def cycles(self) -> list[dict[str, Any]]:
        """The cycle reports printed so far (one JSON object per line)."""
        lines = self.log.with_suffix(".out").read_text().splitlines(keepends=True)
        return [json.loads(line) for line in lines if line.endswith("\n")]

    def collect(self, tally: _Tally) -> None:
        """Wait for the process; count its cycles, the writes it gave up, its crash."""
        self.process.wait(timeout=60)
        stderr = self.log.with_suffix(".err").read_text()
        tally.failures += _crashes(f"monitor {self.process.pid}", self.process.returncode, stderr)
        cycles = self.cycles()
        tally.cycles += len(cycles)
        tally.cycle_errors += sum(len(cycle["errors"]) for cycle in cycles)


def _wait_for_first_cycles(monitors: list[_Monitor], timeout: float = 60.0) -> None:
    """Wait until every monitor has finished a cycle (or died: ``collect`` reports it)."""
    give_up = time.monotonic() + timeout
    waiting = list(monitors)
    while waiting and time.monotonic() < give_up:
        waiting = [m for m in waiting if m.process.poll() is None and not m.cycles()]
        time.sleep(0.05)


def _crashes(what: str, returncode: int, stderr: str) -> list[str]:
    """A process that died of an unexpected exception, or exited with an undocumented code."""
    if "Traceback" in stderr or returncode not in (0, 1, 2):
        return [f"{what} exited {returncode}: {stderr[-400:]}"]
    return []


def invite_cancel_loop(seed: int, deadline: Callable[[], float]) -> Counter[str]:
    """Invite or cancel random clients through the service until ``deadline()`` (epoch s).

    The writer process of the trial (run as ``python -m
    tests.reliability.fault_concurrent_writers SEED``), configured by its environment like
    the CLI. It builds its service, prints "ready", reads the deadline from stdin, and
    prints its counts as JSON at the end: actions that wrote, actions that were no-ops
    (inviting a client already PENDING or APPROVED), and refusals by kind. Refusals are
    expected (a monitor or an advertiser moved the client first): the status does not
    allow the action, Google refuses it, or other writers kept winning the version race.
    Anything else escapes.
    """
    container = Container(actor="reliability:writer")
    # The adapter is built before "ready", so the bounded time is spent writing.
    service = GoogleAdsMCCService(container.store, container.ads, actor=container.actor)
    mcc = container.mcc
    rng, ids = random.Random(seed), client_ids(CLIENTS)
    counts: Counter[str] = Counter()
    try:
        end = deadline()
        while time.time() < end:
            cid = CustomerId(rng.choice(ids))
            try:
                before = service.get(mcc, cid)
                action = _pick(rng, service, before)
                wrote = action(mcc, cid).version != before.version
                counts[action.__name__ if wrote else "no-op"] += 1
            except (InputError, LinkRefused, VersionConflict) as exc:
                counts[type(exc).__name__] += 1
    finally:
        container.close()
    return counts


def _pick(
    rng: random.Random, service: GoogleAdsMCCService, client: Client
) -> Callable[[CustomerId, CustomerId], Client]:
    """Mostly what the status just read allows; now and then the other action, which a
    moment later may or may not be allowed (a monitor or an advertiser may move first)."""
    if client.status is LinkStatus.PENDING:
        return service.cancel if rng.random() < 0.6 else service.invite
    return service.invite if rng.random() < 0.9 else service.cancel


def _ready_then_read_deadline() -> float:
    """Say the writer is ready (its Google Ads adapter built), then read when to stop."""
    print("ready", flush=True)
    return float(sys.stdin.readline())


def _advertisers(served: Served, rng: random.Random, deadline: float, tally: _Tally) -> None:
    """Answer as the advertisers until ``deadline`` (epoch s): accept or refuse a pending
    invitation, or end an active link (so clients keep moving instead of settling)."""
    answers = {"PENDING": ("accept", "refuse"), "ACTIVE": ("unlink",)}
    while time.time() < deadline:
        links = [k for k in google_links(served).values() if k["status"] in answers]
        if not links:
            time.sleep(0.05)
            continue
        link = rng.choice(links)
        body = {"client": link["client"], "action": rng.choice(answers[link["status"]])}
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
            link = links.get(client.customer_id.digits)
            problems += state_problems(client, link)
            problems += history_problems(client, history)
            problems += version_problems(client, history)
            problems += repeated_pending_problems(client, history, link)
    finally:
        store.close()
    return problems, entries


FAULT = Fault(
    name="concurrent writers",
    checked=(
        f"{MONITORS} `monitor --every 1s` + an invite/cancel loop + advertisers accepting/"
        f"refusing at random, {FULL_SECONDS:g} s, then `monitor --once`: state = Google's, "
        "history an unbroken chain with each invitation PENDING once (no duplicate, no lost "
        "update), versions = writes"
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


if __name__ == "__main__":
    print(json.dumps(invite_cancel_loop(int(sys.argv[1]), _ready_then_read_deadline)))


# -- regressions: a writer must not apply a view of Google older than the store's -------------

_SOL = CustomerId("1112223333")


class _ListingOvertaken(FakeAds):
    """A fake Google Ads whose listing is overtaken: after it is read (and before the
    monitor gets to the client), ``meanwhile`` runs, as another writer would."""

    meanwhile: Callable[[], object] = staticmethod(lambda: None)

    def list_links(self, manager: CustomerId) -> LinkListing:
        listing = super().list_links(manager)
        self.meanwhile()
        return listing


@pytest.fixture
def overtaken(tmp_path: Path) -> Iterator[tuple[GoogleAdsMCCService, _ListingOvertaken]]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}", {})
    ads = _ListingOvertaken({_SOL.digits})
    service = GoogleAdsMCCService(store, ads, actor="test")
    service.register(_MCC, Registration(_SOL, "Padaria Sol"))
    yield service, ads
    store.close()


def _changes(service: GoogleAdsMCCService) -> list[tuple[str | None, str | None]]:
    history = reversed(list(service.store.client_history(_MCC, _SOL)))
    return [(e.status_before, e.status_after) for e in history if e.status_before != e.status_after]


def test_a_listing_read_before_a_cancellation_does_not_undo_it(
    overtaken: tuple[GoogleAdsMCCService, _ListingOvertaken],
) -> None:
    service, ads = overtaken
    service.invite(_MCC, _SOL)
    ads.meanwhile = lambda: service.cancel(_MCC, _SOL)
    service.sync(_MCC)
    assert service.get(_MCC, _SOL).status is LinkStatus.CANCELLED
    assert _changes(service)[-1] == ("PENDING", "CANCELLED")


def test_a_listing_read_before_the_first_invitation_does_not_reset_it(
    overtaken: tuple[GoogleAdsMCCService, _ListingOvertaken],
) -> None:
    service, ads = overtaken
    ads.meanwhile = lambda: service.invite(_MCC, _SOL)
    service.sync(_MCC)
    assert service.get(_MCC, _SOL).status is LinkStatus.PENDING
    assert _changes(service) == [(None, "NOT_LINKED"), ("NOT_LINKED", "PENDING")]


def test_an_invitation_answer_applied_after_the_acceptance_was_recorded_changes_nothing(
    overtaken: tuple[GoogleAdsMCCService, _ListingOvertaken],
) -> None:
    service, ads = overtaken

    def accepted_and_seen_by_a_monitor() -> None:
        ads.advertiser(MCC, _SOL.digits, LinkStatus.APPROVED)
        service.sync(_MCC)

    ads.after_change = accepted_and_seen_by_a_monitor
    service.invite(_MCC, _SOL)  # Google's answer (PENDING) arrives after the sync saw ACTIVE
    assert service.get(_MCC, _SOL).status is LinkStatus.APPROVED
    assert _changes(service) == [(None, "NOT_LINKED"), ("NOT_LINKED", "APPROVED")]
