"""The dashboard's history page: the MCC's history, newest first, narrowed by who acted, what
was done and since which day.

The actor filter is the API's (``GET /api/v1/history?actor=``, ``search.actor_matches``):
a part of the actor, case and accents aside, so ``ana@`` finds ``user:ana@agencia.com.br``
and the tokens she owns. The page lists the newest ``HISTORY_LIMIT`` matches and says how
many there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mcclink.domain import HistoryEntry, Operation, utcnow
from mcclink.errors import InputError
from mcclink.search import actor_matches, actor_query
from mcclink.web.api import DEFAULT_HISTORY_WINDOW
from mcclink.web.deps import PageManager
from mcclink.web.pages import Built
from mcclink.web.roles import Viewer
from mcclink.web.views import render

router = APIRouter(include_in_schema=False)

#: Entries shown at most (narrow the filters to see the others).
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class HistoryFilter:
    """What the history page shows: entries from ``since`` on, of one operation (or any),
    whose actor contains ``actor`` (``search.actor_matches``; empty: anyone)."""

    since: date
    actor: str = ""
    operation: Operation | None = None

    @classmethod
    def parse(cls, actor: str, operation: str, since: str, today: date) -> HistoryFilter:
        """The filter from the page's query; an empty ``since`` means the API's default
        window (a week) before ``today``.

        Raises:
            InputError: an unknown operation, ``since`` is not a YYYY-MM-DD date, or the
                actor is longer than any actor can be.
        """
        return cls(
            since=_day(since) if since.strip() else today - DEFAULT_HISTORY_WINDOW,
            actor=actor_query(actor),
            operation=_operation(operation) if operation.strip() else None,
        )

    @property
    def start(self) -> datetime:
        """The first moment shown: midnight UTC of ``since``."""
        return datetime.combine(self.since, time(), UTC)

    def matches(self, entry: HistoryEntry) -> bool:
        """True when ``entry`` passes the actor and operation filters."""
        return (self.operation is None or entry.operation is self.operation) and actor_matches(
            entry.actor, self.actor
        )


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(f"since {raw!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-01") from None


def _operation(raw: str) -> Operation:
    try:
        return Operation(raw.strip().upper())
    except ValueError:
        known = ", ".join(o.value for o in Operation)
        raise InputError(f"unknown operation {raw!r}: use one of {known}") from None


@router.get("/history")
def history_page(
    request: Request,
    principal: Viewer,
    built: Built,
    mcc: PageManager,
    actor: str = "",
    operation: str = "",
    since: str = "",
) -> Response:
    """The manager's history, newest first, filtered by actor, operation and day."""
    now = utcnow()
    wanted = HistoryFilter.parse(actor, operation, since, now.date())
    entries = built.store.history_between(wanted.start, now + timedelta(seconds=1), mcc)
    matches = [e for e in entries if wanted.matches(e)]
    matches.reverse()  # the store gives them oldest first
    return render(
        request,
        "history.html",
        entries=matches[:HISTORY_LIMIT],
        total=len(matches),
        filter=wanted,
        operations=list(Operation),
        mcc=mcc,
    )
