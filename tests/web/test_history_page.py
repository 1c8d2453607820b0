"""The dashboard's history page (``/history``): the MCC's history, newest first, filtered by
who acted (a part of the actor, any case), the operation and the first day (issue #16)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, HistoryEntry, Operation, Outcome, utcnow
from mcclink.service import Registration
from mcclink.web import history_page

PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")
LOJA = CustomerId.parse("333-444-5555")
ANA = "user:ana@agencia.com.br"
CI = "token:ci (bia@agencia.com.br)"


@pytest.fixture
def three_actors(web_container: Container) -> Container:
    """Ana registers Padaria, Bia's ci token registers Açaí and invites nobody, the CLI
    registers Loja; Ana then invites Padaria."""
    mcc = web_container.mcc
    web_container.service_as(ANA).register(mcc, Registration(PADARIA, "Padaria"))
    web_container.service_as(CI).register(mcc, Registration(ACAI, "Açaí"))
    web_container.service_as("cli:carlos").register(mcc, Registration(LOJA, "Loja"))
    web_container.service_as(ANA).invite(mcc, PADARIA)
    return web_container


def _rows(page: str) -> list[tuple[str, str, str]]:
    """(customer id, operation, actor) of each row of the history table, top to bottom."""
    body = page.partition("<tbody>")[2]
    cells = re.compile(
        r'data-label="Client"><(?:a|span) [^>]*>([^<]*)<.*?'
        r'data-label="Operation"><span>(\w+).*?'
        r'data-label="Who"><a [^>]*>([^<]*)</a>',
        re.S,
    )
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        match = cells.search(row)
        assert match, row
        found.append((match[1], match[2], html.unescape(match[3])))
    return found


def _history(client: TestClient, **query: str) -> str:
    response = client.get("/history", params=query)
    assert response.status_code == 200, response.text
    return str(response.text)


def test_the_page_lists_the_mccs_history_newest_first(
    signed_in: TestClient, three_actors: Container
) -> None:
    assert _rows(_history(signed_in)) == [
        (PADARIA.dashed, "INVITE", ANA),
        (LOJA.dashed, "REGISTER", "cli:carlos"),
        (ACAI.dashed, "REGISTER", CI),
        (PADARIA.dashed, "REGISTER", ANA),
    ]


def test_the_actor_filter_keeps_what_that_person_and_their_tokens_did(
    signed_in: TestClient, three_actors: Container
) -> None:
    assert _rows(_history(signed_in, actor="ANA@")) == [
        (PADARIA.dashed, "INVITE", ANA),
        (PADARIA.dashed, "REGISTER", ANA),
    ]
    assert [r[2] for r in _rows(_history(signed_in, actor="agencia.com.br"))] == [ANA, CI, ANA]
    assert _rows(_history(signed_in, actor="token:ci")) == [(ACAI.dashed, "REGISTER", CI)]
    page = _history(signed_in, actor="nobody")
    assert _rows(page) == []
    assert "Nothing matches “nobody”" in html.unescape(page)


def test_the_operation_and_the_day_narrow_it_too(
    signed_in: TestClient, three_actors: Container
) -> None:
    assert _rows(_history(signed_in, operation="invite")) == [(PADARIA.dashed, "INVITE", ANA)]
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    assert _rows(_history(signed_in, since=tomorrow)) == []


def test_the_filters_are_kept_in_the_form_and_each_actor_links_to_its_own_history(
    signed_in: TestClient, three_actors: Container
) -> None:
    page = _history(signed_in, actor="ana@", operation="INVITE")
    assert 'name="actor" value="ana@"' in page
    assert '<option value="INVITE" selected>' in page
    assert "/history?actor=user%3Aana%40agencia.com.br&amp;since=" in page


def test_entries_of_the_mcc_itself_name_no_client(
    signed_in: TestClient, web_container: Container
) -> None:
    mcc = web_container.mcc
    web_container.store.append_history(
        HistoryEntry(mcc, mcc, Operation.MONITOR, Outcome.SUCCESS, actor="monitor")
    )
    assert _rows(_history(signed_in)) == [("the MCC", "MONITOR", "monitor")]


def test_only_the_newest_entries_are_listed_and_the_page_says_so(
    signed_in: TestClient, web_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_page, "HISTORY_LIMIT", 2)
    mcc = web_container.mcc
    for cid in (PADARIA, ACAI, LOJA):
        web_container.service_as(ANA).register(mcc, Registration(cid, "x"))
    page = _history(signed_in)
    assert [r[0] for r in _rows(page)] == [LOJA.dashed, ACAI.dashed]
    assert "Showing the newest 2 of 3 entries" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "yesterday"}, "since 'yesterday' is not a date: use YYYY-MM-DD"),
        ({"since": "2026-02-30"}, "since '2026-02-30' is not a date"),
        ({"operation": "DELETE"}, "unknown operation 'DELETE': use one of REGISTER, INVITE"),
        ({"actor": "a" * 301}, "the actor filter has 301 characters: an actor has at most 300"),
    ],
)
def test_a_bad_filter_is_a_422_page_that_names_it(
    signed_in: TestClient, query: dict[str, str], message: str
) -> None:
    response = signed_in.get("/history", params=query)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
