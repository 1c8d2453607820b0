"""The manager switcher in real headless Chromium (Debian's), over real HTTP: choose another
manager in the top bar, every page follows it, and the All managers page sums them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from mcclink.bootstrap import Container
from tests.fixtures.browser import LAPTOP, PHONE, Visit, needs_chromium, screenshot_path
from tests.web.conftest import LiveServer
from tests.web.two_managers import OTHER, seed

pytestmark = needs_chromium


@pytest.fixture
def two_managers(web_container: Container) -> Container:
    seed(web_container.store, web_container.mcc)
    return web_container


@pytest.fixture
def visit(browser: Browser, live_server: LiveServer, two_managers: Container) -> Iterator[Visit]:
    """A laptop-sized browser on the live server over two managers; no CSP or script errors."""
    opened = Visit(browser, live_server, viewport=LAPTOP)
    yield opened
    opened.close()
    assert opened.problems == []


def test_the_switcher_takes_every_page_to_the_other_manager(
    visit: Visit, two_managers: Container
) -> None:
    page = visit.sign_in("/clients")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Padaria São João")

    page.get_by_label("Manager").select_option(OTHER.digits)
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(f"{visit.server.url}/clients?mcc={OTHER.digits}")
    expect(table).to_contain_text("Açaí & Cia")
    expect(table).not_to_contain_text("Padaria")
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(visit.server.url + "/")
    expect(page.get_by_text(f"Manager account {OTHER}")).to_be_visible()
    expect(page.get_by_label("Manager")).to_have_value(OTHER.digits)
    page.get_by_role("link", name="All managers").click()  # under the dashboard's heading
    expect(page).to_have_url(visit.server.url + "/managers")
    total = page.locator("tfoot tr")
    expect(total).to_contain_text("40%")
    expect(total).to_contain_text("(2 of 5)")
    page.screenshot(path=screenshot_path("managers-laptop.png"), full_page=True)
    page.get_by_role("link", name=str(two_managers.mcc)).click()
    expect(page.get_by_text(f"Manager account {two_managers.mcc}")).to_be_visible()


def test_the_switcher_and_the_all_managers_page_fit_a_phone(
    browser: Browser, live_server: LiveServer, two_managers: Container
) -> None:
    opened = Visit(browser, live_server, viewport=PHONE)
    widths = {}
    for path in ("/", "/managers"):
        page = opened.sign_in(path) if path == "/" else opened.page
        page.goto(path)
        expect(page.locator("form.manager-switch")).to_be_visible()
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(
            path=screenshot_path(f"managers-phone{path.replace('/', '-')}.png"), full_page=True
        )
    opened.close()
    assert opened.problems == []
    assert widths == {"/": PHONE["width"], "/managers": PHONE["width"]}
