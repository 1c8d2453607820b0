"""The advertiser's onboarding in real headless Chromium, over real HTTP, as people do it.

Staff makes the link (on the client page, or with ``mcclink onboard link``); the advertiser
opens it, signs in on the emulator's authorization page and chooses accounts. Then Google's
side is read with the official client, the store and history are read back, and the webhook
receiver shows what the web server's worker delivered. ``docs/onboarding.png`` is a copy of
``onboarding-phone.png`` from such a run (``test-output/browser/``).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, LinkStatus, Operation, Outcome
from mcclink.emulator import Emulator, fetch_state
from mcclink.service import Registration
from mcclink.web.app import create_app
from mcclink.web.security import WebSettings
from tests.e2e.conftest import MCCLINK, clean_env
from tests.fixtures.browser import LAPTOP, PHONE, Visit, needs_chromium, screenshot_path
from tests.fixtures.emulator import AdsClientFactory, customer_client_links
from tests.fixtures.signin import add_user
from tests.fixtures.webhook_receiver import Received, Receiver
from tests.web.conftest import LiveServer, free_port, serving

ANA = "ana@padaria.com.br"
PADARIA, ACAI = CustomerId.parse("111-222-3333"), CustomerId.parse("222-333-4444")
WEBHOOK_SECRET = "onboarding-webhook-secret-0123456789"

pytestmark = needs_chromium


@dataclass(frozen=True)
class Agency:
    """The web server a test's people use, the container it serves, and its environment."""

    server: LiveServer
    container: Container
    env: dict[str, str]


@pytest.fixture
def agency(
    web_env: dict[str, str], fresh_emulator: Emulator, receiver: Receiver
) -> Iterator[Agency]:
    """The app on a port chosen first, so that MCC_PUBLIC_URL (links, the sign-in's redirect
    URI) is its own address, delivering webhooks to ``receiver``; nobody registered; Ana
    ADMIN of Padaria and READ_ONLY of Açaí."""
    port = free_port()
    env = {
        **web_env,
        "MCC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MCC_WEBHOOK_URL": receiver.url,
        "MCC_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    container = Container(environ=env, actor="web")
    add_user(fresh_emulator, ANA, {PADARIA.dashed: "ADMIN", ACAI.dashed: "READ_ONLY"}, name="Ana")
    with serving(create_app(container, WebSettings.from_env(env)), port) as server:
        yield Agency(server, container, env)
    container.close()


def test_an_advertiser_onboards_through_a_link_the_staff_made(
    browser: Browser,
    agency: Agency,
    ads_client_factory: AdsClientFactory,
    receiver: Receiver,
) -> None:
    container = agency.container
    container.service.register(container.mcc, Registration(PADARIA, "Padaria São João"))
    staff = Visit(browser, agency.server, viewport=LAPTOP)
    advertiser = Visit(
        browser,
        agency.server,
        viewport=PHONE,
        is_mobile=True,
        java_script_enabled=False,
        locale="pt-BR",
    )
    try:
        page = staff.sign_in("/clients/1112223333")
        page.get_by_role("button", name="New onboarding link").click()
        url = page.get_by_label("Copy it now").input_value()
        assert url.startswith(f"{agency.server.url}/onboard/")

        phone = advertiser.page
        phone.goto(url)
        expect(phone.get_by_role("heading", level=1)).to_contain_text("Agência Demo")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        phone.screenshot(path=screenshot_path("onboarding-phone.png"), full_page=True)
        phone.get_by_role("link", name="Fazer login com o Google").click()
        phone.get_by_label(ANA).check()  # the emulator's authorization page
        phone.get_by_role("button", name="Allow").click()
        expect(phone.get_by_role("checkbox", name=re.compile("111-222-3333"))).to_be_checked()
        phone.get_by_role("button", name="Dar acesso").click()
        expect(phone.get_by_role("status")).to_contain_text(
            "Pronto: a Agência Demo agora gerencia esta conta."
        )
        phone.screenshot(path=screenshot_path("onboarding-done-phone.png"), full_page=True)
    finally:
        staff.close()
        advertiser.close()
    assert staff.problems == advertiser.problems == []

    # No one ran anything else: the web server's worker delivered after the advertiser's POST.
    approved = _wait_for_delivery(receiver, lambda e: e["status_after"] == "APPROVED")
    assert approved.verified_with(WEBHOOK_SECRET)
    assert approved.json["event"] == "client.status_changed"
    assert approved.json["entry"]["operation"] == "RESPOND"
    assert approved.json["entry"]["actor"] == f"advertiser:{ANA}"
    assert approved.json["client"]["customer_id"] == PADARIA.digits
    assert approved.json["client"]["status"] == "APPROVED"

    assert container.service.get(container.mcc, PADARIA).status is LinkStatus.APPROVED
    history = list(container.store.client_history(container.mcc, PADARIA))
    assert {(e.operation, e.actor) for e in history if e.operation is not Operation.WEBHOOK} == {
        (Operation.REGISTER, "web"),
        (Operation.INVITE, f"advertiser:{ANA}"),
        (Operation.RESPOND, f"advertiser:{ANA}"),
    }
    assert _statuses(customer_client_links(ads_client_factory, container.mcc.digits)) == {
        PADARIA.digits: "ACTIVE"
    }


def test_on_the_general_page_one_account_is_linked_and_the_other_explained(
    browser: Browser,
    agency: Agency,
    fresh_emulator: Emulator,
    ads_client_factory: AdsClientFactory,
    tmp_path: Path,
) -> None:
    container, mcc = agency.container, agency.container.mcc
    made = subprocess.run(
        [MCCLINK, "onboard", "link", "--json"],
        capture_output=True,
        text=True,
        env={**clean_env(tmp_path), **agency.env},
        timeout=60,
        check=True,
    )
    link = json.loads(made.stdout)
    assert link["customer_id"] is None  # the agency's general access page
    world_before = _world(fresh_emulator)
    google_before = customer_client_links(ads_client_factory, mcc.digits)

    advertiser = Visit(browser, agency.server, viewport=LAPTOP, locale="en-US")
    try:
        page = advertiser.page
        page.goto(link["url"])
        expect(page.get_by_role("main")).to_contain_text("you choose which ones")
        page.get_by_role("link", name="Sign in with Google").click()
        page.get_by_label(ANA).check()
        page.get_by_role("button", name="Allow").click()
        for account in (PADARIA, ACAI):
            box = page.get_by_role("checkbox", name=re.compile(account.dashed))
            expect(box).not_to_be_checked()  # a general link preselects nothing
            box.check()
        page.get_by_role("button", name="Give access").click()

        padaria = page.get_by_role("article").filter(has_text=PADARIA.dashed)
        acai = page.get_by_role("article").filter(has_text=ACAI.dashed)
        expect(padaria.get_by_role("status")).to_have_text(
            "Done: Agência Demo now manages this account."
        )
        expect(acai.get_by_role("alert")).to_contain_text(
            f"Not linked: Only an administrator of account {ACAI.dashed} can accept."
        )
        expect(acai).to_contain_text("AuthorizationError.ACTION_NOT_PERMITTED")
        expect(acai.get_by_role("status")).to_have_count(0)
        page.screenshot(path=screenshot_path("onboarding-general-laptop.png"), full_page=True)
    finally:
        advertiser.close()
    assert advertiser.problems == []

    # The store: the two accounts, named from Google, with Ana's email; nothing else.
    clients = {c.customer_id: c for c in container.store.list_clients(mcc)}
    assert {cid: (c.status, c.email) for cid, c in clients.items()} == {
        PADARIA: (LinkStatus.APPROVED, ANA),
        ACAI: (LinkStatus.PENDING, ANA),  # the invitation stays, recorded; a retry accepts it
    }
    assert clients[PADARIA].name == "Padaria São João"
    by_ana = f"advertiser:{ANA}"
    assert _changes(container, PADARIA) == [
        (Operation.REGISTER, Outcome.SUCCESS, by_ana),
        (Operation.INVITE, Outcome.SUCCESS, by_ana),
        (Operation.RESPOND, Outcome.SUCCESS, by_ana),
    ]
    assert _changes(container, ACAI) == [
        (Operation.REGISTER, Outcome.SUCCESS, by_ana),
        (Operation.INVITE, Outcome.SUCCESS, by_ana),
        (Operation.RESPOND, Outcome.FAILED, by_ana),
    ]
    [stored_link] = container.store.list_onboarding_links(mcc)
    assert (stored_link.opened, stored_link.signed_in, stored_link.accepted) == (1, 1, 1)

    # Google: the MCC's links to Padaria (ACTIVE) and Açaí (PENDING) are new; nothing else moved.
    google_after = customer_client_links(ads_client_factory, mcc.digits)
    assert set(google_before) - set(google_after) == set()
    assert _statuses(sorted(set(google_after) - set(google_before))) == {
        PADARIA.digits: "ACTIVE",
        ACAI.digits: "PENDING",
    }
    world_after = _world(fresh_emulator)
    assert world_after["accounts"] == world_before["accounts"]
    assert world_after["links"] - world_before["links"] == {
        (mcc.digits, PADARIA.digits, "ACTIVE"),
        (mcc.digits, ACAI.digits, "PENDING"),
    }
    assert world_before["links"] - world_after["links"] == set()


def _statuses(links: list[tuple[str, int, str]]) -> dict[str, str]:
    """Client id -> status, for links read with ``customer_client_links`` (one per client)."""
    statuses = {client: status for client, _, status in links}
    assert len(statuses) == len(links), links
    return statuses


def _changes(container: Container, customer: CustomerId) -> list[tuple[Operation, Outcome, str]]:
    """The customer's history, oldest first, without the webhook deliveries' own entries."""
    history = reversed(list(container.store.client_history(container.mcc, customer)))
    return [
        (e.operation, e.outcome, e.actor) for e in history if e.operation is not Operation.WEBHOOK
    ]


def _world(emulator: Emulator) -> dict[str, Any]:
    """The emulator's whole world: every account, and every manager link (manager, client,
    status)."""
    state = fetch_state(emulator.admin_url)
    links = {(k["manager"], k["client"], k["status"]) for k in state["links"]}
    return {"accounts": state["accounts"], "links": links}


def _wait_for_delivery(
    receiver: Receiver, wanted: Callable[[dict[str, Any]], bool], timeout: float = 15.0
) -> Received:
    """The first request the receiver answered 2xx whose history entry is ``wanted``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for request in receiver.received:
            if 200 <= request.answered < 300 and wanted(request.json["entry"]):
                return request
        time.sleep(0.05)
    raise AssertionError(f"no such delivery in {timeout} s: {receiver.received}")
