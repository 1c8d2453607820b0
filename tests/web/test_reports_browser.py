"""The Reports page in real headless Chromium: the charts draw under the CSP, each has a
text alternative, the page fits a phone and prints.

The laptop screenshot lands in ``test-output/browser/reports-laptop.png``;
``docs/images/reports.png`` (shown in the README) is a copy of it from such a run.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from mcclink.bootstrap import Container
from tests.fixtures.browser import LAPTOP, PHONE, Visit, needs_chromium, screenshot_path
from tests.web.conftest import LiveServer
from tests.web.report_history import PERIOD, write_november

pytestmark = needs_chromium

TITLES = (
    "Invitations sent and acceptance rate",
    "Onboarding funnel",
    "Time to acceptance",
    "Pending at the end of the period, by age",
)


@pytest.fixture
def november(web_container: Container) -> Container:
    write_november(web_container.store, web_container.mcc)
    return web_container


def test_the_charts_draw_with_their_text_alternatives_and_are_screenshotted(
    visit: Visit, november: Container
) -> None:
    page = visit.sign_in(f"/reports?period={PERIOD}")
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    for title in TITLES:
        chart = page.get_by_role("img", name=title, exact=True)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 60
    volume = page.locator(f"#chart-{november.mcc.digits}-volume")
    expect(page.get_by_role("img", name=TITLES[0], exact=True)).to_have_accessible_description(
        re.compile(r"^16 invitation\(s\) sent from 01/11/2026 to 30/11/2026")
    )
    expect(volume.locator("rect title").first).to_have_text("01/11/2026: 0 sent")
    table = volume.get_by_role("table", name="Invitations sent and acceptance rate")
    expect(table).to_be_hidden()
    volume.get_by_text("The figures as a table").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name="02/11/2026 1 1 0 100%")).to_be_visible()
    volume.get_by_text("The figures as a table").click()  # closed again for the picture
    expect(page.get_by_role("row").filter(has_text="Ótica Visão Clara")).to_contain_text(
        "11 d 14 h"
    )
    page.screenshot(path=screenshot_path("reports-laptop.png"), full_page=True)


def test_the_period_picker_moves_between_periods_without_javascript(
    browser: Browser, live_server: LiveServer, november: Container
) -> None:
    plain = Visit(browser, live_server, viewport=LAPTOP, java_script_enabled=False)
    try:
        page = plain.sign_in("/reports")
        page.get_by_role("textbox", name="Period").fill(PERIOD)
        page.get_by_role("main").get_by_role("button", name="Show").click()  # not the top bar's
        expect(page.get_by_role("img", name="Onboarding funnel")).to_be_visible()
        pending = page.locator(f"#chart-{november.mcc.digits}-pending-age desc")
        expect(pending).to_contain_text("3 invitation(s) pending")
        page.get_by_role("link", name="← 2026-10").click()
        expect(page.get_by_role("textbox", name="Period")).to_have_value("2026-10")
        volume = page.locator(f"#chart-{november.mcc.digits}-volume text")
        expect(volume).to_have_text("No invitations in this period.")
    finally:
        plain.close()
    assert plain.problems == []


def test_the_reports_page_fits_a_phone_and_prints_without_its_controls(
    browser: Browser, live_server: LiveServer, november: Container
) -> None:
    phone = Visit(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone.sign_in(f"/reports?period={PERIOD}")
        # The page's own content; the top bar is every page's (tests/web/test_browser.py).
        width = page.evaluate("document.querySelector('main').scrollWidth")
        assert width <= PHONE["width"], f"the Reports page scrolls sideways: {width} px wide"
        page.get_by_text("The figures as a table").first.click()  # the widest table, open
        width = page.evaluate("document.querySelector('main').scrollWidth")
        assert width <= PHONE["width"], f"an open chart table is {width} px wide"
        expect(page.get_by_role("img", name="Time to acceptance")).to_be_visible()
        page.screenshot(path=screenshot_path("reports-phone.png"), full_page=True)
        page.emulate_media(media="print")
        expect(page.get_by_role("button", name="Show")).to_be_hidden()
        expect(page.get_by_role("img", name="Onboarding funnel")).to_be_visible()
    finally:
        phone.close()
    assert phone.problems == []
