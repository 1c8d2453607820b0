"""Fault 4: the store fails under an operation: DynamoDB throttling and cancelled
transactions, a locked SQLite database.

DynamoDB faults are injected at the store's own boto3 client (it is injectable): a
``before-send`` handler answers chosen requests with DynamoDB's error response instead of
sending them, so botocore's retry policy (standard mode, 5 attempts) and mcclink's
translation meet exactly what DynamoDB would send. SQLite faults are another connection
holding ``BEGIN EXCLUSIVE`` beyond (or within) the store's busy timeout. Google is the
in-process emulator, through the real adapter.

Each case checks that the operation either failed cleanly (``StoreUnavailable``, exit 1, a
message that says what to do) or succeeded after waiting; that nothing is half-written (a
status change and its history entry are both stored or both absent); and, where Google had
already acted when the store failed, that the next run of the same command recovers from
the write-ahead mark without a second invitation (and ``monitor --once`` puts a cancel
right).
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from mcclink.ads.client import GoogleAdsClientService
from mcclink.domain import Client, CustomerId, HistoryEntry, Operation, Outcome
from mcclink.emulator import Emulator
from mcclink.errors import StoreUnavailable
from mcclink.ports import GoogleLink, LinkChange, Store
from mcclink.service import GoogleAdsMCCService
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.sqlite import SqliteStore
from tests.reliability.fault_transient import (
    MCC,
    adapter,
    chain_problems,
    client_ids,
    google_problems,
    oldest_first,
    register_all,
    running_emulator,
    scenario,
    trial_store,
)
from tests.reliability.runner import Fault, TrialOutcome, TrialSummary, summarize

FULL_TRIALS = 8
FIRST_CLIENT = 4_100_000_000
#: The service's SQLite busy timeout in these trials (the product default is 5 s).
BUSY_TIMEOUT = 0.3


# -- faults at the boto3 client -------------------------------------------------------------


class _Body:
    """The ``raw`` of a fake HTTP response: one chunk."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def dynamodb_error(status: int, code: str, **fields: Any) -> AWSResponse:
    """DynamoDB's JSON error response ``code``, as the wire carries it."""
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": code, **fields}
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.0"
    headers["x-amzn-RequestId"] = "fault"
    return AWSResponse("https://dynamodb.fault", status, headers, _Body(json.dumps(body).encode()))


#: What DynamoDB answers when it will not take a write; botocore retries all but the last.
REFUSALS = {
    "ThrottlingException": dynamodb_error(400, "ThrottlingException"),
    "ProvisionedThroughputExceededException": dynamodb_error(
        400, "ProvisionedThroughputExceededException"
    ),
    "InternalServerError": dynamodb_error(500, "InternalServerError"),
    "TransactionCanceledException": dynamodb_error(
        400,
        "TransactionCanceledException",
        CancellationReasons=[{"Code": "None"}, {"Code": "ThrottlingError", "Message": "slow"}],
    ),
}
#: Written by every client write: alone (the write-ahead mark), or with a history entry.
WRITES = ("PutItem", "TransactWriteItems")


class DynamoFault:
    """DynamoDB refusing the store's writes, at its boto3 client (``before-send``)."""

    def __init__(self, store: DynamoDBStore, refusal: str) -> None:
        self.refusal = refusal
        #: Operation -> (the refusal to answer it with, how many more times).
        self._plan: dict[str, tuple[str, int]] = {}
        # botocore sends the first response a before-send handler returns instead of the request.
        handler = cast("Callable[..., None]", self._answer)
        store.client.meta.events.register("before-send.dynamodb", handler)

    @contextlib.contextmanager
    def broken(self) -> Iterator[None]:
        """Every write refused, botocore's retries included."""
        # A lone write (the write-ahead mark) cannot be a cancelled transaction.
        lone = "ThrottlingException" if self.refusal == "TransactionCanceledException" else None
        self._plan = {"PutItem": (lone or self.refusal, 1_000)}
        self._plan["TransactWriteItems"] = (self.refusal, 1_000)
        try:
            yield
        finally:
            self._plan = {}

    @contextlib.contextmanager
    def brief(self, rng: random.Random) -> Iterator[None]:
        """The next 1-3 transactions refused, fewer times than the store's retry budget."""
        self._plan = {"TransactWriteItems": (self.refusal, rng.randint(1, 3))}
        try:
            yield
        finally:
            self._plan = {}

    def _answer(self, request: Any, **_: Any) -> AWSResponse | None:
        target = request.headers.get("X-Amz-Target", b"")
        operation = (target.decode() if isinstance(target, bytes) else target).split(".")[-1]
        refusal, left = self._plan.get(operation, ("", 0))
        if left <= 0:
            return None
        self._plan[operation] = (refusal, left - 1)
        return REFUSALS[refusal]


class SqliteFault:
    """Another connection holding ``BEGIN EXCLUSIVE`` on the store's database."""

    refusal = "database locked"

    def __init__(self, store: SqliteStore) -> None:
        self._path = store.path

    @contextlib.contextmanager
    def broken(self) -> Iterator[None]:
        """Locked for the whole block (longer than the busy timeout)."""
        with self._locked() as other:
            yield
            other.rollback()

    @contextlib.contextmanager
    def brief(self, rng: random.Random) -> Iterator[None]:
        """Locked for part of the busy timeout, released by a timer."""
        with self._locked() as other:
            timer = threading.Timer(rng.uniform(0.2, 0.5) * BUSY_TIMEOUT, other.rollback)
            timer.start()
            try:
                yield
            finally:
                timer.join()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        other = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            other.execute("BEGIN EXCLUSIVE")
            yield other
        finally:
            other.close()


StoreFault = DynamoFault | SqliteFault


def store_fault(store: Store, seed: int) -> StoreFault:
    """The fault for ``store``'s backend; consecutive seeds take DynamoDB's refusals in turn."""
    if isinstance(store, SqliteStore):
        return SqliteFault(store)
    assert isinstance(store, DynamoDBStore)
    refusals = sorted(REFUSALS)
    return DynamoFault(store, refusals[seed % len(refusals)])


# -- a Google answer followed by a store fault ----------------------------------------------


class AnsweringAds(GoogleAdsClientService):
    """The real adapter, entering ``on_answer`` (a fault) once Google has answered a mutation."""

    on_answer: Callable[[], contextlib.AbstractContextManager[None]] | None = None
    _active: contextlib.ExitStack | None = None

    def send_invitation(
        self, manager: CustomerId, client: CustomerId, *, validate_only: bool = False
    ) -> LinkChange:
        return self._answered(super().send_invitation(manager, client, validate_only=validate_only))

    def cancel_invitation(self, manager: CustomerId, link: GoogleLink) -> LinkChange:
        return self._answered(super().cancel_invitation(manager, link))

    @contextlib.contextmanager
    def fault_after_answer(
        self, fault: Callable[[], contextlib.AbstractContextManager[None]]
    ) -> Iterator[None]:
        """Within the block, the store breaks as soon as Google answers a mutation."""
        with contextlib.ExitStack() as stack:
            self.on_answer, self._active = fault, stack
            try:
                yield
            finally:
                self.on_answer = self._active = None

    def _answered(self, change: LinkChange) -> LinkChange:
        if self.on_answer is not None and self._active is not None:
            self._active.enter_context(self.on_answer())
        return change


# -- checks ---------------------------------------------------------------------------------


def attempt(action: Callable[[], object]) -> BaseException | None:
    """Run ``action``; the exception it raised, or None."""
    try:
        action()
    except Exception as exc:
        return exc
    return None


def clean_failure_problems(exc: BaseException | None) -> list[str]:
    """The operation must have failed with StoreUnavailable, exit 1, saying what to do."""
    if not isinstance(exc, StoreUnavailable):
        return [f"expected StoreUnavailable, got {exc!r}"]
    text = str(exc).lower()
    if exc.exit_code != 1 or not any(w in text for w in ("retry", "try again")):
        return [f"StoreUnavailable does not say what to do (exit {exc.exit_code}): {exc}"]
    return []


def whole_problems(store: Store, cid: CustomerId) -> list[str]:
    """The client's status is its last recorded status change; the entries chain."""
    client = store.get_client(MCC, cid)
    entries = oldest_first(store, cid)
    changes = [e for e in entries if e.outcome is not Outcome.FAILED and e.status_after]
    last = changes[-1].status_after if changes else None
    problems = chain_problems(cid, entries)
    if client is None or last is not client.status:
        problems.append(f"{cid}: stored {client and client.status}, its history says {last}")
    return problems


# -- the cases ------------------------------------------------------------------------------


@dataclass
class World:
    """One trial's emulator, store, fault, service and clients (one client per case)."""

    emulator: Emulator
    store: Store
    fault: StoreFault
    ads: AnsweringAds
    service: GoogleAdsMCCService
    rng: random.Random

    def settled(self, cid: CustomerId, invitations: int = 1) -> list[str]:
        """Store equal to Google, ``invitations`` sent, nothing half-written."""
        return google_problems(self.emulator, self.store, [cid], invitations) + whole_problems(
            self.store, cid
        )


def invite_before_google(w: World, cid: CustomerId) -> list[str]:
    """The write-ahead mark cannot be written: nothing is sent; the rerun invites once."""
    before = w.store.get_client(MCC, cid)
    with w.fault.broken():
        problems = clean_failure_problems(attempt(lambda: w.service.invite(MCC, cid)))
    if w.store.get_client(MCC, cid) != before:
        problems.append(f"{cid}: changed although the store refused the write")
    problems += w.settled(cid, invitations=0)
    w.service.invite(MCC, cid)
    return problems + w.settled(cid)


def invite_after_google(w: World, cid: CustomerId) -> list[str]:
    """Google invited, the store write failed: the mark stays; the rerun recovers, no resend."""
    with w.ads.fault_after_answer(w.fault.broken):
        problems = clean_failure_problems(attempt(lambda: w.service.invite(MCC, cid)))
    client = w.store.get_client(MCC, cid)
    if client is None or client.pending_operation is not Operation.INVITE:
        problems.append(f"{cid}: write-ahead mark lost when the store failed: {client}")
    problems += whole_problems(w.store, cid)
    w.service.invite(MCC, cid)
    return problems + w.settled(cid)


def cancel_after_google(w: World, cid: CustomerId) -> list[str]:
    """Google cancelled, the store write failed: still PENDING, whole; one sync corrects it."""
    w.service.invite(MCC, cid)
    with w.ads.fault_after_answer(w.fault.broken):
        problems = clean_failure_problems(attempt(lambda: w.service.cancel(MCC, cid)))
    problems += whole_problems(w.store, cid)
    w.service.sync(MCC)
    return problems + w.settled(cid)


def invite_during_brief_fault(w: World, cid: CustomerId) -> list[str]:
    """A fault shorter than the retry budget (or busy timeout): the invite just succeeds."""
    with w.fault.brief(w.rng):
        error = attempt(lambda: w.service.invite(MCC, cid))
    problems = [f"{cid}: invite failed under a brief fault: {error!r}"] if error else []
    return problems + w.settled(cid)


CASES = (invite_before_google, invite_after_google, cancel_after_google, invite_during_brief_fault)


def store_trial(emulator: Emulator, kind: str, seed: int) -> TrialOutcome:
    """Every case once, each on its own client, with ``seed``'s choices."""
    rng = random.Random(seed)
    ids = client_ids(len(CASES), FIRST_CLIENT)
    emulator.reset(scenario(ids))
    with trial_store(kind, busy_timeout=BUSY_TIMEOUT) as store:
        ads = adapter(emulator, kind=AnsweringAds)
        assert isinstance(ads, AnsweringAds)
        fault = store_fault(store, seed)
        service = GoogleAdsMCCService(store, ads, actor="fault:store")
        w = World(emulator, store, fault, ads, service, rng)
        try:
            register_all(service, ids)
            problems = [p for case, cid in zip(CASES, ids, strict=True) for p in case(w, cid)]
        finally:
            ads.close()
    return TrialOutcome(seed, tuple(problems), fault.refusal)


def run(trials: int, kind: str) -> TrialSummary:
    """``trials`` seeded trials on ``kind``, each running every case."""
    with running_emulator() as emulator:
        outcomes = [store_trial(emulator, kind, seed) for seed in range(1, trials + 1)]
    refusals = sorted({o.note for o in outcomes})
    return summarize(
        outcomes,
        f"{len(CASES)} cases x {trials}: {', '.join(refusals)}; failed cleanly or retried, "
        "0 half-written, 0 second invitations",
    )


FAULT = Fault(
    name="store faults",
    checked=(
        "DynamoDB throttling / 500 / cancelled transaction at the boto3 client, SQLite locked "
        f"past its busy timeout ({BUSY_TIMEOUT:g} s here), before and after Google answered, "
        "and briefly: StoreUnavailable (exit 1) or retried success; status and history entry "
        "both or neither; the rerun (or one sync) recovers with one invitation"
    ),
    run=run,
)


# -- the fast subset (make test) ------------------------------------------------------------


def test_store_faults_fail_cleanly_and_leave_nothing_half_written(
    fresh_emulator: Emulator, store_kind: str
) -> None:
    # Seed 3 picks DynamoDB's TransactionCanceledException: not retried by botocore, fast.
    outcome = store_trial(fresh_emulator, store_kind, seed=3)
    assert outcome.passed, outcome.problems


@pytest.mark.dynamodb
def test_a_transaction_cancelled_for_throttling_is_retried_by_the_store(
    moto_endpoint: str,
) -> None:
    # Regression: botocore does not retry TransactionCanceledException, so one throttled
    # item used to fail the write (after Google had already answered, for an invitation).
    cid = client_ids(1, FIRST_CLIENT + 50)[0]
    with trial_store("dynamodb") as store:
        assert isinstance(store, DynamoDBStore)
        fault = DynamoFault(store, "TransactionCanceledException")
        client = Client(cid, MCC, "Anunciante")
        entry = HistoryEntry(cid, MCC, Operation.REGISTER, Outcome.SUCCESS)
        with fault.brief(random.Random(1)):
            store.create_client(client, entry)
        assert store.get_client(MCC, cid) is not None
        assert [e.id for e in store.client_history(MCC, cid)] == [entry.id]
        with fault.broken(), pytest.raises(StoreUnavailable, match="ThrottlingError"):
            store.update_client(client.evolve(name="Outro", version=1), entry)
