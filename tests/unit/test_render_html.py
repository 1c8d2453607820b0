"""The HTML report from a real store: values escaped, long lists cut with a note."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome
from mcclink.ports import Store
from mcclink.reports.metrics import build_report
from mcclink.reports.periods import Period
from mcclink.reports.render import CSP, MAX_ROWS, report_html

MCC = CustomerId.parse("123-456-7890")
NOVEMBER = Period.parse("2026-11", ZoneInfo("America/Sao_Paulo"))


def _invite(store: Store, n: int, name: str, at: datetime) -> None:
    cid = CustomerId(f"{2_000_000_000 + n:010d}")
    store.create_client(
        Client(cid, MCC, name, status=LinkStatus.PENDING, invited_at=at, created_at=at)
    )
    store.append_history(
        HistoryEntry(
            cid,
            MCC,
            Operation.INVITE,
            Outcome.SUCCESS,
            LinkStatus.NOT_LINKED,
            LinkStatus.PENDING,
            timestamp=at,
        )
    )


def test_names_and_the_agency_are_escaped(store: Store) -> None:
    _invite(store, 1, "<script>alert(1)</script>", datetime(2026, 11, 3, 12, tzinfo=UTC))
    report = build_report(store, MCC, NOVEMBER)

    html = report_html([report], locale="en", agency="Ag & <b>Co</b>")

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Onboarding report 2026-11: Ag &amp; &lt;b&gt;Co&lt;/b&gt;" in html


def test_long_lists_are_cut_with_a_note_saying_where_the_rest_is(store: Store) -> None:
    start = datetime(2026, 11, 2, 12, tzinfo=UTC)
    for n in range(MAX_ROWS + 1):
        _invite(store, n, f"Client {n}", start + timedelta(minutes=n))
    report = build_report(store, MCC, NOVEMBER)
    assert len(report.pending_at_end) == len(report.changes) == MAX_ROWS + 1

    html = report_html([report], locale="en")

    assert f"The oldest {MAX_ROWS} of {MAX_ROWS + 1} pending invitations are shown" in html
    assert f"The first {MAX_ROWS} of {MAX_ROWS + 1} changes are shown" in html
    assert "Client 0<" in html
    assert f"Client {MAX_ROWS}<" not in html  # the newest invitation, last in both lists


def test_the_pages_policy_allows_its_own_stylesheet_and_nothing_else(store: Store) -> None:
    html = report_html([build_report(store, MCC, NOVEMBER)], locale="pt-BR")

    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    style = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    assert policy is not None
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert unescape(policy.group(1)) == CSP
    assert f"style-src 'sha256-{digest}'" in CSP  # a browser applies exactly this stylesheet
    assert CSP.startswith("default-src 'none';")
    assert "<script" not in html
    assert html.count("<style") == 1
