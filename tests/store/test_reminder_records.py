"""Reminders in the stores (SQLite and DynamoDB): the new operations round-trip, one claimer
per step wins, a plan leaves claimed steps out, an unsubscription is recorded once."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest

from mcclink.bootstrap import Container
from mcclink.domain import Client, LinkStatus, Operation, Outcome
from mcclink.emulator.mailbox import Mailbox
from mcclink.errors import HistoryEntryExists, MailRejected, OnboardingLinkInvalid
from mcclink.mail import Mail, Mailer
from mcclink.onboarding import new_link
from mcclink.outbox import is_status_change
from mcclink.ports import Store
from mcclink.reminders import (
    UNSUBSCRIBED,
    RemindReport,
    claim_entry,
    due_step,
    is_unsubscribed,
    parse_steps,
    plan,
    remind,
    unsubscribe,
)
from tests.store.conftest import Backend
from tests.store.records import MCC, NOON, a_client, an_entry, customer

STEPS = parse_steps("1d,3d,7d")

NEW_OPERATIONS = [Operation.REMIND, Operation.UNSUBSCRIBE, Operation.ALERT]


@pytest.mark.parametrize("operation", NEW_OPERATIONS)
def test_reminder_and_alert_entries_round_trip(store: Store, operation: Operation) -> None:
    entry = an_entry(
        a_client(),
        at=NOON,
        operation=operation,
        status_before=LinkStatus.PENDING,
        status_after=LinkStatus.PENDING,
        details={"step": "1", "message_id": "<abc@mcclink>"},
    )

    store.append_history(entry)

    assert list(store.client_history(MCC, customer(1))) == [entry]


@pytest.mark.parametrize("operation", NEW_OPERATIONS)
def test_reminder_and_alert_entries_are_never_status_changes(operation: Operation) -> None:
    entry = an_entry(
        a_client(),
        operation=operation,
        status_before=LinkStatus.NOT_LINKED,
        status_after=LinkStatus.PENDING,
    )

    assert not is_status_change(entry)


# --- the claim: one claimer per (invitation, step) ----------------------------------------


def _pending(n: int = 1) -> Client:
    return a_client(
        n,
        email=f"ads{n}@example.com",
        status=LinkStatus.PENDING,
        manager_link_id=4000 + n,
        invited_at=NOON,
    )


def test_of_many_threads_claiming_one_step_exactly_one_wins(backend: Backend) -> None:
    client = backend.store.create_client(_pending())
    due = due_step(client, 2, STEPS)
    stores = [backend.reopen() for _ in range(6)]
    barrier = threading.Barrier(len(stores))

    def claim(store: Store) -> bool:
        entry = claim_entry(
            due, actor="t", message_id=f"<{uuid.uuid4().hex}@test>", onboarding_link_id="L"
        )
        barrier.wait(timeout=60)
        try:
            store.append_history(entry)
        except HistoryEntryExists:
            return False
        return True

    with ThreadPoolExecutor(len(stores)) as pool:
        won = list(pool.map(claim, stores))

    assert won.count(True) == 1
    history = list(backend.store.client_history(MCC, customer(1)))
    assert [(e.operation, e.id, e.timestamp) for e in history] == [
        (Operation.REMIND, due.claim_id, due.due_at)
    ]


def test_a_plan_leaves_out_claimed_steps_and_keeps_unclaimed_ones(store: Store) -> None:
    first = store.create_client(_pending(1))
    store.create_client(_pending(2))
    store.create_client(replace(_pending(3), status=LinkStatus.APPROVED))
    now = NOON + timedelta(days=1, hours=1)
    store.append_history(
        claim_entry(due_step(first, 1, STEPS), actor="t", message_id="<m>", onboarding_link_id="L")
    )

    due = plan(store, MCC, STEPS, now)

    assert [(d.client.customer_id, d.step) for d in due] == [(customer(2), 1)]


# --- unsubscription ---------------------------------------------------------------------


def _link_for(store: Store, n: int = 1) -> str:
    link, token = new_link(MCC, customer(n), timedelta(days=1), "t", now=NOON)
    store.create_onboarding_link(link)
    return token


def test_unsubscribing_marks_the_client_once_and_stops_its_reminders(store: Store) -> None:
    store.create_client(_pending())
    token = _link_for(store)

    first = unsubscribe(store, token, "web:127.0.0.1", now=NOON + timedelta(hours=1))
    again = unsubscribe(store, token, "web:127.0.0.1")

    assert first == again == store.get_client(MCC, customer(1))
    assert first.attributes[UNSUBSCRIBED].startswith("2026-03-14T13:00:00")
    entries = [e for e in store.client_history(MCC, customer(1))]
    assert [(e.operation, e.actor) for e in entries] == [(Operation.UNSUBSCRIBE, "web:127.0.0.1")]
    assert token not in str(entries[0])
    assert plan(store, MCC, STEPS, NOON + timedelta(days=9)) == []


def test_an_expired_link_still_unsubscribes(store: Store) -> None:
    store.create_client(_pending())
    token = _link_for(store)

    client = unsubscribe(store, token, "t", now=NOON + timedelta(days=30))

    assert is_unsubscribed(client)


def test_concurrent_unsubscriptions_record_one_entry(backend: Backend) -> None:
    backend.store.create_client(_pending())
    token = _link_for(backend.store)
    stores = [backend.reopen() for _ in range(4)]

    with ThreadPoolExecutor(len(stores)) as pool:
        list(pool.map(lambda s: unsubscribe(s, token, "t"), stores))

    entries = list(backend.store.client_history(MCC, customer(1)))
    assert [e.operation for e in entries] == [Operation.UNSUBSCRIBE]


@pytest.mark.parametrize("kind", ["wrong secret", "malformed", "general link", "no client"])
def test_an_unknown_link_unsubscribes_nobody(store: Store, kind: str) -> None:
    store.create_client(_pending())
    token = _link_for(store)
    if kind == "wrong secret":
        token = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    elif kind == "malformed":
        token = "not-a-token"
    elif kind == "general link":
        link, token = new_link(MCC, None, timedelta(days=1), "t")
        store.create_onboarding_link(link)
    else:
        token = _link_for(store, 2)

    with pytest.raises(OnboardingLinkInvalid):
        unsubscribe(store, token, "t")

    assert not is_unsubscribed(store.get_client(MCC, customer(1)) or _pending())
    assert list(store.client_history(MCC, customer(1))) == []


# --- a whole pass: claim, send, record ------------------------------------------------------


class _Refusing:
    """A mailer whose server refuses every message for good."""

    def __init__(self) -> None:
        self.tried: list[Mail] = []

    def send(self, mail: Mail) -> str:
        self.tried.append(mail)
        raise MailRejected("550 5.1.1 mailbox unavailable")

    def close(self) -> None:
        pass


def _mailing(store: Store, mailbox: Mailbox, mailer: Mailer | None = None) -> Container:
    environ = {
        "MCC_CUSTOMER_ID": MCC.digits,
        "MCC_PUBLIC_URL": "https://ads.example.com",
        "MCC_MAIL_URL": mailbox.url,
        "MCC_MAIL_FROM": "ads@agencia.example.com",
        "MCC_REMIND_AT": "1d,3d,7d",
    }
    container = Container(environ=environ, actor="test")
    container.__dict__["store"] = store  # the backend's store (cached_property)
    if mailer is not None:
        container.__dict__["mailer"] = mailer
    return container


def test_monitors_racing_on_one_store_send_one_message_per_step(
    backend: Backend, mailbox: Mailbox
) -> None:
    backend.store.create_client(_pending(1))
    backend.store.create_client(_pending(2))
    containers = [_mailing(backend.reopen(), mailbox) for _ in range(4)]
    barrier = threading.Barrier(len(containers))
    now = NOON + timedelta(days=3, hours=1)

    def run(container: Container) -> RemindReport:
        barrier.wait(timeout=60)
        return remind(container, dry_run=False, now=now)

    with ThreadPoolExecutor(len(containers)) as pool:
        reports = list(pool.map(run, containers))
    for container in containers:
        container.close()

    assert sum(r.count("sent") for r in reports) == 2
    assert sorted(m["To"] for m in mailbox.messages) == ["ads1@example.com", "ads2@example.com"]
    for n in (1, 2):
        claims = [
            e
            for e in backend.store.client_history(MCC, customer(n))
            if e.operation is Operation.REMIND
        ]
        assert [(c.details["step"], c.outcome) for c in claims] == [("2", Outcome.SUCCESS)]
    again = _mailing(backend.store, mailbox)
    assert remind(again, dry_run=False, now=now + timedelta(hours=1)).due == ()
    assert len(mailbox.messages) == 2


def test_a_refused_message_is_recorded_once_and_not_sent_again(
    store: Store, mailbox: Mailbox
) -> None:
    store.create_client(_pending())
    refusing = _Refusing()
    container = _mailing(store, mailbox, refusing)
    now = NOON + timedelta(days=1, hours=1)

    first = remind(container, dry_run=False, now=now)
    second = remind(container, dry_run=False, now=now + timedelta(hours=1))

    assert (first.count("failed"), second.due) == (1, ())
    assert len(refusing.tried) == 1
    failed, claim = list(store.client_history(MCC, customer(1)))
    assert (failed.operation, failed.outcome, failed.error_code) == (
        Operation.REMIND,
        Outcome.FAILED,
        "MAIL_REJECTED",
    )
    assert failed.details["step"] == claim.details["step"] == "1"
    assert (
        failed.details["message_id"] == claim.details["message_id"] == refusing.tried[0].message_id
    )
    assert mailbox.messages == []


def test_a_dry_run_sends_nothing_and_writes_nothing(store: Store, mailbox: Mailbox) -> None:
    store.create_client(_pending())
    container = _mailing(store, mailbox)

    report = remind(container, dry_run=True, now=NOON + timedelta(days=8))

    assert [(d.client.customer_id, d.step) for d in report.due] == [(customer(1), 3)]
    assert report.results == ()
    assert list(store.client_history(MCC, customer(1))) == []
    assert mailbox.messages == []


def test_an_address_mail_cannot_take_is_recorded_once_and_the_pass_goes_on(
    backend: Backend, mailbox: Mailbox
) -> None:
    # Stored before addresses were checked: loaded past the store's checks.
    backend.load([replace(_pending(1), email="ana at padaria", version=1), _pending(2)])
    container = _mailing(backend.store, mailbox)
    now = NOON + timedelta(days=1, hours=1)

    first = remind(container, dry_run=False, now=now)
    second = remind(container, dry_run=False, now=now + timedelta(hours=1))

    assert sorted((r.due.client.customer_id, r.outcome) for r in first.results) == [
        (customer(1), "failed"),
        (customer(2), "sent"),
    ]
    assert second.due == ()
    assert [m["To"] for m in mailbox.messages] == ["ads2@example.com"]
    failed, claim = list(backend.store.client_history(MCC, customer(1)))
    assert (failed.outcome, failed.error_code) == (Outcome.FAILED, "MAIL_REJECTED")
    assert "not an e-mail address" in (failed.error_message or "")
    assert claim.outcome is Outcome.SUCCESS
