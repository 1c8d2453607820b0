"""Every monitor cycle is followed by its reminder and alert passes, also the dashboard's
"Run monitor now" and the API's ``POST /monitor/run`` (``mcclink.followups``)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from mcclink import followups
from mcclink.ads.client import GoogleAdsClientService
from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.emulator import Emulator
from mcclink.emulator.mailbox import Mailbox
from mcclink.service import Registration
from tests.emulator.signin_flow import post_json
from tests.web.conftest import csrf_token
from tests.web.test_onboarding_failures import QUICK
from tests.web.test_reminders_pages import _text

PADARIA = CustomerId.parse("111-222-3333")
ADVERTISER, OPS = "padaria@example.com", "ops@agency.example"


@pytest.fixture
def web_env(web_env: dict[str, str], mailbox: Mailbox) -> dict[str, str]:
    """Mail to the test's SMTP sink, a reminder due 1 s after the invitation, and an alert
    for an invitation pending over 1 s."""
    return {
        **web_env,
        "MCC_MAIL_URL": mailbox.url,
        "MCC_MAIL_FROM": "ads@agency.example",
        "MCC_REMIND_AT": "1s",
        "MCC_ALERT_EMAIL": OPS,
        "MCC_ALERT_PENDING_AGE": "1s",
    }


def _invited_a_second_ago(container: Container) -> None:
    mcc = container.mcc
    container.service.register(mcc, Registration(PADARIA, "Padaria Sol", ADVERTISER))
    container.service.invite(mcc, PADARIA)
    time.sleep(1.2)


def _recipients(mailbox: Mailbox) -> list[str]:
    return sorted(str(m["To"]) for m in mailbox.messages)


def test_run_monitor_now_sends_the_due_reminder_and_the_alert_and_says_so(
    signed_in: TestClient, web_container: Container, mailbox: Mailbox
) -> None:
    _invited_a_second_ago(web_container)
    token = csrf_token(signed_in.get("/").text)

    page = signed_in.post("/monitor", data={"csrf_token": token})

    assert page.status_code == 200, page.text
    mailbox.wait_for(2)
    assert _recipients(mailbox) == [OPS, ADVERTISER]
    text = _text(page.text)
    assert "Reminders: 1 due, 1 sent, 0 failed, 0 skipped." in text
    assert "Alerts: 1 told (" in text


def test_the_api_monitor_run_answers_the_follow_ups_and_a_second_run_sends_nothing_again(
    api: TestClient, web_container: Container, mailbox: Mailbox
) -> None:
    _invited_a_second_ago(web_container)

    first = api.post("/api/v1/monitor/run")
    second = api.post("/api/v1/monitor/run")

    assert first.status_code == second.status_code == 200, first.text
    body = first.json()
    assert (body["reminders"]["sent"], body["reminders_error"]) == (1, None)
    assert (body["alerts"]["fired"], body["alerts_error"]) == (["pending_overdue"], None)
    again = second.json()
    assert (again["reminders"]["sent"], again["alerts"]["fired"]) == (0, [])
    assert _recipients(mailbox) == [OPS, ADVERTISER]


@pytest.fixture
def listing_fails(web_container: Container, fresh_emulator: Emulator) -> None:
    """Every attempt of the sync's link listing answers UNAVAILABLE (retries kept short)."""
    web_container.ads = GoogleAdsClientService(web_container.google_ads_settings, QUICK)
    plan = {"method": "SearchStream", "count": 100}
    assert post_json(fresh_emulator, "/_emulator/faults", plan).status == 200


def test_run_monitor_now_after_a_failed_sync_sends_the_alert_but_no_reminder(
    signed_in: TestClient, web_container: Container, mailbox: Mailbox, listing_fails: None
) -> None:
    _invited_a_second_ago(web_container)
    token = csrf_token(signed_in.get("/").text)

    page = signed_in.post("/monitor", data={"csrf_token": token})

    assert page.status_code == 503, page.text
    text = _text(page.text)
    assert "The monitor run failed:" in text
    assert f"Reminders not sent: {followups.SYNC_FAILED}" in text
    assert "Alerts: 2 told (Invitations pending too long, Google Ads API failures)" in text
    mailbox.wait_for(1)
    time.sleep(0.3)  # a reminder would have been sent before the alert
    assert _recipients(mailbox) == [OPS]


def test_the_api_monitor_run_after_a_failed_sync_sends_the_alert_but_no_reminder(
    api: TestClient, web_container: Container, mailbox: Mailbox, listing_fails: None
) -> None:
    _invited_a_second_ago(web_container)

    answer = api.post("/api/v1/monitor/run")

    assert answer.status_code == 503, answer.text
    assert "listing the links of 123-456-7890" in answer.text
    assert "UNAVAILABLE" in answer.text
    mailbox.wait_for(1)
    time.sleep(0.3)
    assert _recipients(mailbox) == [OPS]
