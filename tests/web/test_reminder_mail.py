"""A reminder as the advertiser gets it: mailed through the real SMTP sink, its link opens
the advertiser's page, and its one-click unsubscribe (RFC 8058) stops the next ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import Client, CustomerId, LinkStatus, Operation, utcnow
from mcclink.emulator.mailbox import Mailbox
from mcclink.reminders import UNSUBSCRIBED, remind
from mcclink.service import Registration
from tests.web.conftest import AGENCY, PUBLIC_URL

PADARIA = CustomerId.parse("111-222-3333")
ANA = "ana@padaria.com.br"


@pytest.fixture
def mailing(web_env: dict[str, str], mailbox: Mailbox) -> Iterator[Container]:
    """A container over the app's store that mails reminders to the sink; Padaria invited."""
    environ = {
        **web_env,
        "MCC_MAIL_URL": mailbox.url,
        "MCC_MAIL_FROM": "ads@agencia.example.com",
        "MCC_REMIND_AT": "1d,3d",
        "MCC_LOCALE": "en",
    }
    container = Container(environ=environ, actor="test")
    container.service.register(container.mcc, Registration(PADARIA, "Padaria", ANA), invite=True)
    yield container
    container.close()


def _text(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    assert part.get_content_type() == f"text/{subtype}"
    return str(part.get_content())


def _only(mailbox: Mailbox) -> EmailMessage:
    assert len(mailbox.messages) == 1
    return mailbox.messages[0]


def test_the_reminder_link_opens_the_advertisers_page(
    mailing: Container, mailbox: Mailbox, client: TestClient
) -> None:
    report = remind(mailing, dry_run=False, now=utcnow() + timedelta(days=1, minutes=1))

    assert (report.count("sent"), report.count("failed")) == (1, 0)
    message = _only(mailbox)
    assert message["To"] == ANA
    assert AGENCY in message["Subject"]
    text, html = _text(message, "plain"), _text(message, "html")
    links = re.findall(rf"{re.escape(PUBLIC_URL)}/onboard/[A-Za-z0-9_.-]+", text)
    url = next(link for link in links if not link.endswith("unsubscribe"))
    assert url in html
    assert "Accepting lets the agency" in text
    page = client.get(url.removeprefix(PUBLIC_URL))
    assert page.status_code == 200
    assert AGENCY in page.text
    assert PADARIA.dashed in page.text or PADARIA.digits in page.text
    entry = next(mailing.store.client_history(mailing.mcc, PADARIA))
    assert entry.operation is Operation.REMIND
    assert entry.details["step"] == "1"
    assert entry.details["message_id"] == message["Message-ID"]
    token = url.rsplit("/", 1)[1]
    assert token not in str(entry)
    assert token.split(".")[0] == entry.details["onboarding_link_id"]


def test_one_click_unsubscribe_stops_the_next_reminders(
    mailing: Container, mailbox: Mailbox, client: TestClient
) -> None:
    remind(mailing, dry_run=False, now=utcnow() + timedelta(days=1, minutes=1))
    message = _only(mailbox)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    target = message["List-Unsubscribe"].strip("<>")
    assert target.startswith(f"{PUBLIC_URL}/onboard/")
    assert target.endswith("/unsubscribe")
    path = target.removeprefix(PUBLIC_URL)

    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "<form" in confirm.text
    assert UNSUBSCRIBED not in _padaria(mailing).attributes

    answer = client.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert answer.status_code == 200
    assert "No more reminders" in answer.text
    stored = _padaria(mailing)
    assert stored.status is LinkStatus.PENDING
    assert UNSUBSCRIBED in stored.attributes
    assert client.post(path).status_code == 200
    operations = [e.operation for e in mailing.store.client_history(mailing.mcc, PADARIA)]
    assert operations.count(Operation.UNSUBSCRIBE) == 1
    later = remind(mailing, dry_run=False, now=utcnow() + timedelta(days=4))
    assert later.due == ()
    assert len(mailbox.messages) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_unsubscribe_link_changes_nothing(
    mailing: Container, client: TestClient, method: str
) -> None:
    answer = client.request(method, "/onboard/abcdefghijklmnop.wrongsecretwrongsecret/unsubscribe")

    assert answer.status_code == 404
    assert UNSUBSCRIBED not in _padaria(mailing).attributes


def _padaria(container: Container) -> Client:
    stored = container.store.get_client(container.mcc, PADARIA)
    assert stored is not None
    return stored
