"""The monitor function run locally: emulator for Google Ads, moto for every AWS service."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from mcclink import aws
from mcclink.aws import handler
from mcclink.aws.handler import RUN_MESSAGE, SECRET_TTL_SECONDS, MonitorRuntime
from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, LinkStatus
from mcclink.emulator import Emulator
from mcclink.errors import ConfigurationError, GoogleAdsError
from mcclink.service import Registration
from tests.aws.conftest import AwsWorld

pytestmark = pytest.mark.dynamodb

ACCEPTS = CustomerId.parse("111-222-3333")
REFUSES = CustomerId.parse("222-333-4444")
SCHEDULED = {"id": "e-1", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


@dataclass
class Context:
    """The part of Lambda's context object the handler reads."""

    aws_request_id: str = "req-1"


def invite_then_answer(world: AwsWorld, emulator: Emulator) -> CustomerId:
    """Two clients invited through the service; at Google one accepts, one refuses."""
    mcc = CustomerId.parse(world.environ["MCC_CUSTOMER_IDS"])
    setup = Container(environ={**world.environ, **emulator.env()}, actor="test")
    for customer, name in ((ACCEPTS, "Padaria São João"), (REFUSES, "Açaí & Cia")):
        setup.service.register(mcc, Registration(customer, name), invite=True)
    setup.close()
    emulator.state.respond(ACCEPTS.dashed, mcc.dashed, "accept")
    emulator.state.respond(REFUSES.dashed, mcc.dashed, "refuse")
    return mcc


def status_of(world: AwsWorld, mcc: CustomerId, customer: CustomerId) -> LinkStatus:
    client = world.store.get_client(mcc, customer)
    assert client is not None
    return client.status


def run_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_a_scheduled_run_syncs_the_store_publishes_each_change_and_logs_one_line(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    mcc = invite_then_answer(aws_world, fresh_emulator)
    capsys.readouterr()

    summary = MonitorRuntime(aws_world.environ).run(SCHEDULED, Context())

    assert status_of(aws_world, mcc, ACCEPTS) is LinkStatus.APPROVED
    assert status_of(aws_world, mcc, REFUSES) is LinkStatus.REJECTED
    events = aws_world.published()
    assert {e["detail-type"] for e in events} == {"Client Status Changed"}
    assert {e["source"] for e in events} == {"mcclink"}
    details = sorted((e["detail"] for e in events), key=lambda d: d["customer_id"])
    assert [(d["customer_id"], d["status_before"], d["status_after"]) for d in details] == [
        (ACCEPTS.digits, "PENDING", "APPROVED"),
        (REFUSES.digits, "PENDING", "REJECTED"),
    ]
    assert details[0]["client_name"] == "Padaria São João"
    assert {d["mcc_customer_id"] for d in details} == {mcc.digits}
    [line] = run_lines(capsys)
    assert line == summary
    assert (line["message"], line["invocation"], line["trigger"]) == (RUN_MESSAGE, "req-1", "e-1")
    assert (line["ok"], line["changes"], line["events_published"], line["events_failed"]) == (
        True,
        2,
        2,
        0,
    )
    assert line["mcc_results"][0]["by_status"] == {"APPROVED": 1, "REJECTED": 1}


def test_no_secret_value_reaches_the_logs(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    invite_then_answer(aws_world, fresh_emulator)
    MonitorRuntime(aws_world.environ).run(SCHEDULED, Context())
    fresh_emulator.state.tokens.refresh_token = "rotated"  # the next run is refused
    with pytest.raises(GoogleAdsError):
        MonitorRuntime(aws_world.environ).run(SCHEDULED, Context())

    captured = capsys.readouterr()
    for secret in aws_world.secret_values:
        assert secret not in captured.out
        assert secret not in captured.err


def test_a_warm_run_reuses_the_secret_it_read(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = MonitorRuntime(aws_world.environ)
    runtime.run(SCHEDULED, Context())
    boto3.session.Session().client("secretsmanager").delete_secret(
        SecretId=aws_world.secret_arn, ForceDeleteWithoutRecovery=True
    )
    invite_then_answer(aws_world, fresh_emulator)

    summary = runtime.run(SCHEDULED, Context("req-2"))

    assert (summary["ok"], summary["changes"]) == (True, 2)


def test_a_warm_function_keeps_its_container_across_invocations(
    aws_world: AwsWorld, fresh_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Container] = []

    class Counted(Container):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            built.append(self)

    monkeypatch.setattr(handler, "Container", Counted)
    environ = dict(aws_world.environ)
    runtime = MonitorRuntime(environ)
    for trace in ("Root=1-a", "Root=1-b"):  # Lambda sets a new one on every invocation
        environ["_X_AMZN_TRACE_ID"] = trace
        assert runtime.run(SCHEDULED, Context(trace))["ok"] is True

    assert len(built) == 1


def test_after_google_refuses_the_credentials_the_next_run_reads_the_rotated_secret(
    aws_world: AwsWorld, fresh_emulator: Emulator
) -> None:
    runtime = MonitorRuntime(aws_world.environ)
    runtime.run(SCHEDULED, Context())
    rotated = "rtoken-rotated-5e1f"
    tokens = fresh_emulator.state.tokens
    tokens.revoke()  # the old refresh token and its access tokens stop working
    tokens.refresh_token = rotated
    tokens.restore()
    secrets = boto3.session.Session().client("secretsmanager")
    value = json.loads(secrets.get_secret_value(SecretId=aws_world.secret_arn)["SecretString"])
    secrets.put_secret_value(
        SecretId=aws_world.secret_arn, SecretString=json.dumps({**value, "refresh_token": rotated})
    )

    with pytest.raises(GoogleAdsError):
        runtime.run(SCHEDULED, Context("req-2"))  # still on the cached secret
    assert runtime.run(SCHEDULED, Context("req-3"))["ok"] is True


def test_a_secret_older_than_its_ttl_is_read_again(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    now = [0.0]
    runtime = MonitorRuntime(aws_world.environ, clock=lambda: now[0])
    runtime.run(SCHEDULED, Context())
    boto3.session.Session().client("secretsmanager").delete_secret(
        SecretId=aws_world.secret_arn, ForceDeleteWithoutRecovery=True
    )
    now[0] = SECRET_TTL_SECONDS + 1

    with pytest.raises(ConfigurationError, match="cannot read secret"):
        runtime.run(SCHEDULED, Context("req-2"))


def test_an_event_the_bus_refuses_is_counted_and_the_store_write_stays(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    mcc = invite_then_answer(aws_world, fresh_emulator)
    environ = {**aws_world.environ, "MCC_EVENT_BUS": "no-such-bus"}

    summary = MonitorRuntime(environ).run(SCHEDULED, Context())

    assert (summary["ok"], summary["events_published"], summary["events_failed"]) == (False, 0, 2)
    assert status_of(aws_world, mcc, ACCEPTS) is LinkStatus.APPROVED
    warnings = [line for line in run_lines(capsys) if line["message"] == "event not published"]
    assert sorted(w["customer_id"] for w in warnings) == [ACCEPTS.digits, REFUSES.digits]


def test_an_unreadable_mcc_fails_the_invocation_after_the_others_are_synced(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    mcc = invite_then_answer(aws_world, fresh_emulator)
    environ = {**aws_world.environ, "MCC_CUSTOMER_IDS": f"999-999-9999,{mcc.dashed}"}

    with pytest.raises(GoogleAdsError):
        MonitorRuntime(environ).run(SCHEDULED, Context())

    assert status_of(aws_world, mcc, ACCEPTS) is LinkStatus.APPROVED
    [line] = [line for line in run_lines(capsys) if line["message"] == RUN_MESSAGE]
    assert (line["level"], line["mccs_failed"], line["changes"]) == ("ERROR", 1, 2)
    assert line["mcc_results"][0]["mcc"] == "9999999999"
    assert line["mcc_results"][0]["error"]


def test_the_lambda_entry_point_runs_on_the_process_environment(
    aws_world: AwsWorld,
    fresh_emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in aws_world.environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(handler, "_runtime", None)
    invite_then_answer(aws_world, fresh_emulator)

    summary = aws.monitor_handler(SCHEDULED, Context())

    assert (summary["ok"], summary["changes"]) == (True, 2)
    assert len(aws_world.published()) == 2
