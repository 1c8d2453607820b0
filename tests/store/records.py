"""Builders of clients, history entries and onboarding links for the store tests, and the
racing writer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from mcclink.domain import Client, CustomerId, HistoryEntry, Operation, Outcome, utcnow
from mcclink.errors import VersionConflict
from mcclink.onboarding import DEFAULT_EXPIRY, OnboardingLink, new_link
from mcclink.ports import Store

MCC = CustomerId.parse("100-000-0001")
OTHER_MCC = CustomerId.parse("100-000-0002")
#: A fixed moment, so history tests can place entries exactly.
NOON = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


class Barrier(Protocol):
    """What the racing writer needs of a thread or process barrier."""

    def wait(self, timeout: float | None = None) -> Any: ...


def customer(n: int) -> CustomerId:
    """The n-th test customer id (never one of the test MCCs)."""
    return CustomerId(f"{2_000_000_000 + n:010d}")


def a_client(n: int = 1, mcc: CustomerId = MCC, **changes: Any) -> Client:
    """A registered-but-not-linked client, with ``changes`` applied."""
    return replace(Client(customer(n), mcc, f"Client {n}"), **changes)


def an_entry(client: Client, at: datetime | None = None, **changes: Any) -> HistoryEntry:
    """A successful SYNC entry of ``client`` (at ``at``, if given), with ``changes``."""
    entry = HistoryEntry(
        client.customer_id,
        client.mcc_customer_id,
        Operation.SYNC,
        Outcome.SUCCESS,
        timestamp=at or utcnow(),
    )
    return replace(entry, **changes)


def a_link(
    n: int | None = 1, mcc: CustomerId = MCC, at: datetime | None = None, **changes: Any
) -> OnboardingLink:
    """A new onboarding link for customer ``n`` (None: the general page), made ``at``."""
    link, _ = new_link(
        mcc, None if n is None else customer(n), DEFAULT_EXPIRY, "cli:ana", now=at or utcnow()
    )
    return replace(link, **changes)


def minutes(n: float) -> timedelta:
    """``n`` minutes."""
    return timedelta(minutes=n)


def race(store: Store, start: Client, writer: int, rounds: int, barrier: Barrier) -> list[int]:
    """Each round, every writer tries to move ``start`` on from the same version at once.

    Returns the versions this writer won; the barrier keeps the rounds apart, so every
    writer in a round tries with the same expected version.
    """
    won = []
    for round_no in range(rounds):
        attempt = replace(start, version=start.version + round_no, attributes={"by": str(writer)})
        entry = an_entry(attempt, details={"by": str(writer), "from": str(attempt.version)})
        barrier.wait(timeout=60)
        try:
            store.update_client(attempt, entry)
            won.append(attempt.version)
        except VersionConflict:
            pass
        barrier.wait(timeout=60)
    return won


def race_in_process(
    url: str, start: Client, writer: int, rounds: int, barrier: Barrier, results: Any
) -> None:
    """``race`` in a process of its own, on its own connection; reports to ``results``."""
    from mcclink.store import open_store

    store = open_store(url, {})
    try:
        results.put((writer, race(store, start, writer, rounds, barrier)))
    finally:
        store.close()
