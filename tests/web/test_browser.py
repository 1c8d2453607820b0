"""The dashboard in real headless Chromium (Debian's), driven by Playwright, over real HTTP.

Screenshots land in ``test-output/browser/`` (git-ignored); ``docs/dashboard.png`` in the
repository is a copy of ``dashboard-laptop.png`` from such a run. The advertiser's onboarding
in the browser is ``test_onboarding_browser``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, expect

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, LinkStatus, Operation, utcnow
from mcclink.emulator import Emulator, respond
from mcclink.service import Registration
from tests.fixtures.browser import LAPTOP, PHONE, Visit, needs_chromium, screenshot_path
from tests.web.conftest import LiveServer

CLIENTS = {
    "111-222-3333": "Padaria São João",
    "222-333-4444": "Açaí & Cia",
    "333-444-5555": "Oficina do Zé",
    "444-555-6666": "Farmácia Bem-Estar",
    "666-777-8888": "Livraria Saber",
    "777-888-9999": "Salão Beleza Pura",
}

pytestmark = needs_chromium


@pytest.fixture
def registered(web_container: Container) -> Container:
    """The clients of ``CLIENTS`` registered, none invited."""
    for cid, name in CLIENTS.items():
        web_container.service.register(web_container.mcc, Registration(CustomerId.parse(cid), name))
    return web_container


@pytest.fixture
def busy_agency(registered: Container, fresh_emulator: Emulator) -> Container:
    """Links in every state the dashboard shows, one invitation pending for three days."""
    mcc, service = registered.mcc, registered.service
    for cid in ("222-333-4444", "333-444-5555", "444-555-6666"):
        service.invite(mcc, CustomerId.parse(cid))
    respond(fresh_emulator.admin_url, "222-333-4444", "refuse")
    respond(fresh_emulator.admin_url, "444-555-6666", "accept")
    service.sync(mcc)
    waiting = service.get(mcc, CustomerId.parse("333-444-5555"))
    registered.store.update_client(waiting.evolve(invited_at=utcnow() - timedelta(days=3)))
    return registered


def test_a_manager_invites_a_client_and_sees_it_approved_after_a_monitor_run(
    visit: Visit, busy_agency: Container, fresh_emulator: Emulator
) -> None:
    page = visit.sign_in("/clients")
    row = page.get_by_role("row").filter(has_text="111-222-3333")
    expect(page.get_by_role("table")).to_contain_text("Padaria São João")
    expect(row).to_contain_text("NOT_LINKED")
    row.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Invited Padaria São João (111-222-3333): the link is PENDING."
    )
    expect(row).to_contain_text("PENDING")
    expect(page).to_have_url(visit.server.url + "/clients")  # redirected back, not to the POST
    padaria = busy_agency.service.get(busy_agency.mcc, CustomerId.parse("111-222-3333"))
    assert padaria.status is LinkStatus.PENDING

    respond(fresh_emulator.admin_url, "111-222-3333", "accept")
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("button", name="Run monitor now").click()
    panel = page.locator("#monitor-panel")
    expect(panel).to_contain_text("Monitor run finished")
    expect(panel.get_by_role("row").filter(has_text="111-222-3333")).to_contain_text("APPROVED")
    expect(page).to_have_url(visit.server.url + "/")  # swapped in place by htmx

    page.get_by_role("link", name="Clients", exact=True).click()
    expect(page.get_by_role("row").filter(has_text="111-222-3333")).to_contain_text("APPROVED")
    page.goto("/")
    expect(page.locator("#stale")).to_contain_text("Invitations pending over 1 d")
    expect(page.get_by_role("row").filter(has_text="333-444-5555")).to_contain_text("3 d")
    page.screenshot(path=screenshot_path("dashboard-laptop.png"), full_page=True)


def test_a_wrong_token_is_answered_on_the_page(browser: Browser, live_server: LiveServer) -> None:
    wrong = Visit(browser, live_server, viewport=LAPTOP)
    try:
        wrong.page.goto("/")
        wrong.page.get_by_label("API token").fill("not-the-token-at-all")
        wrong.page.get_by_role("button", name="Sign in").click()
        expect(wrong.page.get_by_role("alert")).to_contain_text("That is not the token")
    finally:
        wrong.close()
    # The 401 itself is logged by Chromium as a failed resource; nothing else may be.
    assert [p for p in wrong.problems if "401" not in p] == []


def test_cancelling_asks_first_and_a_dismissed_question_changes_nothing(
    visit: Visit, busy_agency: Container
) -> None:
    page = visit.sign_in("/")
    stale = page.get_by_role("row").filter(has_text="333-444-5555")
    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    stale.get_by_role("button", name="Cancel invitation").click()
    expect(stale).to_be_visible()
    assert asked == ["Cancel the invitation of Oficina do Zé?"]
    page.once("dialog", lambda dialog: dialog.accept())
    stale.get_by_role("button", name="Cancel invitation").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Cancelled the invitation of Oficina do Zé (333-444-5555): the link is CANCELLED."
    )
    history = busy_agency.store.client_history(busy_agency.mcc, CustomerId.parse("333-444-5555"))
    assert [e.operation for e in history].count(Operation.CANCEL) == 1


def test_an_import_with_a_bad_row_shows_the_row_level_report_before_writing(
    visit: Visit, registered: Container, tmp_path: Path
) -> None:
    csv_file = tmp_path / "advertisers.csv"
    csv_file.write_text(
        "customer_id,name,email\n"
        "888-999-0000,Churrascaria Gaúcha,contato@churrascaria.example\n"
        "12-34,Broken Id,\n"
        "123-123-1234,Sorveteria Polar,\n",
        encoding="utf-8",
    )
    page = visit.sign_in("/import")
    page.get_by_label("CSV file").set_input_files(csv_file)
    page.get_by_role("button", name="Check the file").click()
    report = page.get_by_role("table")
    expect(report.get_by_role("row").filter(has_text="12-34")).to_contain_text(
        "invalid Google Ads customer id '12-34'"
    )
    expect(report.get_by_role("row").filter(has_text="888-999-0000")).to_contain_text(
        "will be registered"
    )
    expect(page.get_by_text("Nothing has been written yet")).to_be_visible()
    page.screenshot(path=screenshot_path("import-report-laptop.png"), full_page=True)
    assert len(list(registered.store.list_clients(registered.mcc))) == len(CLIENTS)

    page.get_by_role("button", name="Register the 2 good rows, skip 1 bad").click()
    expect(page.get_by_role("status")).to_contain_text("Imported 2 client(s) from advertisers.csv")
    expect(page.get_by_role("table")).to_contain_text("Churrascaria Gaúcha")
    assert len(list(registered.store.list_clients(registered.mcc))) == len(CLIENTS) + 2


def test_every_page_fits_a_phone_without_horizontal_scrolling(
    browser: Browser, live_server: LiveServer, registered: Container
) -> None:
    registered.service.invite(registered.mcc, CustomerId.parse("111-222-3333"))
    phone = Visit(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone.sign_in("/")
        for path in ("/", "/clients", "/clients/1112223333", "/import"):
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} scrolls sideways: {width} px wide"
            name = "dashboard" if path == "/" else path.strip("/").replace("/", "-")
            page.screenshot(path=screenshot_path(f"{name}-phone.png"), full_page=True)
    finally:
        phone.close()
    assert phone.problems == []


def test_the_pages_read_without_javascript(
    browser: Browser, live_server: LiveServer, registered: Container
) -> None:
    plain = Visit(browser, live_server, viewport=LAPTOP, java_script_enabled=False)
    try:
        page = plain.sign_in("/clients")
        expect(page.get_by_role("table")).to_contain_text("Oficina do Zé")
        page.get_by_role("row").filter(has_text="333-444-5555").get_by_role(
            "button", name="Invite"
        ).click()
        expect(page.get_by_role("status")).to_contain_text("the link is PENDING")
        page.goto("/")
        page.get_by_role("button", name="Run monitor now").click()
        expect(page.get_by_role("heading", name="Monitor run")).to_be_visible()
        expect(page.locator("#monitor-panel")).to_contain_text("Last run")
    finally:
        plain.close()
