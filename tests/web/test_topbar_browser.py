"""The top bar with the manager switcher in Chromium at common laptop widths (issue 17
review): no sideways scroll, "Sign out" on screen, and the managers named where the app
knows their names (from a walk of the tree it already made: no Google call per page)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from mcclink.bootstrap import Container
from mcclink.emulator import Emulator
from mcclink.web.app import create_app
from mcclink.web.security import WebSettings
from tests.fixtures.browser import Visit
from tests.hierarchy_tree import ROOT, SUB_A, SUB_A1, SUB_B, load_tree
from tests.web.conftest import LiveServer, free_port, serving


@pytest.fixture
def tree_server(web_env: dict[str, str], fresh_emulator: Emulator) -> Iterator[LiveServer]:
    """The app acting for ROOT and three sub-managers of the emulator's tree."""
    load_tree(fresh_emulator)
    env = {
        **web_env,
        "MCC_CUSTOMER_ID": ROOT.digits,
        "MCC_CUSTOMER_IDS": ",".join(m.digits for m in (SUB_A, SUB_A1, SUB_B)),
    }
    container = Container(environ=env, actor="web")
    with serving(create_app(container, WebSettings.from_env(env)), free_port()) as server:
        yield server
    container.close()


def assert_fits(page: Page, width: int) -> None:
    """Nothing wider than the window, and "Sign out" wholly on screen."""
    page.set_viewport_size({"width": width, "height": 800})
    sideways = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 0, f"{width} px: the page scrolls sideways by {sideways} px"
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_in_viewport(ratio=1)
    box = sign_out.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", [1024, 1280])
def test_the_top_bar_fits_the_window_with_the_switcher(
    browser: Browser, tree_server: LiveServer, width: int
) -> None:
    visit = Visit(browser, tree_server, viewport={"width": width, "height": 800})
    try:
        page = visit.sign_in("/hierarchy")
        expect(page.get_by_label("Manager")).to_be_visible()
        for path in ("/hierarchy", "/clients", "/"):
            page.goto(path)
            assert_fits(page, width)
    finally:
        visit.close()
    assert visit.problems == []


def test_the_switcher_and_the_managers_page_name_the_managers_the_walk_has_seen(
    browser: Browser, tree_server: LiveServer
) -> None:
    visit = Visit(browser, tree_server, viewport={"width": 1280, "height": 800})
    try:
        page = visit.sign_in("/clients")
        options = page.get_by_label("Manager").locator("option")
        expect(options).to_have_text([str(m) for m in (ROOT, SUB_A, SUB_A1, SUB_B)])

        page.goto("/hierarchy")  # the walk reads each manager's name

        page.goto("/clients")
        expect(options).to_have_text(
            [
                f"{ROOT} · Agência Raiz",
                f"{SUB_A} · Time São Paulo",
                f"{SUB_A1} · Time Campinas",
                f"{SUB_B} · Time Lisboa",
            ]
        )
        assert_fits(page, 1280)
        page.goto("/managers")  # the all-managers page names them too
        row = page.get_by_role("row").filter(has_text=str(SUB_B))
        expect(row.get_by_role("cell").first).to_have_text(f"{SUB_B} Time Lisboa")
    finally:
        visit.close()
    assert visit.problems == []
