"""Fault 3: transient Google Ads faults and a rate limit during a bulk invite.

The emulator answers 20 % of calls ``UNAVAILABLE`` (seeded), admits ``QPS_LIMIT`` calls per
rolling second and sleeps ``LATENCY_MS`` per call. Invitations go out as ``clients import
--invite`` sends them: ``run_bulk`` over ``service.invite``, 8 at a time, through the real
adapter (retries with backoff, the shared client-side ``RateLimiter`` paced under the limit).
Each trial checks:

- **bulk**: every client invited exactly once (the emulator's per-client counters), the
  store's status equal to Google's, no call made more attempts than ``RetryPolicy.max_attempts``
  (every attempt counted as it is made), and how many retries the run needed (the figures).
  A client whose retry budget ran out keeps its write-ahead mark and is finished by the
  rerun ``clients import --invite`` documents.
- **budget outlasted**: ``UNAVAILABLE`` on every call: each client stays ``NOT_LINKED`` with
  ``last_error``, its ``pending_operation`` and a FAILED entry; after the fault stops, a
  rerun invites each exactly once.
- **answer lost**: every attempt's deadline expires after Google made the change: the retry
  budget runs out with Google ``PENDING`` and the store not; the rerun recovers the link
  through the write-ahead mark without a second invitation.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from unittest import mock

from mcclink.ads.client import GoogleAdsClientService, configure_library_logging
from mcclink.ads.retry import AdsStats, RetryPolicy, call_with_retries
from mcclink.cli._common import BulkResult, run_bulk
from mcclink.config import Settings
from mcclink.domain import CustomerId, HistoryEntry, LinkStatus, Operation, Outcome
from mcclink.emulator import Emulator, Scenario, start, tls
from mcclink.errors import MccLinkError, TransientError
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.sqlite import SqliteStore
from mcclink.store.tables import TableNames
from tests.reliability.runner import Fault, TrialOutcome, TrialSummary, summarize

FULL_TRIALS = 3
MCC = CustomerId("1234567890")
FIRST_CLIENT = 4_000_000_000
BULK_CLIENTS = 500
FAST_BULK_CLIENTS = 60
FAULT_RATE = 0.2
QPS_LIMIT = 50
#: The adapter paces itself under the emulator's limit (``GOOGLE_ADS_MAX_QPS``).
MAX_QPS = 40.0
LATENCY_MS = 5
CONCURRENCY = 8
#: Clients in the budget-outlasted and answer-lost checks.
STUCK_CLIENTS = 6
#: Few quick attempts where every attempt fails on purpose (the product default is 5).
QUICK_POLICY = RetryPolicy(
    max_attempts=3, initial_backoff=0.01, max_backoff=0.05, jitter=0.01, attempt_timeout=2.0
)
_ROOTS = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"
#: The file name ``tls.ensure_certificate`` gives the emulator's certificate.
CERT_NAME = "emulator-cert.pem"
T = TypeVar("T")


# -- the world a trial runs in (shared with the other fault modules of this engineer) -------


def client_ids(count: int, first: int = FIRST_CLIENT) -> list[CustomerId]:
    """``count`` customer ids from ``first`` on."""
    return [CustomerId(str(first + i)) for i in range(count)]


def scenario(ids: Sequence[CustomerId], **knobs: object) -> Scenario:
    """One manager (``MCC``) and ``ids`` as its advertisers, with ``knobs``."""
    return Scenario.from_dict(
        {
            "managers": [{"id": MCC.digits, "name": "Agência Confiável"}],
            "clients": [{"id": c.digits, "name": f"Anunciante {c}"} for c in ids],
            **knobs,
        },
        source="tests.reliability",
    )


@contextlib.contextmanager
def running_emulator() -> Iterator[Emulator]:
    """An in-process emulator whose certificate this process trusts (for ``FAULT.run``).

    gRPC reads ``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`` once, at the process's first TLS
    connection: an emulator certificate it already names (the test fixtures' one) is
    reused; anything else (e.g. the system's CA bundle) is replaced by the default one.
    """
    configure_library_logging()
    roots = Path(os.environ.get(_ROOTS) or "/")
    cert_dir = roots.parent if roots.name == CERT_NAME else tls.default_cert_dir()
    emulator = start(Scenario.demo(), cert_dir=cert_dir)
    os.environ[_ROOTS] = str(emulator.cert_path)
    try:
        yield emulator
    finally:
        emulator.stop()


@contextlib.contextmanager
def trial_store(kind: str, *, busy_timeout: float = 5.0) -> Iterator[Store]:
    """A fresh store of ``kind`` ("sqlite": a temp file; "dynamodb": tables of its own)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mcclink-fault-") as tmp:
            store = SqliteStore(Path(tmp) / "mcclink.db", busy_timeout=busy_timeout)
            try:
                yield store
            finally:
                store.close()
        return
    dynamo = DynamoDBStore(TableNames.from_env({}, prefix=f"f{uuid.uuid4().hex[:10]}-"))
    dynamo.create_tables()
    try:
        yield dynamo
    finally:
        for table in dynamo.names.all():
            dynamo.client.delete_table(TableName=table)


def adapter(
    emulator: Emulator,
    policy: RetryPolicy | None = None,
    max_qps: float | None = None,
    kind: type[GoogleAdsClientService] = GoogleAdsClientService,
) -> GoogleAdsClientService:
    """The real Google Ads adapter (or ``kind``), configured as a user would for ``emulator``."""
    settings = Settings.from_env({**emulator.env(), "HOME": tempfile.gettempdir()}).google_ads()
    return kind(replace(settings, max_qps=max_qps), policy)


def register_all(service: GoogleAdsMCCService, ids: Sequence[CustomerId]) -> None:
    """Register every id ``NOT_LINKED`` through the service (a REGISTER entry each)."""
    for cid in ids:
        service.register(MCC, Registration(cid, f"Anunciante {cid}"))


def invite_waiting(service: GoogleAdsMCCService, ids: Sequence[CustomerId]) -> BulkResult:
    """``clients import --invite``'s invitations: the clients not linked or marked, 8 at once."""
    waiting = [
        c.customer_id
        for c in (service.store.get_client(MCC, cid) for cid in ids)
        if c and (c.status is LinkStatus.NOT_LINKED or c.pending_operation is Operation.INVITE)
    ]
    return run_bulk(
        waiting,
        lambda cid: service.invite(MCC, cid),
        label="Sending invitations",
        concurrency=CONCURRENCY,
        show_progress=False,
    )


def oldest_first(store: Store, cid: CustomerId) -> list[HistoryEntry]:
    """The client's history, oldest first."""
    return list(reversed(list(store.client_history(MCC, cid))))


def chain_problems(cid: CustomerId, entries: Sequence[HistoryEntry]) -> list[str]:
    """Entries whose ``status_before`` is not the previous entry's ``status_after``."""
    return [
        f"{cid}: {entry.operation} {entry.outcome} starts at {entry.status_before}, "
        f"the entry before ended at {before.status_after}"
        for before, entry in itertools.pairwise(entries)
        if entry.status_before != before.status_after
    ]


def google_problems(
    emulator: Emulator, store: Store, ids: Sequence[CustomerId], invitations: int = 1
) -> list[str]:
    """Clients invited other than ``invitations`` times, or whose status is not Google's."""
    problems = []
    for cid in ids:
        sent = emulator.state.invitations_sent(cid.digits, MCC.digits)
        if sent != invitations:
            problems.append(f"{cid}: {sent} invitation(s) sent, expected {invitations}")
        client = store.get_client(MCC, cid)
        google = emulator.state.link_status(MCC.digits, cid.digits)
        expected = LinkStatus.from_google(google) if google else LinkStatus.NOT_LINKED
        if client is None or client.status is not expected:
            problems.append(f"{cid}: store {client and client.status}, Google {expected}")
        elif client.pending_operation is not None:
            problems.append(f"{cid}: pending_operation {client.pending_operation} left set")
    return problems


# -- attempts per call ----------------------------------------------------------------------


@dataclass
class AttemptLog:
    """How many attempts each logical Google Ads call made, and how it ended (thread-safe)."""

    attempts: list[int] = field(default_factory=list)
    #: Calls that gave up (raised) after their attempts.
    gave_up: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, count: int, ok: bool) -> None:
        with self._lock:
            self.attempts.append(count)
            self.gave_up += not ok

    @property
    def most(self) -> int:
        return max(self.attempts, default=0)


@contextlib.contextmanager
def counting_attempts() -> Iterator[AttemptLog]:
    """Count the attempts of every call the adapter makes (observation only)."""
    log = AttemptLog()

    def counted(attempt: Callable[[], T], policy: RetryPolicy, stats: AdsStats) -> T:
        made, ok = 0, False

        def one() -> T:
            nonlocal made
            made += 1
            return attempt()

        try:
            result = call_with_retries(one, policy, stats)
            ok = True
            return result
        finally:
            log.add(made, ok)

    with mock.patch("mcclink.ads.connection.call_with_retries", counted):
        yield log


# -- the trials -----------------------------------------------------------------------------


@dataclass
class BulkFigures:
    """What one bulk trial measured."""

    retries: int = 0
    faults: int = 0
    throttled: int = 0
    most_attempts: int = 0
    rerun: int = 0


def bulk_trial(
    emulator: Emulator, store: Store, seed: int, clients: int
) -> tuple[list[str], BulkFigures]:
    """Invite ``clients`` under 20 % UNAVAILABLE and a rate limit; problems and figures."""
    ids = client_ids(clients)
    emulator.reset(
        scenario(ids, fault_rate=FAULT_RATE, qps_limit=QPS_LIMIT, latency_ms=LATENCY_MS, seed=seed)
    )
    ads = adapter(emulator, max_qps=MAX_QPS)
    service = GoogleAdsMCCService(store, ads, actor="fault:transient")
    figures = BulkFigures()
    try:
        register_all(service, ids)
        with counting_attempts() as log:
            first = invite_waiting(service, ids)
            problems = [
                f"{cid}: first pass failed with {exc!r}"
                for cid, exc in first.failed.items()
                if not isinstance(exc, TransientError)
            ]
            # Budget spent on a few calls (0.2^5 each): the documented rerun finishes them.
            figures.rerun = len(first.failed)
            second = invite_waiting(service, ids) if first.failed else BulkResult()
        problems += [f"{cid}: rerun failed with {exc!r}" for cid, exc in second.failed.items()]
    finally:
        ads.close()
    figures.retries, figures.most_attempts = ads.stats.retries, log.most
    figures.faults = emulator.state.faults_injected
    figures.throttled = emulator.state.resource_exhausted
    problems += retry_problems(ads.stats, emulator, log, figures)
    problems += google_problems(emulator, store, ids)
    problems += history_problems(store, ids)
    return problems, figures


def retry_problems(
    stats: AdsStats, emulator: Emulator, log: AttemptLog, figures: BulkFigures
) -> list[str]:
    """Attempts within the policy's bound, every attempt counted, every fault retried."""
    problems = []
    bound = RetryPolicy().max_attempts
    if log.most > bound:
        problems.append(f"a call made {log.most} attempts, over max_attempts {bound}")
    if stats.calls != sum(emulator.state.calls.values()):
        problems.append(
            f"adapter counted {stats.calls} attempts, the emulator {emulator.state.calls}"
        )
    if stats.retries != stats.calls - len(log.attempts):
        problems.append(f"{stats.retries} retries for {stats.calls} attempts")
    # Every UNAVAILABLE or RESOURCE_EXHAUSTED answer is retried, unless the budget was spent.
    expected = figures.faults + figures.throttled - log.gave_up
    if figures.faults == 0 or figures.retries != expected:
        problems.append(
            f"{figures.faults} faults + {figures.throttled} throttled - {log.gave_up} given up "
            f"should make {expected} retries, made {figures.retries}"
        )
    return problems


def history_problems(store: Store, ids: Sequence[CustomerId]) -> list[str]:
    """Each client: one successful invitation NOT_LINKED -> PENDING, a consistent chain."""
    problems = []
    for cid in ids:
        entries = oldest_first(store, cid)
        invited = [
            e
            for e in entries
            if e.operation is Operation.INVITE and e.status_after is LinkStatus.PENDING
            if e.status_before is not LinkStatus.PENDING
        ]
        if len(invited) != 1:
            problems.append(f"{cid}: {len(invited)} history entries record the invitation")
        problems += chain_problems(cid, entries)
    return problems


def stuck_trial(emulator: Emulator, store: Store, seed: int, *, answer_lost: bool) -> list[str]:
    """A fault that outlasts the retry budget, then a rerun after it stops; the problems.

    ``answer_lost``: every attempt reaches Google but its answer comes after the deadline
    (so Google is PENDING when the budget runs out); otherwise every attempt is refused
    UNAVAILABLE before Google changes anything.
    """
    ids = client_ids(STUCK_CLIENTS, FIRST_CLIENT + 100_000)
    knobs: dict[str, object] = (
        {"latency_ms": 400} if answer_lost else {"fault_rate": 1.0, "seed": seed}
    )
    emulator.reset(scenario(ids, **knobs))
    policy = replace(QUICK_POLICY, attempt_timeout=0.1) if answer_lost else QUICK_POLICY
    ads = adapter(emulator, policy)
    service = GoogleAdsMCCService(store, ads, actor="fault:transient")
    try:
        register_all(service, ids)
        with counting_attempts() as log:
            failed = invite_waiting(service, ids).failed
        problems = stuck_problems(store, ids, failed, log, policy)
        if answer_lost:
            problems += landed_problems(emulator, ids)
        emulator.set_knobs(fault_rate=0.0, latency_ms=0)
        rerun = invite_waiting(service, ids)
    finally:
        ads.close()
    problems += [f"{cid}: rerun failed with {exc!r}" for cid, exc in rerun.failed.items()]
    problems += google_problems(emulator, store, ids)
    problems += history_problems(store, ids)
    return problems


def stuck_problems(
    store: Store,
    ids: Sequence[CustomerId],
    failed: Mapping[CustomerId, MccLinkError],
    log: AttemptLog,
    policy: RetryPolicy,
) -> list[str]:
    """After the budget ran out: failed, resumable, recorded, and within the bound."""
    problems = []
    if set(failed) != set(ids) or not all(isinstance(e, TransientError) for e in failed.values()):
        problems.append(f"expected every invitation to fail transiently, got {failed}")
    if log.most != policy.max_attempts:
        problems.append(
            f"calls made up to {log.most} attempts, the budget is {policy.max_attempts}"
        )
    for cid in ids:
        client = store.get_client(MCC, cid)
        last = oldest_first(store, cid)[-1]
        if client is None or client.status is not LinkStatus.NOT_LINKED:
            problems.append(f"{cid}: status {client and client.status} after the failure")
        elif client.last_error is None or client.pending_operation is not Operation.INVITE:
            problems.append(
                f"{cid}: not resumable: {client.last_error}, {client.pending_operation}"
            )
        if (last.operation, last.outcome) != (Operation.INVITE, Outcome.FAILED):
            problems.append(f"{cid}: last history entry {last.operation} {last.outcome}")
    return problems


def landed_problems(emulator: Emulator, ids: Sequence[CustomerId]) -> list[str]:
    """Wait (up to 2 s) for the invitations whose answers were lost to land at Google."""
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        statuses = {emulator.state.link_status(MCC.digits, cid.digits) for cid in ids}
        if statuses == {"PENDING"}:
            return []
        time.sleep(0.05)
    return [f"the lost answers' invitations never landed at Google: {statuses}"]


# -- the FAULT ------------------------------------------------------------------------------


def trial(
    emulator: Emulator, kind: str, seed: int, clients: int
) -> tuple[TrialOutcome, BulkFigures]:
    """One trial of all three checks on a fresh store of ``kind``."""
    with trial_store(kind) as store:
        problems, figures = bulk_trial(emulator, store, seed, clients)
    for answer_lost in (False, True):
        with trial_store(kind) as store:
            problems += stuck_trial(emulator, store, seed, answer_lost=answer_lost)
    note = (
        f"{figures.retries} retries, {figures.faults} faults, max {figures.most_attempts} attempts"
    )
    return TrialOutcome(seed, tuple(problems), note), figures


def run(trials: int, kind: str) -> TrialSummary:
    """``trials`` seeded trials on ``kind``: a bulk of 500 and both budget checks each."""
    outcomes, all_figures = [], []
    with running_emulator() as emulator:
        for seed in range(1, trials + 1):
            outcome, figures = trial(emulator, kind, seed, BULK_CLIENTS)
            outcomes.append(outcome)
            all_figures.append(figures)
    retries = [f.retries for f in all_figures]
    figures_text = (
        f"{BULK_CLIENTS} invites x {trials}: retries {min(retries)}-{max(retries)} "
        f"per run (faults {sum(f.faults for f in all_figures)}), at most "
        f"{max(f.most_attempts for f in all_figures)} of {RetryPolicy().max_attempts} attempts "
        f"per call, RESOURCE_EXHAUSTED {sum(f.throttled for f in all_figures)}, "
        f"budget-spent reruns {sum(f.rerun for f in all_figures)}; 0 duplicates"
    )
    return summarize(outcomes, figures_text)


FAULT = Fault(
    name="transient faults and rate limits",
    checked=(
        "bulk invite of 500 at 20% UNAVAILABLE, 50 qps limit, 5 ms latency: each client "
        "invited exactly once, store = Google, attempts <= max_attempts; a fault outlasting "
        "the retry budget (refused, or answer lost) leaves a resumable client + FAILED entry, "
        "the rerun invites once"
    ),
    run=run,
)


# -- the fast subset (make test) ------------------------------------------------------------


def test_bulk_invite_under_faults_and_rate_limit_invites_each_client_once(
    fresh_emulator: Emulator, store_kind: str
) -> None:
    outcome, figures = trial(fresh_emulator, store_kind, seed=7, clients=FAST_BULK_CLIENTS)
    print(f"{store_kind}: {outcome.note}")
    assert outcome.passed, outcome.problems
    assert figures.retries > 0
