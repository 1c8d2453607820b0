"""The monitor function logs each MCC's counts of the agency's day so far (the reports'
figures, ``reports.metrics.count_period``), in ``MCC_TIMEZONE``."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from mcclink.aws.handler import MonitorRuntime
from mcclink.domain import utcnow
from mcclink.emulator import Emulator
from mcclink.errors import ConfigurationError
from mcclink.reports.periods import Period
from tests.aws.conftest import AwsWorld
from tests.aws.test_handler import SCHEDULED, Context, invite_then_answer, run_lines

pytestmark = pytest.mark.dynamodb


def test_the_run_logs_today_s_invitations_and_answers(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    invite_then_answer(aws_world, fresh_emulator)  # two invited; one accepts, one refuses
    environ = {**aws_world.environ, "MCC_TIMEZONE": "Asia/Tokyo"}
    capsys.readouterr()

    MonitorRuntime(environ).run(SCHEDULED, Context())

    [line] = run_lines(capsys)
    today = line["mcc_results"][0]["today"]
    assert today["period"] == Period.containing("day", utcnow(), ZoneInfo("Asia/Tokyo")).label
    assert {key: today[key] for key in ("sent", "accepted", "refused", "cancelled")} == {
        "sent": 2,
        "accepted": 1,
        "refused": 1,
        "cancelled": 0,
    }
    assert (today["errors"], today["errors_by_code"], today["reminders_sent"]) == (0, {}, 0)


def test_an_unknown_time_zone_fails_the_run_before_any_mcc_is_synced(
    aws_world: AwsWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {**aws_world.environ, "MCC_TIMEZONE": "America/Sao_Paolo"}
    capsys.readouterr()

    with pytest.raises(ConfigurationError, match="MCC_TIMEZONE 'America/Sao_Paolo' is not a"):
        MonitorRuntime(environ).run(SCHEDULED, Context())

    [line] = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert (line["level"], line["ok"]) == ("ERROR", False)
    assert "mcc_results" not in line
