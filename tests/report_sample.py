"""A store with a known November 2026 for the report's CLI and API tests.

Four clients of ``MCC`` (times in UTC; the agency's zone, America/Sao_Paulo, is UTC-3):

- Padaria Sol: invited 2 Nov 13:00, accepted 4 Nov 15:00.
- ``=HYPERLINK(...)``: a name a spreadsheet would run as a formula; invited 10 Nov 12:00,
  still pending at the end of November.
- Lua Café: invited 5 Nov 12:00, refused 8 Nov 12:00.
- Açaí & Cia: its invitation failed on 6 Nov 12:00 (too many managers).
"""

from __future__ import annotations

from datetime import UTC, datetime

from mcclink.domain import Client, CustomerId, HistoryEntry, LastError, LinkStatus, Operation
from mcclink.domain import Outcome as Out
from mcclink.ports import Store

MCC = CustomerId.parse("123-456-7890")
PERIOD = "2026-11"
SOL = CustomerId.parse("111-222-3333")
FORMULA = CustomerId.parse("222-333-4444")
LUA = CustomerId.parse("444-555-6666")
ACAI = CustomerId.parse("333-444-5555")
FORMULA_NAME = '=HYPERLINK("http://x","y")'
TOO_MANY = "ManagerLinkError.TOO_MANY_MANAGERS"
NAMES = {SOL: "Padaria Sol", FORMULA: FORMULA_NAME, LUA: "Lua Café", ACAI: "Açaí & Cia"}

P, N = LinkStatus.PENDING, LinkStatus.NOT_LINKED


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def seed_november(store: Store, mcc: CustomerId = MCC) -> None:
    """Register the four clients under ``mcc`` and write their November history."""
    now = {
        SOL: (LinkStatus.APPROVED, _at(2, 13), None),
        FORMULA: (P, _at(10, 12), None),
        LUA: (LinkStatus.REJECTED, _at(5, 12), None),
        ACAI: (N, None, LastError(TOO_MANY, "a client can have at most 5 managers")),
    }
    for cid, (status, invited, error) in now.items():
        store.create_client(
            Client(
                cid,
                mcc,
                NAMES[cid],
                status=status,
                invited_at=invited,
                last_error=error,
                created_at=_at(1, 12),
            ),
            HistoryEntry(cid, mcc, Operation.REGISTER, Out.SUCCESS, timestamp=_at(1, 12)),
        )
    entries = [
        (SOL, Operation.INVITE, Out.SUCCESS, N, P, _at(2, 13)),
        (SOL, Operation.SYNC, Out.SUCCESS, P, LinkStatus.APPROVED, _at(4, 15)),
        (LUA, Operation.INVITE, Out.SUCCESS, N, P, _at(5, 12)),
        (ACAI, Operation.INVITE, Out.FAILED, N, N, _at(6, 12)),
        (LUA, Operation.SYNC, Out.SUCCESS, P, LinkStatus.REJECTED, _at(8, 12)),
        (FORMULA, Operation.INVITE, Out.SUCCESS, N, P, _at(10, 12)),
    ]
    for cid, operation, outcome, before, after, at in entries:
        failed = outcome is Out.FAILED
        store.append_history(
            HistoryEntry(
                cid,
                mcc,
                operation,
                outcome,
                before,
                after,
                error_code=TOO_MANY if failed else None,
                error_message="a client can have at most 5 managers" if failed else None,
                actor="cli:ana",
                timestamp=at,
            )
        )
