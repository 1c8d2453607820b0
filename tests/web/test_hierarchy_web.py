"""``GET /api/v1/hierarchy`` and the ``/hierarchy`` page through the real app, over the
emulator holding ``tests.hierarchy_tree`` (ROOT is the server's MCC); the page in Chromium."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from mcclink.bootstrap import Container
from mcclink.emulator import Emulator
from mcclink.service import Registration
from tests.fixtures.browser import Visit, needs_chromium, screenshot_path
from tests.hierarchy_tree import (
    ACAI,
    CLOSED_SUB,
    DEEP,
    PADARIA,
    PENDING_A,
    PENDING_ROOT,
    ROOT,
    SUB_A,
    SUB_A1,
    SUB_B,
    load_tree,
)


@pytest.fixture
def web_env(web_env: dict[str, str], fresh_emulator: Emulator) -> dict[str, str]:
    """The app's environment with the emulator holding the tree, ROOT as the MCC."""
    load_tree(fresh_emulator)
    return {**web_env, "MCC_CUSTOMER_ID": ROOT.digits}


@pytest.fixture
def registered(web_container: Container) -> Container:
    """PENDING_ROOT registered and invited (Google had the invitation already)."""
    web_container.service.register(ROOT, Registration(PENDING_ROOT, "Convidada"), invite=True)
    return web_container


def test_the_api_answers_the_tree_with_the_overlay(api: TestClient, registered: Container) -> None:
    answer = api.get("/api/v1/hierarchy")

    assert answer.status_code == 200, answer.text
    tree = answer.json()
    assert (tree["root"], tree["depth"], tree["unreachable"]) == (ROOT.digits, None, 1)
    found = {a["customer_id"]: a for a in tree["accounts"]}
    assert found[DEEP.digits]["parent"] == SUB_A1.digits
    assert found[PADARIA.digits]["hidden"] is True
    assert found[ROOT.digits]["pending_invitations"] == [
        {"customer_id": PENDING_ROOT.digits, "registered": True, "link_status": "PENDING"}
    ]
    assert found[SUB_A.digits]["pending_invitations"][0]["customer_id"] == PENDING_A.digits
    error = found[CLOSED_SUB.digits]["error"]
    assert error["code"] == "AuthorizationError.CUSTOMER_NOT_ENABLED"
    assert "reactivate it in Google Ads" in error["fix"]


def test_the_api_reads_down_to_a_depth_and_from_another_manager(api: TestClient) -> None:
    shallow = api.get("/api/v1/hierarchy", params={"depth": 1}).json()
    assert {a["level"] for a in shallow["accounts"]} == {0, 1}

    branch = api.get("/api/v1/hierarchy", params={"mcc": str(SUB_B)}).json()
    assert [(a["customer_id"], a["level"]) for a in branch["accounts"]] == [
        (SUB_B.digits, 0),
        (ACAI.digits, 1),
    ]


def test_a_sub_manager_the_user_cannot_open_is_read_through_the_mcc(api: TestClient) -> None:
    # SUB_A as the top: GOOGLE_ADS_LOGIN_CUSTOMER_ID is unset, so the login is the server's
    # MCC (ROOT), which reaches SUB_A; SUB_A's own login would be refused.
    answer = api.get("/api/v1/hierarchy", params={"mcc": str(SUB_A)})

    assert answer.status_code == 200, answer.text
    assert [a["customer_id"] for a in answer.json()["accounts"]] == [
        SUB_A.digits,
        SUB_A1.digits,
        DEEP.digits,
    ]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"depth": "0"}, "depth"),
        ({"depth": "-1"}, "depth"),
        ({"depth": "abc"}, "depth"),
        ({"depth": "101"}, "less than or equal to 100"),
        ({"mcc": "12345"}, "12345"),
        ({"mcc": ""}, "customer id"),
        ({"mcc": str(PADARIA)}, "is a client account, not a manager"),
        ({"mcc": "987-654-3210"}, "CUSTOMER_NOT_FOUND"),
    ],
)
def test_bad_input_is_a_422_problem(api: TestClient, params: dict[str, str], names: str) -> None:
    answer = api.get("/api/v1/hierarchy", params=params)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert names in answer.text


def test_the_api_needs_a_token(client: TestClient) -> None:
    assert client.get("/api/v1/hierarchy").status_code == 401


def test_the_page_is_a_nested_list_of_disclosures(
    signed_in: TestClient, registered: Container
) -> None:
    page = signed_in.get("/hierarchy")

    assert page.status_code == 200, page.text
    html = page.text
    assert re.search(r'<details open>\s*<summary>\s*<span class="tree-name">Agência Raiz', html)
    assert html.count("<details>") == 4  # the four sub-managers, closed
    assert re.search(r"invited</span> <span class=\"mono\">777-888-9999</span>.*PENDING", html)
    assert "<strong>Cannot read below it:</strong> AuthorizationError.CUSTOMER_NOT_ENABLED" in html
    assert "1 sub-manager(s) could not be read" in html
    # DEEP sits in SUB_A1's list, which sits in SUB_A's.
    sub_a = html.index("Time São Paulo")
    assert sub_a < html.index("Time Campinas") < html.index("333-444-5555")


def test_the_page_shows_the_tree_of_the_manager_the_switcher_chose(
    signed_in: TestClient, web_container: Container
) -> None:
    # A client stored under SUB_A makes it one of the server's managers (the switcher's).
    web_container.service.register(SUB_A, Registration(PADARIA, "Padaria"), invite=False)
    page = signed_in.get("/hierarchy", params={"mcc": SUB_A.dashed})

    assert page.status_code == 200, page.text
    assert f'manager account <span class="mono">{SUB_A.dashed}</span>' in page.text
    assert "Agência Raiz" not in page.text
    assert 'href="/hierarchy" aria-current="page"' in page.text


@pytest.mark.parametrize("depth", ["abc", "101"])
def test_a_depth_the_page_cannot_read_is_a_422_page(signed_in: TestClient, depth: str) -> None:
    page = signed_in.get("/hierarchy", params={"depth": depth})

    assert page.status_code == 422
    assert "depth must be a whole number from 1 to 100" in page.text
    assert 'aria-invalid="true"' in page.text


@needs_chromium
def test_in_chromium_a_sub_manager_opens_and_the_unreachable_one_says_why(visit: Visit) -> None:
    page = visit.sign_in("/hierarchy")

    deep = page.get_by_text("Oficina", exact=True)
    expect(deep).to_be_hidden()  # SUB_A and SUB_A1 closed
    page.locator("summary", has_text="Time São Paulo").click()
    page.locator("summary", has_text="Time Campinas").click()
    expect(deep).to_be_visible()

    why = page.get_by_text("Cannot read below it:")
    expect(why).to_be_hidden()
    page.locator("summary", has_text="Time Encerrado").click()
    expect(why).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("reactivate it in Google Ads")
    page.screenshot(path=screenshot_path("hierarchy-laptop.png"), full_page=True)
