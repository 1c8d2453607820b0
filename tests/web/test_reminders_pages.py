"""Reminders on the dashboard and the API's stats, and in a client's timeline."""

from __future__ import annotations

import html
import re
import time
from datetime import timedelta

from fastapi.testclient import TestClient

from mcclink import reminders
from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, HistoryEntry, LinkStatus, Operation, Outcome
from mcclink.emulator.mailbox import Mailbox
from mcclink.service import Registration

PADARIA = CustomerId.parse("111-222-3333")
CLAIM = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _reminded(container: Container, step: int, *, failed: bool = False) -> HistoryEntry:
    """A reminder of Padaria's pending invitation, recorded as ``mcclink remind`` does."""
    mcc = container.mcc
    invited = container.service.get(mcc, PADARIA).invited_at
    assert invited is not None
    entry = HistoryEntry(
        PADARIA,
        mcc,
        Operation.REMIND,
        Outcome.FAILED if failed else Outcome.SUCCESS,
        LinkStatus.PENDING,
        LinkStatus.PENDING,
        error_code="MailRejected" if failed else None,
        error_message="550 no such mailbox" if failed else None,
        actor="test",
        details={
            "step": str(step),
            "message_id": f"<step{step}.padaria@mcclink>",
            "onboarding_link_id": f"ol{step}",
            **({} if failed else {"claim": CLAIM}),
        },
        timestamp=invited + timedelta(microseconds=10 * step + failed),
        id=f"remind-{step}-{failed}",
    )
    container.store.append_history(entry)
    return entry


def _text(page: str) -> str:
    """What the page shows, tags left out, on one line."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _invited(container: Container) -> None:
    mcc = container.mcc
    container.service.register(mcc, Registration(PADARIA, "Padaria São João", "a@b.example"))
    container.service.invite(mcc, PADARIA)


def test_the_client_timeline_shows_each_reminder_with_its_step_and_not_its_claim(
    signed_in: TestClient, web_container: Container
) -> None:
    _invited(web_container)
    _reminded(web_container, 1)
    _reminded(web_container, 2)
    _reminded(web_container, 2, failed=True)

    page = signed_in.get(f"/clients/{PADARIA.digits}").text
    text = _text(page)

    assert "REMIND SUCCESS reminder 1 e-mailed to the advertiser" in text
    assert "REMIND SUCCESS reminder 2 e-mailed to the advertiser" in text
    assert "REMIND FAILED reminder 2 not sent" in text
    assert "MailRejected: 550 no such mailbox" in text
    assert "message_id: <step2.padaria@mcclink>" in text
    assert "onboarding_link_id: ol1" in text
    assert CLAIM not in page  # the claim is the store's bookkeeping, not the staff's
    newest_first = ["reminder 2 not sent", "reminder 2 e-mailed", "reminder 1 e-mailed"]
    assert sorted(newest_first, key=text.index) == newest_first


def test_the_dashboard_and_the_api_count_reminders_per_step_and_the_acceptances_after_them(
    signed_in: TestClient, api: TestClient, web_container: Container
) -> None:
    before = signed_in.get("/").text
    assert "No reminders sent yet" in before

    _invited(web_container)
    _reminded(web_container, 1)
    web_container.service.respond(web_container.mcc, PADARIA, accept=True)

    body = api.get("/api/v1/stats").json()
    page = _text(signed_in.get("/").text)

    assert body["reminders"]["sent_by_step"] == {"1": 1}
    assert body["reminders"]["accepted_within_2_days"] == 1
    assert "Sent at step 1 1" in page
    assert "Accepted within 2 days 1 of 1 reminded invitation(s)" in page


def test_a_reminder_mcclink_remind_sent_shows_in_the_timeline_with_its_message_id(
    signed_in: TestClient, web_container: Container, web_env: dict[str, str], mailbox: Mailbox
) -> None:
    _invited(web_container)
    time.sleep(1.1)  # past the 1 s step
    environ = {
        **web_env,
        "MCC_MAIL_URL": mailbox.url,
        "MCC_MAIL_FROM": "Agência Demo <ads@agencia.example>",
        "MCC_REMIND_AT": "1s",
    }
    sender = Container(environ=environ, actor="test")
    report = reminders.remind(sender, dry_run=False)
    sender.close()

    assert report.count("sent") == 1
    [message] = mailbox.wait_for(1)
    text = _text(signed_in.get(f"/clients/{PADARIA.digits}").text)
    assert "REMIND SUCCESS reminder 1 e-mailed to the advertiser" in text
    assert f"message_id: {message['Message-ID']}" in text
