"""Several managers in the dashboard and the REST API (issue #17, item 5): the switcher,
every page and API route on the chosen manager (``mcc=``), ``GET /api/v1/managers``, and the
stats of each manager and of all of them summed. On SQLite and on DynamoDB (moto)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, LinkStatus
from mcclink.emulator import Emulator
from mcclink.emulator.model import Account
from mcclink.web.app import create_app
from mcclink.web.security import WebSettings
from mcclink.web.views import MANAGER_COOKIE
from tests.web.conftest import api_and_page, csrf_token
from tests.web.two_managers import (
    ACAI,
    OTHER,
    PADARIA,
    SALAO,
    SUB,
    TOTAL_CLIENTS,
    TOTAL_MEAN_S,
    TOTAL_RATE,
    seed,
)

UNKNOWN = CustomerId.parse("999-888-7777")


@dataclass
class Served:
    """The app over two managers' seeded store: its container, an API client with the
    bearer token and a page client signed in."""

    container: Container
    api: TestClient
    page: TestClient

    @property
    def root(self) -> CustomerId:
        return self.container.mcc


@pytest.fixture
def served(each_store_env: dict[str, str]) -> Iterator[Served]:
    env = {**each_store_env, "MCC_CUSTOMER_IDS": f" {SUB}, {SUB.digits} "}
    container = Container(environ=env, actor="cli:ana")
    seed(container.store, container.mcc)
    app = create_app(container, WebSettings.from_env(env))
    with api_and_page(app) as (api, page):
        yield Served(container, api, page)
    container.close()


def _history(served: Served, mcc: CustomerId) -> list[tuple[str, str]]:
    found = served.api.get("/api/v1/history", params={"mcc": mcc.dashed, "since": "2000-01-01"})
    assert found.status_code == 200, found.text
    return [(e["customer_id"], e["operation"]) for e in found.json()]


# -- the API -------------------------------------------------------------------------------


def test_managers_lists_the_configured_ones_then_the_stores_with_their_counts(
    served: Served,
) -> None:
    answer = served.api.get("/api/v1/managers")

    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["mcc_customer_id"] for i in items] == [served.root.digits, SUB.digits, OTHER.digits]
    assert [(i["default"], i["configured"]) for i in items] == [
        (True, True),
        (False, True),
        (False, False),
    ]
    assert [i["total"] for i in items] == [1, 0, 5]
    assert items[0]["by_status"]["APPROVED"] == 1
    assert items[2]["by_status"] == {
        **{s.value: 0 for s in LinkStatus},
        "APPROVED": 1,
        "REJECTED": 3,
        "PENDING": 1,
    }


def test_stats_of_all_managers_take_the_rate_from_the_summed_answers(served: Served) -> None:
    answer = served.api.get("/api/v1/stats", params={"scope": "all"})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    rows = {row["mcc_customer_id"]: row for row in body["managers"]}
    assert list(rows) == [served.root.digits, SUB.digits, OTHER.digits]
    assert rows[served.root.digits]["acceptance_rate"] == 1.0
    assert rows[SUB.digits]["acceptance_rate"] is None
    assert rows[OTHER.digits]["acceptance_rate"] == 0.25
    total = body["total"]
    assert (total["accepted"], total["refused"]) == (2, 3)
    assert total["acceptance_rate"] == TOTAL_RATE  # not (1.0 + 0.25) / 2
    assert total["mean_time_to_acceptance_s"] == TOTAL_MEAN_S
    assert total["total"] == TOTAL_CLIENTS
    assert total["managers"] == 3
    assert total["by_status"]["APPROVED"] == 2
    assert total["by_status"]["REJECTED"] == 3
    assert total["pending"] == 1
    one = served.api.get("/api/v1/stats", params={"mcc": OTHER.dashed}).json()
    assert one == rows[OTHER.digits]
    assert served.api.get("/api/v1/stats").json() == rows[served.root.digits]


def test_scope_all_with_a_manager_is_refused_naming_both(served: Served) -> None:
    answer = served.api.get("/api/v1/stats", params={"scope": "all", "mcc": OTHER.digits})

    assert answer.status_code == 422
    assert "scope=all covers every manager" in answer.json()["detail"]


def test_every_read_route_reads_the_manager_mcc_names(served: Served) -> None:
    api, other = served.api, {"mcc": OTHER.digits}

    listed = api.get("/api/v1/clients", params=other).json()["items"]
    one = api.get(f"/api/v1/clients/{ACAI.digits}", params=other)
    links = api.get(f"/api/v1/clients/{ACAI.digits}/onboarding-links", params=other)
    client_history = api.get(f"/api/v1/clients/{ACAI.digits}/history", params=other)
    alerts = api.get("/api/v1/alerts", params=other)
    last_run = api.get("/api/v1/monitor/last-run", params=other)

    assert [c["customer_id"] for c in listed] == [
        ACAI.digits,
        "3334445555",
        "4445556666",
        "6667778888",
        SALAO.digits,
    ]
    assert one.status_code == links.status_code == client_history.status_code == 200
    assert one.json()["mcc_customer_id"] == OTHER.digits
    assert [e["status_after"] for e in client_history.json()] == ["APPROVED", "PENDING"]
    assert alerts.status_code == 200, alerts.text
    assert last_run.status_code == 200
    assert last_run.json() is None
    assert ("2223334444", "SYNC") in _history(served, OTHER)
    assert ("2223334444", "SYNC") not in _history(served, served.root)
    # Without mcc=, the server's MCC: Açaí is not one of its clients.
    assert api.get(f"/api/v1/clients/{ACAI.digits}").status_code == 404
    assert [c["customer_id"] for c in api.get("/api/v1/clients").json()["items"]] == [
        PADARIA.digits
    ]


def test_the_write_routes_act_on_the_manager_mcc_names(
    served: Served, fresh_emulator: Emulator
) -> None:
    api, store = served.api, served.container.store
    newcomer = CustomerId.parse("888-999-0000")
    # SUB has no client yet, so its first registration asks Google whether it is a manager.
    with fresh_emulator.state.lock:
        fresh_emulator.state.add_account(Account(SUB.digits, "Filial", manager=True))
        fresh_emulator.state.add_link(served.root.digits, SUB.digits, "ACTIVE")

    made = api.post(
        "/api/v1/clients",
        params={"mcc": SUB.dashed},
        json={"customer_id": newcomer.dashed, "name": "Sorveteria Polo", "invite": False},
    )
    imported = api.post(
        "/api/v1/imports",
        params={"mcc": OTHER.digits},
        files={"file": ("more.csv", b"customer_id,name\n101-202-3030,Pet Shop Amigo\n")},
    )
    link = api.post(f"/api/v1/clients/{ACAI.digits}/onboarding-links", params={"mcc": OTHER.digits})
    link_id = link.json()["id"]
    wrong_manager = api.delete(f"/api/v1/onboarding-links/{link_id}")
    revoked = api.delete(f"/api/v1/onboarding-links/{link_id}", params={"mcc": OTHER.digits})
    archived = api.delete(f"/api/v1/clients/{newcomer.digits}", params={"mcc": SUB.digits})

    assert made.status_code == 201, made.text
    assert made.json()["mcc_customer_id"] == SUB.digits
    assert (newcomer.digits, "REGISTER") in _history(served, SUB)
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == 1
    assert store.get_client(OTHER, CustomerId.parse("101-202-3030")) is not None
    assert store.get_client(served.root, CustomerId.parse("101-202-3030")) is None
    assert link.status_code == 201, link.text
    stored = store.get_onboarding_link(link_id)
    assert stored is not None
    assert stored.mcc_customer_id == OTHER
    assert wrong_manager.status_code == 404
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["state"] == "revoked"
    assert archived.status_code == 204, archived.text
    assert store.get_client(SUB, newcomer) is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/clients"),
        ("GET", "/api/v1/stats"),
        ("GET", "/api/v1/history"),
        ("POST", "/api/v1/clients"),
    ],
)
def test_an_unknown_manager_is_a_422_naming_the_managers_and_nothing_is_written(
    served: Served, method: str, path: str
) -> None:
    before = [c.customer_id for c in served.container.store.list_clients(UNKNOWN)]
    body = {"customer_id": "888-999-0000", "name": "Sorveteria Polo", "invite": False}

    answer = served.api.request(
        method, path, params={"mcc": UNKNOWN.dashed}, json=body if method == "POST" else None
    )
    malformed = served.api.request(method, path, params={"mcc": "12-34"})

    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert f"manager {UNKNOWN} is not one this server acts for" in detail
    assert f"{served.root}, {SUB}, {OTHER}" in detail
    assert "MCC_CUSTOMER_IDS" in detail
    assert malformed.status_code == 422
    assert "12-34" in malformed.json()["detail"]
    assert [c.customer_id for c in served.container.store.list_clients(UNKNOWN)] == before == []


# -- the dashboard -------------------------------------------------------------------------


def _selected(html: str) -> str:
    """The manager the switcher shows as chosen."""
    found = re.search(r'<option value="(\d{10})" selected>', html)
    assert found, "no manager chosen in the switcher"
    return found.group(1)


def test_the_switcher_lists_the_managers_and_goes_back_to_the_same_page(served: Served) -> None:
    dashboard = served.page.get("/").text
    client_page = served.page.get(f"/clients/{PADARIA.digits}").text

    options = re.findall(r'<option value="(\d{10})"', dashboard)
    assert options == [served.root.digits, SUB.digits, OTHER.digits]
    assert _selected(dashboard) == served.root.digits
    assert '<form class="manager-switch" method="get" action="/">' in dashboard
    # From one client's page the switcher leads to the other manager's clients list.
    assert '<form class="manager-switch" method="get" action="/clients">' in client_page
    assert 'href="/managers"' in dashboard


def test_every_page_acts_on_the_manager_of_its_url_and_the_browser_remembers_it(
    served: Served,
) -> None:
    page = served.page
    chosen = page.get("/", params={"mcc": OTHER.dashed})

    assert chosen.status_code == 200
    assert _selected(chosen.text) == OTHER.digits
    assert f'Manager account <span class="mono">{OTHER}</span>' in chosen.text
    assert page.cookies.get(MANAGER_COOKIE) == OTHER.digits
    # The next pages, without mcc= in their URL, stay on that manager.
    clients = page.get("/clients").text
    assert "Açaí &amp; Cia" in clients
    assert "Padaria" not in clients
    assert "Açaí &amp; Cia" in page.get(f"/clients/{ACAI.digits}").text
    assert page.get(f"/clients/{PADARIA.digits}").status_code == 404
    for path in ("/history", "/reports", "/import", "/clients"):
        shown = page.get(path)
        assert shown.status_code == 200, (path, shown.text)
        assert _selected(shown.text) == OTHER.digits, path
    assert "2223334444" in page.get("/history", params={"since": "2000-01-01"}).text
    # mcc= of a URL wins over the remembered choice, and is remembered in turn.
    back = page.get("/clients", params={"mcc": served.root.digits}).text
    assert "Padaria" in back
    assert "Açaí" not in back
    assert page.cookies.get(MANAGER_COOKIE) == served.root.digits


def test_a_page_form_posts_to_the_chosen_manager(served: Served) -> None:
    page, store = served.page, served.container.store
    shown = page.get("/import", params={"mcc": OTHER.digits})
    csv = b"customer_id,name\n101-202-3030,Pet Shop Amigo\n"

    preview = page.post(
        "/import",
        data={"csrf_token": csrf_token(shown.text)},
        files={"file": ("more.csv", csv, "text/csv")},
    )
    done = page.post(
        "/import/confirm",
        data={
            "csrf_token": csrf_token(shown.text),
            "filename": "more.csv",
            "content": csv.decode(),
        },
        follow_redirects=False,
    )

    assert preview.status_code == 200
    assert "Pet Shop Amigo" in preview.text
    assert done.status_code == 303, done.text
    assert store.get_client(OTHER, CustomerId.parse("101-202-3030")) is not None
    assert store.get_client(served.root, CustomerId.parse("101-202-3030")) is None


def test_an_unknown_manager_is_a_422_page_naming_the_managers(served: Served) -> None:
    answer = served.page.get("/clients", params={"mcc": UNKNOWN.digits})

    assert answer.status_code == 422
    assert f"manager {UNKNOWN} is not one this server acts for" in answer.text
    assert f"{served.root}, {SUB}, {OTHER}" in answer.text
    assert MANAGER_COOKIE not in served.page.cookies


def test_a_remembered_manager_that_is_gone_falls_back_to_the_mcc(served: Served) -> None:
    served.page.cookies.set(MANAGER_COOKIE, UNKNOWN.digits)

    shown = served.page.get("/")

    assert shown.status_code == 200
    assert _selected(shown.text) == served.root.digits


def test_all_managers_page_has_a_row_each_and_the_sum_from_the_answers(served: Served) -> None:
    html = served.page.get("/managers").text

    rows = re.findall(
        r"<tr>\s*<td data-label=\"Manager\"><a class=\"mono\" href=\"/\?mcc=(\d+)\"", html
    )
    assert rows == [served.root.digits, SUB.digits, OTHER.digits]
    rates = re.findall(r'data-label="Acceptance rate">([^<]*)<', html)
    assert [r.strip() for r in rates] == ["100%", "—", "25%", "40%"]
    assert "(2 of 5)" in html
    assert re.search(r'data-label="Mean time to acceptance">3 h<', html)
