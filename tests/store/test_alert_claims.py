"""Alert claims in the stores (SQLite and DynamoDB): of many processes telling the same
condition on the same day, exactly one writes the claim and mails; its resolution likewise."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from mcclink import alerts
from mcclink.alerts import AlertKind, AlertSettings
from mcclink.domain import Client, LinkStatus, Operation, Outcome
from mcclink.mail import Mail
from mcclink.ports import Store
from tests.store.conftest import Backend
from tests.store.records import MCC, customer

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SETTINGS = AlertSettings(emails=("ops@agency.example",))
PROCESSES = 6


@dataclass
class Outbox:
    """A Mailer shared by the threads; a lock keeps its list whole."""

    sent: list[Mail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, mail: Mail) -> str:
        with self.lock:
            self.sent.append(mail)
        return mail.message_id

    def close(self) -> None:
        pass


def _race(backend: Backend, now: datetime, outbox: Outbox) -> list[alerts.NotifyReport]:
    """Every process reads, waits for the others, then notifies at once."""
    stores = [backend.reopen() for _ in range(PROCESSES)]
    barrier = threading.Barrier(PROCESSES)

    def tell(store: Store) -> alerts.NotifyReport:
        state = alerts.read_state(store, MCC, settings=SETTINGS, now=now)
        barrier.wait(timeout=60)
        return alerts.notify(store, state, mailer=outbox, webhook=None)

    with ThreadPoolExecutor(PROCESSES) as pool:
        return list(pool.map(tell, stores))


def _alert_entries(store: Store) -> list[tuple[str, str]]:
    return [
        (e.details["kind"], e.details["event"])
        for e in store.client_history(MCC, MCC)
        if e.operation is Operation.ALERT and e.outcome is Outcome.SUCCESS
    ]


def test_of_many_processes_telling_one_condition_exactly_one_claims_and_mails(
    backend: Backend,
) -> None:
    client = backend.store.create_client(
        Client(
            customer(1),
            MCC,
            "Padaria Sol",
            status=LinkStatus.PENDING,
            invited_at=NOW - timedelta(days=3),
        )
    )
    outbox = Outbox()

    fired = _race(backend, NOW, outbox)
    same_day = _race(backend, NOW + timedelta(hours=6), outbox)

    assert sum(len(r.fired) for r in fired) == 1
    assert sum(len(r.fired) for r in same_day) == 0
    assert len(outbox.sent) == 1
    assert _alert_entries(backend.store) == [("pending_overdue", "alert.pending_overdue")]

    backend.store.update_client(client.evolve(status=LinkStatus.APPROVED))
    resolved = _race(backend, NOW + timedelta(hours=7), outbox)

    assert sum(len(r.resolved) for r in resolved) == 1
    assert len(outbox.sent) == 2
    assert outbox.sent[1].subject.endswith("resolved: Invitations pending too long")
    state = alerts.read_state(backend.store, MCC, settings=SETTINGS, now=NOW + timedelta(hours=8))
    notice = state.notices[AlertKind.PENDING_OVERDUE]
    assert notice.resolved_at == NOW + timedelta(hours=7)
    assert state.alerts == ()
