"""A November of invitations for the Reports page's tests: a known history in the store.

Written straight to the store (as the service would have written it, dated in November 2026
in America/Sao_Paulo) so the period is fixed, whatever day the tests run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from mcclink.domain import (
    Client,
    CustomerId,
    HistoryEntry,
    LastError,
    LinkStatus,
    Operation,
    Outcome,
)
from mcclink.onboarding import OnboardingEvent, OnboardingLink
from mcclink.ports import Store

PERIOD = "2026-11"
TOO_MANY = "CustomerClientLinkError.CLIENT_HAS_TOO_MANY_MANAGERS"


@dataclass(frozen=True)
class Invitation:
    """One advertiser's November: invited on ``day`` at 10:00 local time, then ``answer``
    (``accept`` / ``refuse`` / ``cancel``, or None: still pending) ``after`` days later."""

    customer_id: str
    name: str
    day: int
    answer: str | None
    after: float = 0


INVITATIONS = (
    Invitation("111-222-3333", "Padaria São João", 2, "accept", 0.2),
    Invitation("222-333-4444", "Açaí & Cia", 3, "refuse", 1.2),
    Invitation("333-444-5555", "Oficina do Zé", 3, "accept", 0.5),
    Invitation("444-555-6666", "Farmácia Bem-Estar", 5, "accept", 2),
    Invitation("666-777-8888", "Livraria Saber", 6, "accept", 0.1),
    Invitation("777-888-9999", "Salão Beleza Pura", 9, "cancel", 4),
    Invitation("888-999-1111", "Churrascaria Gaúcha", 10, "accept", 5),
    Invitation("999-111-2222", "Sorveteria Polar", 12, "accept", 1.5),
    Invitation("123-123-1234", "Pet Shop Amigo Fiel", 12, "refuse", 3),
    Invitation("234-234-2345", "Academia Corpo Livre", 16, "accept", 0.4),
    Invitation("345-345-3456", "Floricultura Girassol", 17, "accept", 9),
    Invitation("456-456-4567", "Ótica Visão Clara", 19, None),
    Invitation("567-567-5678", "Doceria Brigadeiro", 23, "accept", 0.8),
    Invitation("678-678-6789", "Lavanderia Bolha", 24, None),
    Invitation("789-789-7890", "Mercadinho Esquina", 26, "refuse", 0.5),
    Invitation("890-890-8901", "Papelaria Lápis de Cor", 28, None),
)
#: Invitations Google refused to send (a manager too many), on these days.
FAILED = (("901-901-9012", "Bicicletaria Pedal", 18),)
#: Onboarding links made in November (on these days) and how far each advertiser went:
#: 6 created, 5 opened, 4 signed in, 3 accepted.
LINKS = (
    (4, (OnboardingEvent.OPENED, OnboardingEvent.SIGNED_IN, OnboardingEvent.ACCEPTED)),
    (8, (OnboardingEvent.OPENED, OnboardingEvent.SIGNED_IN, OnboardingEvent.ACCEPTED)),
    (11, (OnboardingEvent.OPENED, OnboardingEvent.SIGNED_IN, OnboardingEvent.ACCEPTED)),
    (15, (OnboardingEvent.OPENED, OnboardingEvent.SIGNED_IN)),
    (20, (OnboardingEvent.OPENED,)),
    (25, ()),
)


def local(day: int, hours: float = 0) -> datetime:
    """10:00 in São Paulo (13:00 UTC) on November ``day``, plus ``hours``."""
    return datetime(2026, 11, day, 13, tzinfo=UTC) + timedelta(hours=hours)


def write_november(store: Store, mcc: CustomerId) -> None:
    """Every invitation of ``INVITATIONS`` and ``FAILED`` with its history, and ``LINKS``."""
    for plan in INVITATIONS:
        client = _register(store, mcc, plan.customer_id, plan.name, local(plan.day, -1))
        client = _change(store, client, Operation.INVITE, LinkStatus.PENDING, local(plan.day))
        if plan.answer is not None:
            operation, status = {
                "accept": (Operation.SYNC, LinkStatus.APPROVED),
                "refuse": (Operation.SYNC, LinkStatus.REJECTED),
                "cancel": (Operation.CANCEL, LinkStatus.CANCELLED),
            }[plan.answer]
            _change(store, client, operation, status, local(plan.day, plan.after * 24))
    for cid, name, day in FAILED:
        client = _register(store, mcc, cid, name, local(day, -1))
        error = LastError(TOO_MANY, "the client has too many managers")
        entry = _entry(client, Operation.INVITE, LinkStatus.NOT_LINKED, local(day))
        failed = replace(entry, outcome=Outcome.FAILED, error_code=TOO_MANY)
        store.update_client(client.evolve(last_error=error, updated_at=local(day)), failed)
    for number, (day, events) in enumerate(LINKS):
        link = OnboardingLink(
            f"link{number}", mcc, None, f"{number:064x}", local(day), local(day, 7 * 24), "test"
        )
        store.create_onboarding_link(link)
        for event in events:
            store.count_onboarding_event(link.id, event)


def _register(store: Store, mcc: CustomerId, cid: str, name: str, at: datetime) -> Client:
    client = Client(
        CustomerId.parse(cid), mcc, name, created_at=at, updated_at=at, status_changed_at=at
    )
    return store.create_client(client, _entry(client, Operation.REGISTER, None, at))


def _change(
    store: Store, client: Client, operation: Operation, status: LinkStatus, at: datetime
) -> Client:
    entry = _entry(client, operation, status, at)
    invited = at if status is LinkStatus.PENDING else client.invited_at
    changed = client.evolve(status=status, status_changed_at=at, invited_at=invited, updated_at=at)
    return store.update_client(changed, entry)


def _entry(
    client: Client, operation: Operation, after: LinkStatus | None, at: datetime
) -> HistoryEntry:
    before = None if operation is Operation.REGISTER else client.status
    return HistoryEntry(
        client.customer_id,
        client.mcc_customer_id,
        operation,
        Outcome.SUCCESS,
        status_before=before,
        status_after=after or LinkStatus.NOT_LINKED,
        actor="test",
        timestamp=at,
    )
