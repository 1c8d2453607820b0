"""What a reliability fault is, and how its trials are summed up.

Each ``tests/reliability/fault_<name>.py`` exposes ``FAULT = Fault(...)``; ``python -m
tests.reliability`` runs every ``FAULT.run(trials, store)`` on both stores and prints the
"Reliability" table of docs/reliability.md. A trial is one independent run of the fault (its
own seed, its own store); ``run`` never raises for a failed trial, it counts it and says why
in ``details``.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcclink.domain import Client, HistoryEntry, LinkStatus, Operation, Outcome
from mcclink.store import open_store
from tests.e2e.conftest import Cli, Served, serve_emulator

#: The stores every fault runs on; ``run`` receives one of these names.
STORES = ("sqlite", "dynamodb")


@dataclass(frozen=True)
class TrialSummary:
    """How the trials of one fault on one store went.

    ``details`` is one short line for the table: the figures on success (e.g. "kills at
    0.4-2.1 s, 37-200 invited"), the first failures otherwise.
    """

    trials: int
    passed: int
    details: str

    @property
    def ok(self) -> bool:
        """True when every trial passed (and at least one ran)."""
        return self.trials > 0 and self.passed == self.trials


@dataclass(frozen=True)
class Fault:
    """One fault of issue 5: its table name, what its trials check, and how to run them.

    ``run(trials, store)`` runs ``trials`` seeded trials on ``store`` (one of ``STORES``);
    for DynamoDB the caller has pointed ``AWS_ENDPOINT_URL_DYNAMODB`` (and fake
    credentials) at a running moto server, and each trial uses tables of its own.
    """

    name: str
    checked: str
    run: Callable[[int, str], TrialSummary]


@dataclass(frozen=True)
class TrialOutcome:
    """One trial's verdict: which seed, whether it held, and the problems it found."""

    seed: int
    problems: tuple[str, ...] = ()
    note: str = ""

    @property
    def passed(self) -> bool:
        """True when the trial found no problem."""
        return not self.problems


def summarize(outcomes: Sequence[TrialOutcome], figures: str = "") -> TrialSummary:
    """Fold trial outcomes into one ``TrialSummary``.

    Args:
        outcomes: one per trial, in the order run.
        figures: what the trials measured, shown when all passed (and before failures).

    Returns:
        The counts, and ``figures`` followed by the first problem of each failed trial
        (up to three trials, so the table stays readable).
    """
    failed = [o for o in outcomes if not o.passed]
    notes = [figures] if figures else []
    notes += [f"seed {o.seed}: {o.problems[0]}" for o in failed[:3]]
    if len(failed) > 3:
        notes.append(f"... and {len(failed) - 3} more failed trials")
    return TrialSummary(
        trials=len(outcomes), passed=len(outcomes) - len(failed), details="; ".join(notes)
    )


# -- the world a CLI trial runs in: a served emulator, a fresh store, the CLI -----------------

#: The manager every reliability scenario uses (the emulator exports it as MCC_CUSTOMER_ID).
MCC = "1234567890"
_FIRST_CLIENT_ID = 5_000_000_000


def client_ids(count: int) -> list[str]:
    """The customer ids of a scenario's ``count`` advertisers (10 digits, no dashes)."""
    return [str(_FIRST_CLIENT_ID + i) for i in range(count)]


def scenario(count: int, **knobs: object) -> dict[str, Any]:
    """An emulator scenario: the manager ``MCC`` and ``count`` advertisers, with ``knobs``."""
    clients = [{"id": cid, "name": f"Advertiser {cid}"} for cid in client_ids(count)]
    return {"managers": [{"id": MCC, "name": "Agência Confiável"}], "clients": clients, **knobs}


def clients_csv(path: Path, count: int) -> Path:
    """Write the CSV that registers the scenario's ``count`` advertisers; return ``path``."""
    rows = [f"{cid},Advertiser {cid},ads{cid}@example.com" for cid in client_ids(count)]
    path.write_text("customer_id,name,email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@contextmanager
def served_emulator(home: Path, world: dict[str, Any]) -> Iterator[Served]:
    """``mcclink emulator serve --scenario`` with ``world`` for the block, then stopped."""
    served = serve_emulator(home, world)
    try:
        yield served
    finally:
        served.process.send_signal(signal.SIGINT)
        try:
            served.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait()


@contextmanager
def trial_cli(store: str, home: Path, served: Served) -> Iterator[Cli]:
    """The CLI on a store of the trial's own: a new SQLite file, or new DynamoDB tables.

    DynamoDB needs ``AWS_ENDPOINT_URL_DYNAMODB`` (and fake credentials) in ``os.environ``;
    its tables (a fresh prefix, made by ``mcclink tables create``) are dropped afterwards.
    """
    if store == "sqlite":
        url = f"sqlite:///{home / f'trial-{uuid.uuid4().hex[:8]}.db'}"
    else:
        url = f"dynamodb://?region=us-east-1&prefix=rel{uuid.uuid4().hex[:8]}-"
    cli = Cli(home, {**served.env, "MCC_STORE": url})
    if store == "dynamodb":
        cli("tables", "create")
    try:
        yield cli
    finally:
        if store == "dynamodb":
            drop_tables(url)


def drop_tables(url: str) -> None:
    """Delete the tables of the DynamoDB store at ``url`` that exist (a trial that failed
    early may not have made them)."""
    from mcclink.store.dynamodb import DynamoDBStore

    opened = open_store(url)
    assert isinstance(opened, DynamoDBStore)
    for table in opened.names.all():
        with contextlib.suppress(opened.client.exceptions.ResourceNotFoundException):
            opened.client.delete_table(TableName=table)


# -- the invariants the faults check ------------------------------------------------------------


def google_links(served: Served) -> dict[str, dict[str, Any]]:
    """The MCC's newest link to each client at the emulator (``GET /_emulator/state``)."""
    links = served.admin("/_emulator/state")["links"]
    return {link["client"]: link for link in links if link["manager"] == MCC}


def state_problems(client: Client, link: dict[str, Any] | None) -> list[str]:
    """How ``client`` differs from Google's ``link`` (None: no link); empty when equal."""
    expected = LinkStatus.from_google(link["status"]) if link else LinkStatus.NOT_LINKED
    link_id = link["manager_link_id"] if link else None
    problems = []
    if client.status is not expected or client.manager_link_id != link_id:
        problems.append(
            f"{client.customer_id.digits} is {client.status.value} (link {client.manager_link_id})"
            f" in the store, {expected.value} (link {link_id}) at Google"
        )
    if client.pending_operation is not None:
        problems.append(f"{client.customer_id.digits} still marks {client.pending_operation}")
    return problems


def history_problems(client: Client, newest_first: Iterable[HistoryEntry]) -> list[str]:
    """Where ``client``'s history fails to tell its status changes exactly once each.

    The entries that change the status (``status_before != status_after``), oldest first,
    must form one chain from registration (``None``) to the stored status, each starting
    where the previous one ended. A change recorded twice, a change lost, or a write that
    overwrote a change it had not read (a lost update) all break the chain. Entry ids must
    be unique. Entries that change nothing (NOOP, FAILED) are not part of the chain.
    """
    entries = list(newest_first)[::-1]
    cid = client.customer_id.digits
    problems = []
    if len({e.id for e in entries}) != len(entries):
        problems.append(f"{cid}: the same history entry is stored twice")
    reached: LinkStatus | None = None
    for entry in (e for e in entries if e.status_before != e.status_after):
        if entry.status_before != reached:
            problems.append(
                f"{cid}: {entry.operation.value} {_name(entry.status_before)}→"
                f"{_name(entry.status_after)} at {entry.timestamp:%H:%M:%S.%f} follows a change "
                f"to {_name(reached)}"
            )
        reached = entry.status_after
    if reached is not client.status:
        problems.append(f"{cid}: history ends at {_name(reached)}, the store has {client.status}")
    return problems


def repeated_pending_problems(
    client: Client, history: Iterable[HistoryEntry], link: dict[str, Any] | None
) -> list[str]:
    """Whether history records some invitation's PENDING stage twice.

    At Google a link only moves forward (PENDING, then ACTIVE / REFUSED / CANCELED, then
    INACTIVE); every invitation is a new link. So the entries that move the client into
    PENDING can be at most as many as the invitations Google counted. More means the
    same observed transition was recorded twice: a writer applied a view of Google older
    than what the store held (a stale listing or answer) and moved the client back, and a
    later writer recorded the move forward again.
    """
    entered = sum(
        e.status_after is LinkStatus.PENDING and e.status_before is not LinkStatus.PENDING
        for e in history
    )
    sent = link["invitations_sent"] if link else 0
    if entered <= sent:
        return []
    return [
        f"{client.customer_id.digits}: history enters PENDING {entered} times "
        f"for {sent} invitations"
    ]


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
    if entry.operation in (Operation.WEBHOOK, Operation.EVENT, Operation.MONITOR):
        return 0  # appended alone: a delivery, an event or a cycle's record writes no client
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


def _name(status: LinkStatus | None) -> str:
    return status.value if status else "None"
