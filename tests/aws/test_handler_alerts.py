"""The monitor function logs each MCC's ``mcclink stats`` alerts, computed from history."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcclink.aws.handler import MonitorRuntime
from mcclink.bootstrap import Container
from mcclink.emulator import Emulator
from tests.aws.conftest import AwsWorld
from tests.aws.test_handler import ACCEPTS, REFUSES, SCHEDULED, Context, invite_then_answer

pytestmark = pytest.mark.dynamodb


def _alerts(runtime: MonitorRuntime, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    runtime.run(SCHEDULED, Context())
    [line] = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    result: dict[str, Any] = line["mcc_results"][0]
    alerts: list[str] = result["alerts"]
    return alerts


def test_an_acceptance_later_unlinked_still_counts_and_more_refusals_raise_the_alert(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    mcc = invite_then_answer(aws_world, fresh_emulator)
    runtime = MonitorRuntime(aws_world.environ)
    assert _alerts(runtime, capsys) == []

    fresh_emulator.state.respond(ACCEPTS.dashed, mcc.dashed, "unlink")
    # One refusal and one acceptance, now unlinked: 50%, not "100% of answers refused".
    assert _alerts(runtime, capsys) == []

    agency = Container(environ={**aws_world.environ, **fresh_emulator.env()}, actor="test")
    agency.service.invite(mcc, REFUSES)
    agency.close()
    fresh_emulator.state.respond(REFUSES.dashed, mcc.dashed, "refuse")
    assert _alerts(runtime, capsys) == [
        "high refusal rate: 2 of the last 3 answer(s) refused (67%; the threshold is 50%)"
    ]
