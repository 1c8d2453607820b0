"""With mail on, the monitor function reminds advertisers and alerts the agency through SES
v2 (moto's server), after its monitor pass, at most once per step and condition."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from mcclink.aws.handler import MonitorRuntime
from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, Operation
from mcclink.emulator import Emulator
from mcclink.errors import ConfigurationError, GoogleAdsError
from mcclink.service import Registration
from tests.aws.conftest import AwsWorld
from tests.aws.test_handler import ACCEPTS, SCHEDULED, Context
from tests.fixtures.smtp import SesMail, body

pytestmark = pytest.mark.dynamodb

ADVERTISER = "dona.maria@padaria.example"
AGENCY = "plantao@agencia.example"
PUBLIC_URL = "https://ads.agencia.example"


@pytest.fixture
def mail_world(aws_world: AwsWorld, ses_mail: SesMail, dynamodb_store: Any) -> AwsWorld:
    """The function's environment with mail through SES: a 1 s reminder step, and an alert
    for invitations pending over 1 s."""
    aws_world.environ.update(
        {
            **{k: v for k, v in ses_mail.environ.items() if k.startswith("MCC_")},
            "MCC_PUBLIC_URL": PUBLIC_URL,
            "MCC_REMIND_AT": "1s",
            "MCC_ALERT_EMAIL": AGENCY,
            "MCC_ALERT_PENDING_AGE": "1s",
            "ONBOARDING_LINKS_TABLE": dynamodb_store.names.onboarding_links,
        }
    )
    return aws_world


def _invited(world: AwsWorld, emulator: Emulator) -> CustomerId:
    mcc = CustomerId.parse(world.environ["MCC_CUSTOMER_IDS"])
    setup = Container(environ={**world.environ, **emulator.env()}, actor="test")
    setup.service.register(mcc, Registration(ACCEPTS, "Padaria São João", ADVERTISER), invite=True)
    setup.close()
    return mcc


def test_a_run_sends_one_reminder_and_one_alert_through_ses_and_the_next_run_none(
    mail_world: AwsWorld,
    ses_mail: SesMail,
    fresh_emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mcc = _invited(mail_world, fresh_emulator)
    time.sleep(1.2)  # the invitation is past its 1 s step
    runtime = MonitorRuntime(mail_world.environ)
    capsys.readouterr()

    first = runtime.run(SCHEDULED, Context())
    second = runtime.run(SCHEDULED, Context("req-2"))

    messages = ses_mail.messages()
    assert sorted(str(m["To"]) for m in messages) == sorted([ADVERTISER, AGENCY])
    [reminder] = [m for m in messages if m["To"] == ADVERTISER]
    link = re.search(rf"{re.escape(PUBLIC_URL)}/onboard/\S+", body(reminder, "plain"))
    assert link is not None
    assert reminder["List-Unsubscribe"]
    [entry] = [
        e for e in mail_world.store.client_history(mcc, ACCEPTS) if e.operation is Operation.REMIND
    ]
    assert entry.details["step"] == "1"
    assert entry.details["message_id"] == reminder["Message-ID"]
    assert link.group(0) not in json.dumps(dict(entry.details))
    assert (first["ok"], first["reminders_sent"], first["reminders_failed"]) == (True, 1, 0)
    assert first["mcc_results"][0]["alerts_notified"] == ["pending_overdue"]
    # The alerts the run logs use the same configured thresholds (pending over 1 s).
    assert any("pending" in alert for alert in first["mcc_results"][0]["alerts"])
    assert (second["reminders_sent"], second["mcc_results"][0]["alerts_notified"]) == (0, [])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["reminders_sent"] for line in lines] == [1, 0]


def test_without_mail_the_function_sends_nothing_and_needs_no_mail_setting(
    aws_world: AwsWorld, ses_mail: SesMail, fresh_emulator: Emulator
) -> None:
    _invited(aws_world, fresh_emulator)
    time.sleep(1.2)

    summary = MonitorRuntime({**aws_world.environ, "MCC_REMIND_AT": "1s"}).run(SCHEDULED, Context())

    assert summary["ok"]
    assert "reminders_sent" not in summary["mcc_results"][0]
    assert summary["reminders_sent"] == 0
    assert ses_mail.messages() == []


def test_bad_mail_settings_fail_the_run_before_any_sync_naming_each_setting(
    mail_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    mcc = _invited(mail_world, fresh_emulator)
    environ = {
        **mail_world.environ,
        "MCC_PUBLIC_URL": "ftp://ads.agencia.example",
        "MCC_REMIND_AT": "3d,1d",
        "MCC_ALERT_REFUSAL_RATE": "lots",
    }
    capsys.readouterr()

    with pytest.raises(ConfigurationError) as raised:
        MonitorRuntime(environ).run(SCHEDULED, Context())

    message = str(raised.value)
    for setting in ("MCC_PUBLIC_URL", "MCC_REMIND_AT", "MCC_ALERT_REFUSAL_RATE"):
        assert setting in message
    [line] = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert (line["level"], line["ok"]) == ("ERROR", False)
    assert list(mail_world.store.client_history(mcc, mcc)) == []  # no monitor pass ran


def test_when_google_ads_cannot_be_read_no_reminder_goes_out_but_the_agency_is_alerted(
    mail_world: AwsWorld,
    ses_mail: SesMail,
    fresh_emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _invited(mail_world, fresh_emulator)
    time.sleep(1.2)
    fresh_emulator.state.tokens.refresh_token = "rotated"  # the run's sync is refused
    capsys.readouterr()

    with pytest.raises(GoogleAdsError):
        MonitorRuntime(mail_world.environ).run(SCHEDULED, Context())

    # The advertiser may have accepted since the last sync: not reminded on stale statuses.
    assert [str(m["To"]) for m in ses_mail.messages()] == [AGENCY]
    [line] = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    [result] = line["mcc_results"]
    assert result["reminders_error"] == "not run: the MCC's sync failed"
    assert "api_failures" in result["alerts_notified"]
    assert line["reminders_sent"] == 0
