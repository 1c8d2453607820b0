"""Fault 5: any sequence of manager actions, advertiser actions and crashes converges to
Google's state after one sync (hypothesis, a ``RuleBasedStateMachine``).

The real service and a real store (a SQLite file per sequence; on DynamoDB, one trial's
tables and a new MCC per sequence) against ``GoogleModel``: the unit tests'
``FakeAds`` (Google's link rules in memory) made strict where Google is (a mutation names
one link by its id). ``test_the_model_agrees_with_the_emulator`` replays the transitions
used here on both the model and the emulator, through the real adapter, and compares them.

Rules: the manager invites, cancels, unlinks, answers as the client (through the service);
the advertiser accepts, refuses or ends a link at Google; an action is interrupted after
Google changed but before the store was written (the process dies: a ``BaseException``),
or its answer is lost (a ``TransientError`` after the change), or Google is unavailable
before changing anything (retries spent); the monitor runs. Checked:

- an invitation sent while a write-ahead mark names a link Google already made is a second
  invitation by a recovery: never;
- after one final sync, every client's status and ``manager_link_id`` equal Google's;
- every client's history chains: each entry starts where the one before ended.
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import hypothesis
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from mcclink.domain import CustomerId, LinkStatus, Operation
from mcclink.emulator import Emulator
from mcclink.errors import InvalidTransition, LinkRefused, MccLinkError, TransientError
from mcclink.ports import AdsGateway, GoogleLink, LinkChange, Store
from mcclink.service import GoogleAdsMCCService, Registration
from mcclink.store.sqlite import SqliteStore
from tests.fakes import FakeAds
from tests.reliability.fault_transient import (
    MCC,
    adapter,
    chain_problems,
    scenario,
    trial_store,
)
from tests.reliability.runner import Fault, TrialOutcome, TrialSummary, summarize

FULL_TRIALS = 5
FAST_EXAMPLES = 50
FULL_EXAMPLES = 300
FULL_EXAMPLES_DYNAMODB = 40
FAST_EXAMPLES_DYNAMODB = 5
STEPS = 30
CLIENTS = (CustomerId("5550000001"), CustomerId("5550000002"), CustomerId("5550000003"))
ADVERTISER_MOVES = {
    "accept": (LinkStatus.PENDING, LinkStatus.APPROVED),
    "refuse": (LinkStatus.PENDING, LinkStatus.REJECTED),
    "unlink": (LinkStatus.APPROVED, LinkStatus.UNLINKED),
}
ACTIONS = ("invite", "cancel", "unlink", "accept", "refuse")


class Crash(BaseException):
    """The process dying after Google answered (not an Exception: nothing catches it)."""


class GoogleModel(FakeAds):
    """``FakeAds``, refusing (as Google does) a change to a link that is not the newest."""

    def __init__(self, accounts: set[str], manager: CustomerId = MCC) -> None:
        super().__init__(accounts)
        self.manager = manager

    def _transition(
        self, method: str, link: GoogleLink, frm: LinkStatus, to: LinkStatus
    ) -> LinkChange:
        current = self.links.get((link.manager, link.client))
        if current is not None and current.manager_link_id != link.manager_link_id:
            raise LinkRefused("not the newest link", code="INVALID_STATUS_CHANGE")
        return super()._transition(method, link, frm, to)

    def advertise(self, client: CustomerId, move: str) -> None:
        """The advertiser acts at Google, outside mcclink, where Google allows it."""
        link = self.links.get((self.manager, client))
        frm, to = ADVERTISER_MOVES[move]
        if link is not None and link.status is frm:
            self.advertiser(self.manager.digits, client.digits, to)

    def status(self, client: CustomerId) -> tuple[LinkStatus, int | None]:
        """Google's status of the client's newest link and its id."""
        link = self.links.get((self.manager, client))
        return (link.status, link.manager_link_id) if link else (LinkStatus.NOT_LINKED, None)


def act(service: GoogleAdsMCCService, mcc: CustomerId, action: str, client: CustomerId) -> None:
    """One manager action through the service (as the CLI runs it)."""
    calls: dict[str, Callable[[], object]] = {
        "invite": lambda: service.invite(mcc, client),
        "cancel": lambda: service.cancel(mcc, client),
        "unlink": lambda: service.unlink(mcc, client),
        "accept": lambda: service.respond(mcc, client, accept=True),
        "refuse": lambda: service.respond(mcc, client, accept=False),
    }
    calls[action]()


@dataclass
class Tally:
    """What the machines did, over every example of a run."""

    examples: int = 0
    steps: int = 0
    crashes: int = 0
    lost_answers: int = 0
    unavailable: int = 0
    recoveries: int = 0


class Places:
    """Where sequences keep their clients: a new SQLite file each, or, on DynamoDB, one
    trial's tables with a new MCC each (clients are keyed by MCC, so they never meet)."""

    def __init__(self, shared: Store | None = None) -> None:
        self._shared = shared
        self._mccs = itertools.count(1_000_000_001)

    def take(self) -> tuple[Store, CustomerId, Callable[[], None]]:
        """A store, the MCC to use in it, and how to release them."""
        if self._shared is not None:
            return self._shared, CustomerId(str(next(self._mccs))), lambda: None
        tmp = tempfile.TemporaryDirectory(prefix="mcclink-property-")
        store = SqliteStore(Path(tmp.name) / "mcclink.db")

        def release() -> None:
            store.close()
            tmp.cleanup()

        return store, MCC, release


class LinkMachine(RuleBasedStateMachine):
    """Manager, advertiser, crashes and the monitor, on three clients of one MCC."""

    tally: ClassVar[Tally] = Tally()
    #: Where each sequence keeps its clients.
    places: ClassVar[Places]

    def __init__(self) -> None:
        super().__init__()
        self.store, self.mcc, self._release = self.places.take()
        self.google = GoogleModel({c.digits for c in CLIENTS}, self.mcc)
        self.service = GoogleAdsMCCService(self.store, self.google, actor="fault:property")
        for client in CLIENTS:
            self.service.register(self.mcc, Registration(client, f"Anunciante {client}"))
        self.tally.examples += 1

    @rule(action=st.sampled_from(ACTIONS), client=st.sampled_from(CLIENTS))
    def manager(self, action: str, client: CustomerId) -> None:
        self._counted(action, client, None)

    @rule(move=st.sampled_from(sorted(ADVERTISER_MOVES)), client=st.sampled_from(CLIENTS))
    def advertiser(self, move: str, client: CustomerId) -> None:
        self.tally.steps += 1
        self.google.advertise(client, move)

    @rule(action=st.sampled_from(ACTIONS), client=st.sampled_from(CLIENTS))
    def crash_after_google(self, action: str, client: CustomerId) -> None:
        self._counted(action, client, Crash())

    @rule(action=st.sampled_from(ACTIONS), client=st.sampled_from(CLIENTS))
    def answer_lost(self, action: str, client: CustomerId) -> None:
        self._counted(action, client, TransientError("answer lost", code="StatusCode.UNAVAILABLE"))

    @rule(action=st.sampled_from(ACTIONS), client=st.sampled_from(CLIENTS))
    def unavailable(self, action: str, client: CustomerId) -> None:
        self.google.fail_next = TransientError("unavailable", code="StatusCode.UNAVAILABLE")
        try:
            self._counted(action, client, None)
        finally:
            self.tally.unavailable += self.google.fail_next is None
            self.google.fail_next = None  # unused when the action never reached Google

    @rule()
    def monitor(self) -> None:
        self.tally.steps += 1
        self.service.sync(self.mcc)

    def _counted(self, action: str, client: CustomerId, fault: BaseException | None) -> None:
        """Run ``action``, ``fault`` raised once Google has changed; no recovery re-sends."""
        self.tally.steps += 1
        recovering = self._recovery_expected(client) if action == "invite" else False
        sent = self.google.invitations[client]

        def die() -> None:
            assert fault is not None
            self.google.after_change = None
            self.tally.crashes += isinstance(fault, Crash)
            self.tally.lost_answers += isinstance(fault, TransientError)
            raise fault

        self.google.after_change = die if fault is not None else None
        try:
            act(self.service, self.mcc, action, client)
        except (Crash, MccLinkError):
            pass
        finally:
            self.google.after_change = None
        if recovering:
            self.tally.recoveries += 1
            assert self.google.invitations[client] == sent, f"{client} invited again by a recovery"

    def _recovery_expected(self, client: CustomerId) -> bool:
        """The store's mark names an invitation Google already has (a newer link)."""
        stored = self.store.get_client(self.mcc, client)
        _, link_id = self.google.status(client)
        return (
            stored is not None
            and stored.pending_operation is Operation.INVITE
            and link_id is not None
            and link_id > (stored.manager_link_id or 0)
        )

    def teardown(self) -> None:
        try:
            self.service.sync(self.mcc)
            problems = convergence_problems(self.store, self.google)
        finally:
            self._release()
        assert not problems, problems


def convergence_problems(store: Store, google: GoogleModel) -> list[str]:
    """Store equal to Google for every client; every client's history chains."""
    problems = []
    for client in CLIENTS:
        stored = store.get_client(google.manager, client)
        status, link_id = google.status(client)
        if stored is None or (stored.status, stored.manager_link_id) != (status, link_id):
            seen = stored and (stored.status, stored.manager_link_id)
            problems.append(f"{client}: store {seen}, Google {(status, link_id)}")
        entries = list(reversed(list(store.client_history(google.manager, client))))
        problems += chain_problems(client, entries)
    return problems


def run_machine(seed: int, examples: int, shared: Store | None = None) -> Tally:
    """Run ``examples`` sequences of the machine from hypothesis seed ``seed``.

    Args:
        seed: the hypothesis seed (one trial).
        examples: sequences to run.
        shared: a DynamoDB store to share between sequences (None: a SQLite file each).

    Raises:
        AssertionError: a sequence broke a property (hypothesis's shrunk counterexample).
    """
    tally = Tally()
    # A subclass per run: @seed marks the class it is given; tally and places are per run.
    attributes = {"tally": tally, "places": Places(shared)}
    machine = hypothesis.seed(seed)(type(f"LinkMachine{seed}", (LinkMachine,), attributes))
    run_state_machine_as_test(
        machine,
        settings=hypothesis.settings(
            max_examples=examples,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        ),
    )
    return tally


def run(trials: int, kind: str) -> TrialSummary:
    """``trials`` hypothesis seeds; on DynamoDB fewer sequences per seed (moto is slower)."""
    examples = FULL_EXAMPLES if kind == "sqlite" else FULL_EXAMPLES_DYNAMODB
    outcomes, tallies = [], []
    for seed in range(1, trials + 1):
        with trial_store(kind) as store:
            try:
                tallies.append(run_machine(seed, examples, None if kind == "sqlite" else store))
                outcomes.append(TrialOutcome(seed))
            except AssertionError as exc:
                outcomes.append(TrialOutcome(seed, (str(exc).splitlines()[0],)))
    total = Tally(*(sum(getattr(t, f) for t in tallies) for f in Tally.__dataclass_fields__))
    return summarize(
        outcomes,
        f"{total.examples} sequences, {total.steps} steps: {total.crashes} crashes, "
        f"{total.lost_answers} lost answers, {total.unavailable} refused before Google, "
        f"{total.recoveries} recoveries, 0 re-sent",
    )


FAULT = Fault(
    name="property: actions, advertisers and crashes converge after one sync",
    checked=(
        f"hypothesis state machine, {FULL_EXAMPLES} (SQLite) / {FULL_EXAMPLES_DYNAMODB} "
        f"(DynamoDB) sequences of up to {STEPS} steps per seed "
        "(invite/cancel/unlink/respond, advertiser accept/refuse/unlink, crash or lost answer "
        "after Google changed, unavailable before, monitor): after one sync store = Google "
        "(status, link id), no second invitation by a recovery, history chains"
    ),
    run=run,
)


# -- the fast subset (make test) ------------------------------------------------------------


def test_any_sequence_converges_to_google_after_one_sync() -> None:
    tally = run_machine(seed=12345, examples=FAST_EXAMPLES)
    assert tally.examples >= FAST_EXAMPLES
    assert tally.crashes > 0
    assert tally.recoveries > 0


@pytest.mark.dynamodb
def test_sequences_on_dynamodb_converge_to_google_after_one_sync(moto_endpoint: str) -> None:
    with trial_store("dynamodb") as store:
        tally = run_machine(seed=54321, examples=FAST_EXAMPLES_DYNAMODB, shared=store)
    assert tally.examples >= FAST_EXAMPLES_DYNAMODB


@pytest.mark.parametrize(
    "moves",
    [
        ["invite", "invite", "cancel", "cancel", "invite"],
        ["invite", "accept", "invite", "unlink", "unlink", "invite"],
        ["invite", "refuse", "accept", "invite", "advertiser-accept", "advertiser-unlink"],
        ["unlink", "cancel", "accept", "invite", "advertiser-refuse", "cancel", "invite"],
    ],
)
def test_the_model_agrees_with_the_emulator(fresh_emulator: Emulator, moves: list[str]) -> None:
    client = CLIENTS[0]
    fresh_emulator.reset(scenario([client]))
    model = GoogleModel({client.digits})
    real = adapter(fresh_emulator)
    try:
        for move in moves:
            assert replay(model, move, client) == replay(real, move, client, fresh_emulator)
    finally:
        real.close()


def replay(
    gateway: AdsGateway, move: str, client: CustomerId, emulator: Emulator | None = None
) -> tuple[str, LinkStatus | None, int]:
    """Make ``move`` on the model or the emulator; (outcome, Google's status, invitations)."""
    outcome = "-"
    if move.startswith("advertiser-"):
        advertise(gateway, move.removeprefix("advertiser-"), client, emulator)
    else:
        try:
            outcome = mutate(gateway, move, client)
        except MccLinkError as exc:
            outcome = type(exc).__name__
    link = gateway.get_link(MCC, client)
    if emulator is None:
        assert isinstance(gateway, GoogleModel)
        sent = gateway.invitations[client]
    else:
        sent = emulator.state.invitations_sent(client.digits, MCC.digits)
    return outcome, link.status if link else None, sent


def mutate(gateway: AdsGateway, move: str, client: CustomerId) -> str:
    """One manager-side (or client-login) mutation on the newest link; "ok" or "already"."""
    if move == "invite":
        return "already" if gateway.send_invitation(MCC, client).already else "ok"
    link = gateway.get_link(MCC, client)
    if link is None:
        return "no link"
    if move == "cancel":
        gateway.cancel_invitation(MCC, link)
    elif move == "unlink":
        gateway.end_link(MCC, link)
    else:
        gateway.respond_as_client(link, accept=move == "accept")
    return "ok"


def advertise(
    gateway: AdsGateway, move: str, client: CustomerId, emulator: Emulator | None
) -> None:
    """The advertiser's move at Google, where Google allows it."""
    if emulator is None:
        assert isinstance(gateway, GoogleModel)
        gateway.advertise(client, move)
        return
    with contextlib.suppress(InvalidTransition):
        emulator.state.respond(client.digits, MCC.digits, move)
