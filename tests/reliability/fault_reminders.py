"""Fault 8: four monitors with reminders on, killed with SIGKILL at random moments.

Each trial registers a dozen advertisers (each with an e-mail), starts four ``mcclink
monitor --every 1s`` processes with mail configured (``MCC_MAIL_URL`` = a local SMTP sink,
``emulator.mailbox.Mailbox``, which takes a seeded 50-150 ms to accept each recipient) and
reminders at seconds-long steps (``MCC_REMIND_AT``), then invites every advertiser; nobody
answers. At seeded moments (every 0.5-2 s, and two more after each step is due, each as
soon as the sink is accepting a recipient: while a message is on its way) a random monitor
is killed with SIGKILL and another started in its place (the victim is one that has run a
cycle, killing one still starting up tests nothing, and only while another one runs too),
until the last step is due for every invitation and a moment more. Then the monitors are
stopped, one ``mcclink remind`` runs (what a later cycle would do), and each (invitation,
step) is counted:

- **never twice**: at most one message in the sink per invitation and step, and at most one
  claim (the ``REMIND`` history entry written before sending) per invitation and step;
- **nothing unaccounted**: every message in the sink carries the Message-ID of a claim;
- **the last step claimed** for every invitation after the final pass; an earlier step is
  skipped, by design, when no pass ran between its due time and the next step's (a pass
  sends only the latest step due); they are counted;
- **at most once, not exactly once**: a claim whose message never arrived is a step lost to a
  kill between the claim and the send (the documented guarantee); they are counted;
- the store still equals Google (status, link) and each client's history chains.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mcclink.domain import CustomerId, HistoryEntry, Operation, Outcome
from mcclink.emulator.mailbox import Mailbox
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
FAST_TRIALS = 1
CLIENTS = 12
FAST_CLIENTS = 6
MONITORS = 4
#: Reminder steps, seconds after the invitation (``MCC_REMIND_AT``).
STEPS = "6s,12s,18s"
FAST_STEPS = "3s,6s"
#: Seconds between kills (seeded); more kills after each step is due, each as soon as a
#: message is on its way (waiting at most MID_SEND_WAIT_S); the sink's time to accept each
#: recipient (a message on its way, lost if its sender dies meanwhile).
KILL_EVERY_S = (0.5, 2.0)
KILLS_PER_STEP = 2
KILL_AFTER_DUE_S = (0.0, 1.0)
MID_SEND_WAIT_S = 3.0
SINK_DELAY_S = (0.05, 0.15)
#: How long the monitors run on after the last step is due.
SETTLE_S = 2.0


@dataclass
class _Tally:
    """What one trial counted."""

    kills: int = 0
    messages: int = 0
    per_step: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    lost: int = 0
    failures: list[str] = field(default_factory=list)


def run(trials: int, store: str, clients: int = CLIENTS, steps: str = STEPS) -> TrialSummary:
    """Run ``trials`` seeded trials on ``store`` ("sqlite" or "dynamodb")."""
    with tempfile.TemporaryDirectory(prefix="mcclink-remind-") as tmp:
        home = Path(tmp)
        world = scenario(clients)
        csv = clients_csv(home / "clients.csv", clients)
        with served_emulator(home, world) as served:
            results = [
                _trial(served, world, csv, store, steps, seed) for seed in range(1, trials + 1)
            ]
    tallies = [tally for _, tally in results]
    per_step = sum((t.per_step for t in tallies), Counter[str]())
    figures = (
        f"{sum(t.kills for t in tallies)} kills, {sum(t.messages for t in tallies)} messages "
        f"for {len(results) * clients} invitations x {len(steps.split(','))} steps "
        f"(per step {', '.join(f'{s}: {n}' for s, n in sorted(per_step.items()))}), "
        f"duplicates 0, {sum(t.lost for t in tallies)} steps lost to kills (at most once), "
        f"{sum(t.skipped for t in tallies)} skipped (a later step already due)"
    )
    return summarize([outcome for outcome, _ in results], figures)


def _trial(
    served: Served, world: dict[str, Any], csv: Path, store: str, steps: str, seed: int
) -> tuple[TrialOutcome, _Tally]:
    rng = random.Random(seed)
    served.admin("/_emulator/reset", world)
    tally = _Tally()
    with (
        Mailbox(delay_s=rng.uniform(*SINK_DELAY_S)) as sink,
        trial_cli(store, csv.parent, served) as cli,
    ):
        cli.env.update(
            MCC_MAIL_URL=sink.url,
            MCC_MAIL_FROM="Agência Confiável <ads@agencia.example>",
            MCC_REMIND_AT=steps,
        )
        cli("clients", "import", str(csv))
        _monitors_killed_at_random(cli, csv, steps, rng, tally, sink)
        final = cli("remind", check=None)
        if final.returncode != 0:
            tally.failures.append(f"the final remind exited {final.returncode}: {final.stderr}")
        problems = _check(served, cli.env["MCC_STORE"], sink, steps, tally)
    return TrialOutcome(seed, (*tally.failures, *problems)), tally


def _kill_schedule(steps: str, rng: random.Random) -> list[tuple[float, bool]]:
    """When to kill, in seconds after the invitations, and whether to wait (up to
    ``MID_SEND_WAIT_S``) for a message on its way: at seeded intervals until the last step
    is due and ``SETTLE_S`` more, and ``KILLS_PER_STEP`` more after each step is due, each
    while a message is being sent."""
    from mcclink.reminders import parse_steps

    due = [step.total_seconds() for step in parse_steps(steps)]
    moments = [
        (d + rng.uniform(*KILL_AFTER_DUE_S), True) for d in due for _ in range(KILLS_PER_STEP)
    ]
    moment = rng.uniform(*KILL_EVERY_S)
    while moment < due[-1] + SETTLE_S:
        moments.append((moment, False))
        moment += rng.uniform(*KILL_EVERY_S)
    return sorted(moments)


def _monitors_killed_at_random(
    cli: Cli, csv: Path, steps: str, rng: random.Random, tally: _Tally, sink: Mailbox
) -> None:
    """Four monitors; once they run, every advertiser invited; then one monitor SIGKILLed
    and replaced at each moment of ``_kill_schedule``; then the survivors stopped (SIGTERM:
    they finish their cycle)."""
    logs = csv.parent / "monitors"
    logs.mkdir(exist_ok=True)
    running = [_start_monitor(cli, logs) for _ in range(MONITORS)]
    try:
        _wait_for_cycles(running, logs)
        cli("clients", "import", str(csv), "--invite")
        invited = time.monotonic()  # every invitation was sent by now: each step is due by then
        for moment, mid_send in _kill_schedule(steps, rng):
            time.sleep(max(0.0, invited + moment - time.monotonic()))
            give_up = time.monotonic() + MID_SEND_WAIT_S
            while mid_send and not sink.accepting and time.monotonic() < give_up:
                time.sleep(0.005)
            _kill_one(cli, running, logs, rng, tally)
        for monitor in running:
            monitor.send_signal(signal.SIGTERM)
        for monitor in running:
            try:
                monitor.wait(timeout=60)
            except subprocess.TimeoutExpired:
                tally.failures.append(f"monitor {monitor.pid} did not stop on SIGTERM")
                continue
            tally.failures += _crashed(monitor, logs)
    finally:  # nothing outlives the trial, whatever happened
        for monitor in running:
            if monitor.poll() is None:
                monitor.kill()
                monitor.wait()


def _kill_one(
    cli: Cli, running: list[subprocess.Popen[bytes]], logs: Path, rng: random.Random, tally: _Tally
) -> None:
    """SIGKILL a random running monitor and start another in its place.

    A monitor still starting up has nothing to lose yet: the victim is one that has run a
    cycle, and only while another one runs too (a start takes seconds on a busy machine).
    """
    cycling = [m for m in running if (logs / f"{m.pid}.out").stat().st_size]
    if len(cycling) < 2:
        return
    victim = rng.choice(cycling)
    running.remove(victim)
    if victim.poll() is None:
        os.kill(victim.pid, signal.SIGKILL)
        tally.kills += 1
    else:
        tally.failures += _crashed(victim, logs)
    victim.wait()
    running.append(_start_monitor(cli, logs))


def _start_monitor(cli: Cli, logs: Path) -> subprocess.Popen[bytes]:
    argv = [MCCLINK, "monitor", "--every", "1s", "--json"]
    with (logs / "next.out").open("wb") as out, (logs / "next.err").open("wb") as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=cli.env)
    for suffix in ("out", "err"):
        (logs / f"next.{suffix}").rename(logs / f"{process.pid}.{suffix}")
    return process


def _wait_for_cycles(
    monitors: list[subprocess.Popen[bytes]], logs: Path, timeout: float = 60.0
) -> None:
    """Until each monitor has printed a cycle's report (or died: ``_crashed`` says so)."""
    give_up = time.monotonic() + timeout
    waiting = list(monitors)
    while waiting and time.monotonic() < give_up:
        waiting = [
            m for m in waiting if m.poll() is None and not (logs / f"{m.pid}.out").stat().st_size
        ]
        time.sleep(0.05)


def _crashed(process: subprocess.Popen[bytes], logs: Path) -> list[str]:
    """A monitor that died on its own (not killed, not stopped) or printed a traceback."""
    stderr = (logs / f"{process.pid}.err").read_text(errors="replace")
    killed = process.returncode == -signal.SIGKILL
    if "Traceback" in stderr or not (killed or process.returncode in (0, -signal.SIGTERM)):
        return [f"monitor {process.pid} exited {process.returncode}: {stderr[-300:]}"]
    return []


def _check(served: Served, store_url: str, sink: Mailbox, steps: str, tally: _Tally) -> list[str]:
    """Messages and claims per invitation and step; store = Google; history chains."""
    links = google_links(served)
    store = open_store(store_url)
    mcc = CustomerId(MCC)
    problems: list[str] = []
    claims: dict[str, tuple[str, str]] = {}  # message id -> (customer, step)
    try:
        for cid in client_ids(len(links)):
            client = store.get_client(mcc, CustomerId(cid))
            if client is None:
                problems.append(f"{cid} is not registered")
                continue
            history = list(store.client_history(mcc, client.customer_id))
            problems += state_problems(client, links.get(cid))
            problems += history_problems(client, history)
            problems += _claim_problems(cid, history, len(steps.split(",")), claims)
    finally:
        store.close()
    delivered: Counter[tuple[str, str]] = Counter()
    for message in sink.messages:
        claimed = claims.get(str(message["Message-ID"]).strip())
        if claimed is None:
            problems.append(f"a message to {message['To']} matches no claim")
            continue
        delivered[claimed] += 1
    problems += [
        f"{cid} step {step}: {n} messages" for (cid, step), n in delivered.items() if n > 1
    ]
    tally.messages = len(sink.messages)
    tally.per_step.update(step for _, step in delivered)
    tally.lost = len(set(claims.values()) - set(delivered))
    tally.skipped = len(links) * len(steps.split(",")) - len(set(claims.values()))
    return problems


def _claim_problems(
    cid: str, history: list[HistoryEntry], steps: int, claims: dict[str, tuple[str, str]]
) -> list[str]:
    """At most one claim per step, the last step claimed; record each claim's message id."""
    mine = [e for e in history if e.operation is Operation.REMIND and e.outcome is Outcome.SUCCESS]
    per_step = Counter(e.details.get("step", "?") for e in mine)
    problems = [f"{cid} step {step}: {n} claims" for step, n in per_step.items() if n > 1]
    if str(steps) not in per_step:
        problems.append(f"{cid}: the last step ({steps}) was never claimed")
    for entry in mine:
        claims[entry.details.get("message_id", "")] = (cid, entry.details.get("step", "?"))
    return problems


FAULT = Fault(
    name="reminders under kill -9",
    checked=(
        f"{MONITORS} `monitor --every 1s` with reminders on (steps {STEPS}, an SMTP sink), "
        f"one SIGKILLed and replaced every {KILL_EVERY_S[0]:g}-{KILL_EVERY_S[1]:g} s and "
        f"{KILLS_PER_STEP} times after each step is due while a message is on its way, then "
        f"`remind`: {CLIENTS} invitations, messages per invitation and step <= 1 (duplicates "
        "0), one claim per step, every message claimed, the last step claimed; steps lost to "
        "kills and steps skipped counted; store = Google, history chains"
    ),
    run=run,
)


def test_reminders_under_kills_never_repeat_on_sqlite() -> None:
    summary = run(FAST_TRIALS, "sqlite", FAST_CLIENTS, FAST_STEPS)
    assert summary.ok, summary.details


@pytest.mark.dynamodb
@pytest.mark.usefixtures("moto_endpoint")
def test_reminders_under_kills_never_repeat_on_dynamodb() -> None:
    summary = run(FAST_TRIALS, "dynamodb", FAST_CLIENTS, FAST_STEPS)
    assert summary.ok, summary.details


# -- the claim check itself must catch what it is meant to ------------------------------------

_CID, _MCC = CustomerId(client_ids(1)[0]), CustomerId(MCC)


def _claim(step: int, message_id: str) -> HistoryEntry:
    details = {"step": str(step), "message_id": message_id}
    return HistoryEntry(_CID, _MCC, Operation.REMIND, Outcome.SUCCESS, details=details)


def test_one_claim_per_step_passes_and_records_each_message_id() -> None:
    claims: dict[str, tuple[str, str]] = {}
    assert _claim_problems(_CID.digits, [_claim(2, "<b@x>"), _claim(1, "<a@x>")], 2, claims) == []
    assert claims == {"<a@x>": (_CID.digits, "1"), "<b@x>": (_CID.digits, "2")}


def test_a_step_claimed_twice_and_the_last_step_never_claimed_are_caught() -> None:
    history = [_claim(1, "<a@x>"), _claim(1, "<b@x>")]
    problems = _claim_problems(_CID.digits, history, 2, {})
    cid = _CID.digits
    assert problems == [f"{cid} step 1: 2 claims", f"{cid}: the last step (2) was never claimed"]


def test_an_earlier_step_skipped_for_a_later_one_is_no_problem() -> None:
    assert _claim_problems(_CID.digits, [_claim(2, "<b@x>")], 2, {}) == []
