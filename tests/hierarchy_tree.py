"""An agency's tree on the emulator, for the hierarchy tests (adapter, CLI, API, dashboard)::

    ROOT 100-000-0000
    ├── SUB_A 100-000-0001 ......... invited PENDING_A (no answer yet)
    │   └── SUB_A1 100-000-0011
    │       └── DEEP 333-444-5555
    ├── SUB_B 100-000-0002
    │   └── ACAI 222-333-4444
    ├── CLOSED_SUB 100-000-0003 .... CANCELED: Google answers CUSTOMER_NOT_ENABLED
    │   └── LOST 444-555-6666
    ├── PADARIA 111-222-3333 ....... hidden by ROOT
    └── SANDBOX 999-000-1111 ....... a test account
    ROOT invited PENDING_ROOT 777-888-9999.
    OTHER_MCC 100-000-0099 ......... another agency's manager, outside the tree; NEWCOMER
    123-123-1234 is no one's client yet.

The emulator's own OAuth user cannot open SUB_A directly (``accessible`` false): only a walk
logged in as ROOT reads it.
"""

from __future__ import annotations

import json

from mcclink.domain import CustomerId
from mcclink.emulator import Emulator, Scenario

ROOT = CustomerId.parse("100-000-0000")
SUB_A = CustomerId.parse("100-000-0001")
SUB_A1 = CustomerId.parse("100-000-0011")
SUB_B = CustomerId.parse("100-000-0002")
CLOSED_SUB = CustomerId.parse("100-000-0003")
PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")
DEEP = CustomerId.parse("333-444-5555")
LOST = CustomerId.parse("444-555-6666")
SANDBOX = CustomerId.parse("999-000-1111")
PENDING_A = CustomerId.parse("888-999-0000")
PENDING_ROOT = CustomerId.parse("777-888-9999")
OTHER_MCC = CustomerId.parse("100-000-0099")
NEWCOMER = CustomerId.parse("123-123-1234")

TREE = Scenario.from_json(
    json.dumps(
        {
            "managers": [
                {"id": ROOT.digits, "name": "Agência Raiz"},
                {
                    "id": SUB_A.digits,
                    "name": "Time São Paulo",
                    "managed_by": ROOT.digits,
                    "accessible": False,
                },
                {"id": SUB_A1.digits, "name": "Time Campinas", "managed_by": SUB_A.digits},
                {"id": SUB_B.digits, "name": "Time Lisboa", "managed_by": ROOT.digits},
                {
                    "id": CLOSED_SUB.digits,
                    "name": "Time Encerrado",
                    "managed_by": ROOT.digits,
                    "status": "CANCELED",
                },
                {"id": OTHER_MCC.digits, "name": "Outra Agência"},
            ],
            "clients": [
                {"id": PADARIA.digits, "name": "Padaria", "linked_to": [ROOT.digits]},
                {"id": SANDBOX.digits, "name": "Sandbox", "test_account": True},
                {"id": ACAI.digits, "name": "Açaí", "linked_to": [SUB_B.digits]},
                {"id": DEEP.digits, "name": "Oficina", "linked_to": [SUB_A1.digits]},
                {"id": LOST.digits, "name": "Perdida", "linked_to": [CLOSED_SUB.digits]},
                {"id": PENDING_A.digits, "name": "Convidada A", "invited_by": [SUB_A.digits]},
                {"id": PENDING_ROOT.digits, "name": "Convidada", "invited_by": [ROOT.digits]},
                {"id": NEWCOMER.digits, "name": "Sorveteria"},
            ],
        }
    ),
    source="tests/hierarchy_tree",
)


def load_tree(emu: Emulator) -> None:
    """Reset ``emu`` to ``TREE`` and add what a scenario cannot say: a hidden link and a test
    account under a production root."""
    emu.reset(TREE)
    state = emu.state
    with state.lock:
        # The test manager may only link test accounts: SANDBOX is linked here directly.
        state.add_link(ROOT.digits, SANDBOX.digits, "ACTIVE")
        link = state.newest_link(ROOT.digits, PADARIA.digits)
        assert link is not None
        link.hidden = True
