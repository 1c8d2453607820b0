"""A manager whose last client moved to another manager stays one the server acts for (its
history in the store makes it known: ``managers.Directory``), and a monitor cycle under an
account that is no manager is bad input with nothing recorded. The real app over the
emulator serving a tree, on SQLite and on DynamoDB (moto)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, utcnow
from mcclink.emulator import Emulator, Scenario
from mcclink.web.app import create_app
from mcclink.web.security import WebSettings
from tests.web.conftest import api_and_page, csrf_token

MCC = CustomerId.parse("123-456-7890")  # the emulator's first manager: the app's MCC
LEFT = CustomerId.parse("200-000-0001")  # the manager the client leaves
NEW = CustomerId.parse("200-000-0002")  # the manager it moves to
PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")  # a client account, listed as a manager by mistake
GHOST = CustomerId.parse("987-654-3210")  # no account at all, listed as a manager by mistake
STRANGER = CustomerId.parse("555-000-0001")  # neither configured nor in the store
SPARE = CustomerId.parse("200-000-0003")  # a sub-manager the store knows nothing of
CAFE = CustomerId.parse("333-444-5555")  # a client account the store knows nothing of
TREE = Scenario.from_json(
    json.dumps(
        {
            "managers": [
                {"id": MCC.digits, "name": "Agência"},
                {"id": LEFT.digits, "name": "Time Norte", "managed_by": MCC.digits},
                {"id": NEW.digits, "name": "Time Sul", "managed_by": MCC.digits},
                {"id": SPARE.digits, "name": "Time Leste", "managed_by": MCC.digits},
            ],
            "clients": [
                {"id": PADARIA.digits, "name": "Padaria", "linked_to": [LEFT.digits]},
                {"id": ACAI.digits, "name": "Açaí", "linked_to": [MCC.digits]},
                {"id": CAFE.digits, "name": "Café", "linked_to": [MCC.digits]},
            ],
        }
    ),
    source="tests/web/test_manager_moved_away_web",
)


@dataclass
class Served:
    """The app after PADARIA, LEFT's only client, moved to NEW: its container, an API client
    with the bearer token and a page client signed in."""

    container: Container
    api: TestClient
    page: TestClient

    def history(self, mcc: CustomerId) -> list[str]:
        """The operations of every entry the store holds under ``mcc``."""
        start, end = utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
        return [e.operation.value for e in self.container.store.history_between(start, end, mcc)]


@pytest.fixture
def served(each_store_env: dict[str, str], fresh_emulator: Emulator) -> Iterator[Served]:
    fresh_emulator.reset(TREE)
    env = {**each_store_env, "MCC_CUSTOMER_IDS": f"{ACAI},{GHOST}"}
    container = Container(environ=env, actor="cli:ana")
    container.service.sync(LEFT)  # PADARIA imported under LEFT
    container.service.move(LEFT, PADARIA, NEW)
    app = create_app(container, WebSettings.from_env(env))
    with api_and_page(app) as (api, page):
        yield Served(container, api, page)
    container.close()


def _text(page: str) -> str:
    """The page's words, tags dropped and spaces folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _selected(page: str) -> str:
    found = re.search(r'<option value="(\d+)" selected', page)
    assert found, "no manager selected in the switcher"
    return found.group(1)


def test_the_api_reads_the_history_of_the_manager_left_and_says_where_the_client_went(
    served: Served,
) -> None:
    history = served.api.get("/api/v1/history", params={"mcc": LEFT.dashed, "since": "2000-01-01"})
    moved = served.api.get(f"/api/v1/clients/{PADARIA.digits}", params={"mcc": LEFT.digits})

    assert history.status_code == 200, history.text
    assert [e["operation"] for e in history.json()][-1] == "MOVE"
    assert moved.status_code == 404, moved.text
    assert f"it was moved to {NEW}" in moved.json()["detail"]
    listed = served.api.get("/api/v1/managers").json()["items"]
    assert LEFT.digits in [i["mcc_customer_id"] for i in listed]


def test_the_pages_of_the_manager_left_open_and_the_switcher_keeps_it(served: Served) -> None:
    history = served.page.get("/history", params={"mcc": LEFT.dashed})
    tree = served.page.get("/hierarchy", params={"mcc": LEFT.dashed})
    remembered = served.page.get("/history")

    assert history.status_code == 200, history.text
    assert f"moved from {LEFT} to {NEW}" in _text(history.text)
    assert _selected(history.text) == LEFT.digits
    assert tree.status_code == 200, tree.text
    assert _selected(remembered.text) == LEFT.digits


def test_an_id_with_neither_clients_nor_history_is_still_refused(served: Served) -> None:
    api = served.api.get("/api/v1/history", params={"mcc": STRANGER.digits})
    page = served.page.get("/history", params={"mcc": STRANGER.digits})

    assert api.status_code == 422, api.text
    assert f"manager {STRANGER} is not one this server acts for" in api.json()["detail"]
    assert page.status_code == 422, page.text
    assert LEFT.dashed not in api.json()["detail"]  # known by asking only


@pytest.mark.parametrize(
    ("mcc", "status", "said"),
    [
        (SPARE, 200, "Time Leste"),
        (CAFE, 422, f"{CAFE} is a client account, not a manager"),
        (STRANGER, 422, "CUSTOMER_NOT_FOUND"),
    ],
    ids=["sub-manager", "client-account", "no-account"],
)
def test_the_hierarchy_page_reads_any_manager_as_the_api_does(
    served: Served, mcc: CustomerId, status: int, said: str
) -> None:
    api = served.api.get("/api/v1/hierarchy", params={"mcc": mcc.digits})
    page = served.page.get("/hierarchy", params={"mcc": mcc.digits})

    assert (api.status_code, page.status_code) == (status, status), page.text
    assert said in api.text
    assert said in _text(page.text)
    assert _selected(page.text) == MCC.digits  # the switcher stays on the browser's choice


@pytest.mark.parametrize(
    ("mcc", "said"),
    [
        (ACAI, "it is a client account, not a manager (MCC); nothing was recorded"),
        (GHOST, "it is no enabled manager your login reaches"),
    ],
    ids=["client-account", "no-account"],
)
def test_a_monitor_run_under_no_manager_is_a_422_that_records_nothing(
    served: Served, mcc: CustomerId, said: str
) -> None:
    answer = served.api.post("/api/v1/monitor/run", params={"mcc": mcc.digits})
    page = served.page.get("/", params={"mcc": mcc.digits})
    pressed = served.page.post(
        "/monitor", params={"mcc": mcc.digits}, data={"csrf_token": csrf_token(page.text)}
    )

    assert answer.status_code == 422, answer.text
    assert f"cannot run a monitor cycle for {mcc}: {said}" in answer.json()["detail"]
    assert "--mcc" not in answer.json()["detail"]
    assert pressed.status_code == 422, pressed.text
    assert served.history(mcc) == []  # no MONITOR entry, so no error counted, no alert


def test_the_manager_left_is_still_monitored(served: Served) -> None:
    answer = served.api.post("/api/v1/monitor/run", params={"mcc": LEFT.digits})

    assert answer.status_code == 200, answer.text
    assert served.history(LEFT)[-1] == "MONITOR"
