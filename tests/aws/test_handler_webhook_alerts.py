"""Without mail, the monitor function's alert pass still runs when a webhook receiver is
set (``MCC_WEBHOOK_URL``): the alerts go to it as ``alert.<kind>`` events (docs/aws.md)."""

from __future__ import annotations

import time

import pytest

from mcclink.aws.handler import MonitorRuntime
from mcclink.emulator import Emulator
from tests.aws.conftest import AwsWorld
from tests.aws.test_handler import SCHEDULED, Context
from tests.aws.test_handler_mail import _invited
from tests.fixtures.smtp import SesMail
from tests.fixtures.webhook_receiver import Receiver

pytestmark = pytest.mark.dynamodb

SECRET = "9f3c1a7e5b2d8046ce1f"


def test_without_mail_a_webhook_receiver_gets_the_alerts_and_the_run_logs_them(
    aws_world: AwsWorld, ses_mail: SesMail, fresh_emulator: Emulator, receiver: Receiver
) -> None:
    _invited(aws_world, fresh_emulator)
    time.sleep(1.2)  # the invitation is pending past MCC_ALERT_PENDING_AGE
    environ = {
        **aws_world.environ,
        "MCC_WEBHOOK_URL": receiver.url,
        "MCC_WEBHOOK_SECRET": SECRET,
        "MCC_ALERT_PENDING_AGE": "1s",
    }

    first = MonitorRuntime(environ).run(SCHEDULED, Context())
    second = MonitorRuntime(environ).run(SCHEDULED, Context("req-2"))

    assert (first["ok"], second["ok"]) == (True, True)
    assert "MCC_MAIL_URL" not in environ
    events = [r.headers["X-Mcclink-Event"] for r in receiver.received]
    assert events == ["alert.pending_overdue"]  # once: the second run tells nothing again
    assert all(r.verified_with(SECRET) for r in receiver.received)
    assert first["mcc_results"][0]["alerts_notified"] == ["pending_overdue"]
    assert second["mcc_results"][0]["alerts_notified"] == []
    assert "reminders_sent" not in first["mcc_results"][0]
    assert ses_mail.messages() == []
