"""SES v2: through the moto server (the raw message and its headers arrive whole), and each
kind of SES answer sorted as SMTP's are (botocore's Stubber plays SES's refusals)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber

from mcclink.errors import MailRejected, MailSettingsRefused, MailUnavailable
from mcclink.mail import Mail, MailSettings, open_mailer
from mcclink.mail.ses import SesMailer
from tests.fixtures.moto_server import FAKE_AWS
from tests.fixtures.smtp import SES_SENDER, SesMail, body, free_port

SETTINGS = MailSettings("ses://?region=sa-east-1", f"Agência Sol <{SES_SENDER}>")


def mail() -> Mail:
    return Mail(
        "ana@example.com",
        "Convite pendente",
        "Olá, Ana",
        "<p>Olá, <b>Ana</b></p>",
        unsubscribe_url="https://agency.example.com/onboard/abc/unsubscribe",
    )


@pytest.fixture
def stubbed() -> Iterator[tuple[SesMailer, Stubber]]:
    client = boto3.client(
        "sesv2",
        region_name="sa-east-1",
        aws_access_key_id=FAKE_AWS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS["AWS_SECRET_ACCESS_KEY"],
    )
    with Stubber(client) as stubber:
        yield SesMailer(SETTINGS, client=client), stubber
        stubber.assert_no_pending_responses()


def test_a_message_goes_out_whole_through_ses(ses_mail: SesMail) -> None:
    sent = mail()
    mailer = open_mailer(
        MailSettings("ses://?region=sa-east-1", SES_SENDER, "contato@example.com", "Agência Sol")
    )
    answer = mailer.send(sent)
    [got] = ses_mail.messages()
    assert answer, "SES's own message id"
    assert got["Message-ID"] == sent.message_id
    assert got["From"] == f"Agência Sol <{SES_SENDER}>"
    assert got["Reply-To"] == "contato@example.com"
    assert got["List-Unsubscribe"] == "<https://agency.example.com/onboard/abc/unsubscribe>"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert body(got, "plain").strip() == "Olá, Ana"
    assert body(got, "html").strip() == "<p>Olá, <b>Ana</b></p>"


def test_throttling_and_internal_failures_are_retried(stubbed: tuple[SesMailer, Stubber]) -> None:
    mailer, stubber = stubbed
    stubber.add_client_error("send_email", "TooManyRequestsException", "slow down")
    stubber.add_client_error("send_email", "InternalFailure", "try again", http_status_code=500)
    stubber.add_response("send_email", {"MessageId": "0100-abc"})
    assert mailer.send(mail()) == "0100-abc"


def test_a_refused_recipient_is_rejected_once(stubbed: tuple[SesMailer, Stubber]) -> None:
    mailer, stubber = stubbed
    stubber.add_client_error(
        "send_email", "MessageRejected", "Email address is not verified: ana@example.com"
    )
    with pytest.raises(MailRejected, match="SES refused the message"):
        mailer.send(mail())


def test_a_refused_sender_names_mcc_mail_from(stubbed: tuple[SesMailer, Stubber]) -> None:
    mailer, stubber = stubbed
    stubber.add_client_error(
        "send_email", "MessageRejected", f"Email address is not verified: {SES_SENDER}"
    )
    with pytest.raises(MailSettingsRefused, match="MCC_MAIL_FROM: SES"):
        mailer.send(mail())


def test_a_role_that_may_not_send_names_the_setting(stubbed: tuple[SesMailer, Stubber]) -> None:
    mailer, stubber = stubbed
    stubber.add_client_error("send_email", "AccessDeniedException", "not authorized")
    with pytest.raises(MailSettingsRefused) as caught:
        mailer.send(mail())
    assert "MCC_MAIL_URL: SES (ses://sa-east-1) refused to send (AccessDeniedException" in str(
        caught.value
    )
    assert "ses:SendEmail" in str(caught.value)


def test_an_unreachable_endpoint_is_tried_three_times_then_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in FAKE_AWS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(MailSettingsRefused) as caught:
        SesMailer(SETTINGS).send(mail())
    assert isinstance(caught.value, MailUnavailable)
    assert "cannot reach the mail server ses://sa-east-1" in str(caught.value)
    assert "after 3 attempts" in str(caught.value)
    assert "check this machine's access to SES in that region" in str(caught.value)
    assert time.monotonic() - started < 10, "botocore does not retry on top of ours"
