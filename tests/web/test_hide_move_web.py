"""Hide, unhide and move through the real app: the REST API and the client page's buttons,
against the emulator serving a tree (the MCC, its sub-manager SUB, another agency's OUTSIDE)."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, utcnow
from mcclink.emulator import Emulator, Scenario
from mcclink.serialization import client_to_dict, history_to_dict
from mcclink.staff import Role, new_session
from mcclink.staff_service import StaffDirectory
from mcclink.web.security import SESSION_COOKIE
from tests.web.conftest import csrf_token

MCC = CustomerId.parse("123-456-7890")  # the emulator's first manager: the app's MCC
SUB = CustomerId.parse("200-000-0001")
OUTSIDE = CustomerId.parse("300-000-0001")
PADARIA = CustomerId.parse("111-222-3333")
INVITED = CustomerId.parse("888-999-0000")
TREE = Scenario.from_json(
    json.dumps(
        {
            "managers": [
                {"id": MCC.digits, "name": "Agência"},
                {"id": SUB.digits, "name": "Time Sul", "managed_by": MCC.digits},
                {"id": OUTSIDE.digits, "name": "Outra agência"},
            ],
            "clients": [
                {"id": PADARIA.digits, "name": "Padaria", "linked_to": [MCC.digits]},
                {"id": INVITED.digits, "name": "Convidada", "invited_by": [MCC.digits]},
            ],
        }
    ),
    source="tests/web/test_hide_move_web",
)


@pytest.fixture
def tree(fresh_emulator: Emulator, web_container: Container) -> Container:
    """The emulator serving ``TREE``, its links read into the store by one monitor cycle."""
    fresh_emulator.reset(TREE)
    web_container.service.sync(web_container.mcc)
    return web_container


def stored(container: Container) -> tuple[object, ...]:
    """Every client and history entry of both managers."""
    start, end = utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
    return tuple(
        (
            [client_to_dict(c) for c in container.store.list_clients(mcc)],
            [history_to_dict(e) for e in container.store.history_between(start, end, mcc)],
        )
        for mcc in (MCC, SUB)
    )


# -- REST API -------------------------------------------------------------------------------


def test_api_hides_and_shows_a_client(api: TestClient, tree: Container) -> None:
    hidden = api.post(f"/api/v1/clients/{PADARIA.digits}/hide")
    assert hidden.status_code == 200, hidden.text
    assert hidden.json() == client_to_dict(tree.service.get(MCC, PADARIA))
    assert hidden.json()["hidden"] is True

    shown = api.post(f"/api/v1/clients/{PADARIA.digits}/unhide")
    assert shown.json()["hidden"] is False
    [newest, before] = list(tree.store.client_history(MCC, PADARIA))[:2]
    assert (newest.operation.value, before.operation.value) == ("UNHIDE", "HIDE")


def test_api_moves_a_client_to_a_sub_manager(api: TestClient, tree: Container) -> None:
    moved = api.post(f"/api/v1/clients/{PADARIA.digits}/move", json={"to": SUB.dashed})

    assert moved.status_code == 200, moved.text
    assert moved.json() == client_to_dict(tree.service.get(SUB, PADARIA))
    assert moved.json()["mcc_customer_id"] == SUB.digits
    assert api.get(f"/api/v1/clients/{PADARIA.digits}").status_code == 404
    [entry] = tree.store.client_history(SUB, PADARIA)
    assert dict(entry.details) == {"from_mcc": MCC.digits, "to_mcc": SUB.digits}


@pytest.mark.parametrize(
    ("path", "body", "status", "said"),
    [
        (f"{INVITED.digits}/hide", None, 409, "hide needs an APPROVED link"),
        ("12345/unhide", None, 422, "invalid Google Ads customer id '12345'"),
        (f"{PADARIA.digits}/move", {}, 422, "to"),
        (f"{PADARIA.digits}/move", {"to": "abc"}, 422, "invalid Google Ads customer id 'abc'"),
        (f"{PADARIA.digits}/move", {"to": SUB.digits, "also": 1}, 422, "also"),
        (f"{PADARIA.digits}/move", {"to": MCC.digits}, 422, "the manager it is under"),
        (f"{INVITED.digits}/move", {"to": SUB.digits}, 409, "move needs an APPROVED link"),
        ("9999999999/move", {"to": SUB.digits}, 404, "not registered under MCC"),
    ],
    ids=[
        "hide-pending",
        "bad-id",
        "no-to",
        "bad-to",
        "unknown-field",
        "same-manager",
        "move-pending",
        "unregistered",
    ],
)
def test_api_bad_input_is_a_4xx_problem_naming_it_and_nothing_is_written(
    api: TestClient,
    tree: Container,
    path: str,
    body: dict[str, object] | None,
    status: int,
    said: str,
) -> None:
    before = stored(tree)

    response = api.post(f"/api/v1/clients/{path}", json=body)

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert said in json.dumps(response.json())
    assert stored(tree) == before


def test_api_googles_refusal_is_a_409_with_its_code_and_recorded(
    api: TestClient, tree: Container
) -> None:
    response = api.post(f"/api/v1/clients/{PADARIA.digits}/move", json={"to": OUTSIDE.digits})

    assert response.status_code == 409, response.text
    assert "ManagerLinkError.CLIENT_OUTSIDE_TREE" in response.text
    failed = next(iter(tree.store.client_history(MCC, PADARIA)))
    assert (failed.operation.value, failed.outcome.value) == ("MOVE", "FAILED")
    assert tree.service.get(MCC, PADARIA).status.value == "APPROVED"


# -- the client page ------------------------------------------------------------------------


@pytest.fixture
def staff(tree: Container) -> Container:
    directory = StaffDirectory(tree.store, actor="cli:test")
    directory.add_user("bia@agencia.com.br", Role.OPERATOR)
    directory.add_user("caio@agencia.com.br", Role.VIEWER)
    return tree


def sign_in(browser: TestClient, container: Container, email: str) -> None:
    value, session = new_session(email, utcnow(), timedelta(hours=1))
    container.store.add_session(session)
    browser.cookies.set(SESSION_COOKIE, value)


def page(browser: TestClient, cid: CustomerId = PADARIA) -> str:
    response = browser.get(f"/clients/{cid.digits}")
    assert response.status_code == 200, response.text
    return str(html.unescape(response.text))


def press(browser: TestClient, path: str, **data: str) -> str:
    token = csrf_token(browser.get(f"/clients/{PADARIA.digits}").text)
    response = browser.post(path, data={"csrf_token": token, **data})
    assert response.status_code == 200, response.text
    return str(html.unescape(response.text))


def test_an_operator_hides_shows_and_moves_from_the_client_page(
    client: TestClient, staff: Container
) -> None:
    browser = client
    sign_in(browser, staff, "bia@agencia.com.br")
    shown = page(browser)
    assert "Hide in the account list" in shown
    assert 'name="to"' in shown

    after = press(browser, f"/clients/{PADARIA.digits}/hide", back=f"/clients/{PADARIA.digits}")
    assert "Hid Padaria (111-222-3333): hidden in the account list." in after
    assert "Show in the account list" in after
    assert "hidden by the manager" in after

    after = press(browser, f"/clients/{PADARIA.digits}/unhide", back=f"/clients/{PADARIA.digits}")
    assert "Showed Padaria (111-222-3333): shown in the account list." in after

    moved = press(browser, f"/clients/{PADARIA.digits}/move", to=SUB.dashed)
    assert "Moved Padaria (111-222-3333) to manager 200-000-0001" in moved
    assert staff.store.get_client(SUB, PADARIA) is not None
    assert staff.store.get_client(MCC, PADARIA) is None


def test_a_bad_move_from_the_page_says_why_and_changes_nothing(
    client: TestClient, staff: Container
) -> None:
    browser = client
    sign_in(browser, staff, "bia@agencia.com.br")
    before = stored(staff)

    said = press(browser, f"/clients/{PADARIA.digits}/move", to="12-34")

    assert "invalid Google Ads customer id '12-34'" in said
    assert stored(staff) == before


def test_a_viewer_sees_no_hide_or_move_and_cannot_post_them(
    client: TestClient, staff: Container
) -> None:
    browser = client
    sign_in(browser, staff, "caio@agencia.com.br")
    shown = page(browser)
    assert "Hide in the account list" not in shown
    assert 'name="to"' not in shown
    assert "Account list" in shown  # the fact itself is for everyone
    token = csrf_token(browser.get("/clients").text)
    before = stored(staff)

    for action in ("hide", "unhide", "move"):
        response = browser.post(
            f"/clients/{PADARIA.digits}/{action}",
            data={"csrf_token": token, "to": SUB.digits},
            follow_redirects=False,
        )
        assert response.status_code == 403, (action, response.text)
        assert "this needs the operator role" in response.text

    assert stored(staff) == before


def test_a_pending_client_offers_neither_hide_nor_move(
    client: TestClient, staff: Container
) -> None:
    browser = client
    sign_in(browser, staff, "bia@agencia.com.br")

    shown = page(browser, INVITED)

    assert "Hide in the account list" not in shown
    assert 'name="to"' not in shown


# -- the destination, and the move as both managers see it ----------------------------------

GHOST = CustomerId.parse("999-999-9999")


@pytest.mark.parametrize(
    ("to", "said", "api_fix", "page_fix"),
    [
        (
            INVITED,
            "it is a client account, not a manager",
            "give as `to` a manager of your tree",
            "enter in Move to manager a manager of your tree",
        ),
        (
            GHOST,
            "it is no enabled manager",
            "check the id given as `to` (GET /api/v1/hierarchy lists your tree)",
            "check the id in Move to manager (Hierarchy shows your tree)",
        ),
    ],
    ids=["client-account", "no-such-account"],
)
def test_a_destination_that_is_no_manager_is_refused_in_each_surfaces_words(
    api: TestClient, tree: Container, to: CustomerId, said: str, api_fix: str, page_fix: str
) -> None:
    before = stored(tree)

    response = api.post(f"/api/v1/clients/{PADARIA.digits}/move", json={"to": to.digits})

    assert response.status_code == 422, response.text
    assert said in response.text
    assert api_fix in response.text
    assert "--to" not in response.text
    assert stored(tree) == before  # no FAILED MOVE, no last_error
    directory = StaffDirectory(tree.store, actor="cli:test")
    directory.add_user("bia@agencia.com.br", Role.OPERATOR)
    sign_in(api, tree, "bia@agencia.com.br")
    flash = press(api, f"/clients/{PADARIA.digits}/move", to=to.dashed)
    assert said in flash
    assert page_fix in flash
    assert stored(tree) == before


def test_api_the_manager_left_says_where_the_client_went(api: TestClient, tree: Container) -> None:
    api.post(f"/api/v1/clients/{PADARIA.digits}/move", json={"to": SUB.digits})

    gone = api.get(f"/api/v1/clients/{PADARIA.digits}")

    assert gone.status_code == 404
    assert f"it was moved to {SUB} on " in gone.text
    assert f"act on it there, with mcc={SUB}" in gone.text
    assert "--mcc" not in gone.text


def test_both_managers_history_pages_and_the_client_page_show_the_move_dashed(
    client: TestClient, staff: Container
) -> None:
    browser = client
    sign_in(browser, staff, "bia@agencia.com.br")
    refused = press(browser, f"/clients/{PADARIA.digits}/move", to=OUTSIDE.dashed)
    assert "ManagerLinkError.CLIENT_OUTSIDE_TREE" in refused  # Google's refusal, recorded
    press(browser, f"/clients/{PADARIA.digits}/move", to=SUB.dashed)
    moved = f"moved from {MCC} to {SUB}"

    for manager in (MCC, SUB):
        shown = browser.get(f"/history?mcc={manager.digits}&operation=MOVE")
        assert shown.status_code == 200, shown.text
        assert moved in " ".join(html.unescape(_text(shown.text)).split()), manager
    left = html.unescape(_text(browser.get(f"/history?mcc={MCC.digits}").text))
    assert f"not moved from {MCC} to {OUTSIDE}" in " ".join(left.split())
    timeline = " ".join(_text(page_of(browser, SUB)).split())
    assert moved in timeline
    assert "from_mcc" not in timeline
    gone = browser.get(f"/clients/{PADARIA.digits}?mcc={MCC.digits}")
    assert gone.status_code == 404
    assert f"choose {SUB} in the Manager list" in html.unescape(gone.text)


def page_of(browser: TestClient, manager: CustomerId) -> str:
    response = browser.get(f"/clients/{PADARIA.digits}?mcc={manager.digits}")
    assert response.status_code == 200, response.text
    return str(html.unescape(response.text))


def _text(markup: str) -> str:
    """The page's text, its tags dropped."""
    return re.sub(r"<[^>]+>", "", markup)
