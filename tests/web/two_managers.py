"""Two managers' clients and answers, written straight into a store, with figures worked out
by hand (the web tests of the manager switcher and ``stats --all``, the CLI's e2e test).

- ``root`` (the server's MCC): Padaria accepted after 2 h. 1 answer, 100 %.
- ``OTHER`` (clients in the store only, configured nowhere): Açaí accepted after 4 h; Oficina,
  Farmácia and Livraria refused; Salão invited an hour ago (pending). 4 answers, 25 %.
- Together: 2 accepted of 5 answers = 40 % (the mean of the two rates, 62.5 %, would be
  wrong); mean time to acceptance (2 h + 4 h) / 2 = 3 h; 6 clients.
- ``SUB`` is configured (``MCC_CUSTOMER_IDS``) and has no clients.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mcclink.domain import (
    Client,
    CustomerId,
    HistoryEntry,
    LinkStatus,
    Operation,
    Outcome,
    utcnow,
)
from mcclink.ports import Store

OTHER = CustomerId.parse("555-000-0001")
SUB = CustomerId.parse("555-000-0002")
PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")
SALAO = CustomerId.parse("777-888-9999")
REFUSED = {
    CustomerId.parse("333-444-5555"): "Oficina do Zé",
    CustomerId.parse("444-555-6666"): "Farmácia Bem-Estar",
    CustomerId.parse("666-777-8888"): "Livraria Saber",
}
#: The sum's acceptance rate, mean time to acceptance in seconds, and clients.
TOTAL_RATE, TOTAL_MEAN_S, TOTAL_CLIENTS = 0.4, 3 * 3600.0, 6


def _answered(
    store: Store,
    mcc: CustomerId,
    cid: CustomerId,
    name: str,
    invited: datetime,
    answer: LinkStatus | None,
    after: timedelta = timedelta(hours=1),
) -> None:
    """``name`` registered and invited at ``invited``, answered ``answer`` ``after`` it."""
    status = answer or LinkStatus.PENDING
    answered = invited + after
    store.create_client(
        Client(
            cid,
            mcc,
            name,
            status=status,
            invited_at=invited,
            status_changed_at=answered if answer else invited,
        ),
        HistoryEntry(
            cid,
            mcc,
            Operation.INVITE,
            Outcome.SUCCESS,
            LinkStatus.NOT_LINKED,
            LinkStatus.PENDING,
            timestamp=invited,
        ),
    )
    if answer is not None:
        store.append_history(
            HistoryEntry(
                cid,
                mcc,
                Operation.SYNC,
                Outcome.SUCCESS,
                LinkStatus.PENDING,
                answer,
                timestamp=answered,
            )
        )


def seed(store: Store, root: CustomerId) -> None:
    """The two managers' clients and history (see the module's docstring)."""
    day = utcnow() - timedelta(days=3)
    _answered(
        store, root, PADARIA, "Padaria São João", day, LinkStatus.APPROVED, timedelta(hours=2)
    )
    _answered(store, OTHER, ACAI, "Açaí & Cia", day, LinkStatus.APPROVED, timedelta(hours=4))
    for cid, name in REFUSED.items():
        _answered(store, OTHER, cid, name, day, LinkStatus.REJECTED)
    _answered(store, OTHER, SALAO, "Salão Beleza Pura", utcnow() - timedelta(hours=1), None)
