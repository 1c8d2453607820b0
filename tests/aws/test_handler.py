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
from mcclink.domain import CustomerId, HistoryEntry, LinkStatus, Operation
from mcclink.emulator import Emulator
from mcclink.errors import ConfigurationError, GoogleAdsError
from mcclink.onboard_service import OnboardingService
from mcclink.onboarding import DEFAULT_EXPIRY, new_link
from mcclink.service import Registration
from tests.aws.conftest import AwsWorld
from tests.fixtures.signin import add_user, user_token

pytestmark = pytest.mark.dynamodb

ACCEPTS = CustomerId.parse("111-222-3333")
REFUSES = CustomerId.parse("222-333-4444")
#: Onboarded by its administrator, Ana, through a link.
OFICINA = CustomerId.parse("333-444-5555")
ANA = "ana@oficina.com.br"
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


def event_records(world: AwsWorld, mcc: CustomerId, customer: CustomerId) -> list[HistoryEntry]:
    """The ``EVENT`` entries of ``customer``: what the function recorded as published."""
    history = world.store.client_history(mcc, customer)
    return [e for e in history if e.operation is Operation.EVENT]


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
    synced = sorted(
        (e["detail"] for e in events if e["detail"]["operation"] == "SYNC"),
        key=lambda d: d["customer_id"],
    )
    assert [(d["customer_id"], d["status_before"], d["status_after"]) for d in synced] == [
        (ACCEPTS.digits, "PENDING", "APPROVED"),
        (REFUSES.digits, "PENDING", "REJECTED"),
    ]
    assert synced[0]["client_name"] == "Padaria São João"
    assert synced[0]["actor"] == "lambda:mcclink-monitor-test"
    assert synced[0]["google_request_id"] == summary["mcc_results"][0]["google_request_id"]
    # The registrations and invitations made before the run are status changes too.
    assert (
        sorted(e["detail"]["operation"] for e in events)
        == ["INVITE"] * 2 + ["REGISTER"] * 2 + ["SYNC"] * 2
    )
    assert {e["detail"]["mcc_customer_id"] for e in events} == {mcc.digits}
    [line] = run_lines(capsys)
    assert line == summary
    assert (line["message"], line["invocation"], line["trigger"]) == (RUN_MESSAGE, "req-1", "e-1")
    assert (line["ok"], line["changes"], line["events_published"], line["events_failed"]) == (
        True,
        2,
        6,
        0,
    )
    assert line["mcc_results"][0]["by_status"] == {"APPROVED": 1, "REJECTED": 1}


def test_a_second_run_publishes_nothing_it_published_before(
    aws_world: AwsWorld, fresh_emulator: Emulator
) -> None:
    mcc = invite_then_answer(aws_world, fresh_emulator)
    runtime = MonitorRuntime(aws_world.environ)

    first = runtime.run(SCHEDULED, Context())
    events = aws_world.published()
    second = runtime.run(SCHEDULED, Context("req-2"))

    assert (first["changes"], first["events_published"]) == (2, 6)
    synced = [e["detail"] for e in events if e["detail"]["operation"] == "SYNC"]
    assert sorted(d["customer_id"] for d in synced) == [ACCEPTS.digits, REFUSES.digits]
    assert (second["changes"], second["events_published"], second["events_deferred"]) == (0, 0, 0)
    assert aws_world.published() == []
    for customer in (ACCEPTS, REFUSES):
        recorded = event_records(aws_world, mcc, customer)
        published = [e["detail"] for e in events if e["detail"]["customer_id"] == customer.digits]
        assert sorted(r.details["entry_id"] for r in recorded) == sorted(
            d["history_entry_id"] for d in published
        )
        assert {r.actor for r in recorded} == {"lambda:mcclink-monitor-test"}


def test_a_change_an_advertiser_made_through_onboarding_is_published_by_the_next_run(
    aws_world: AwsWorld, fresh_emulator: Emulator
) -> None:
    mcc = CustomerId.parse(aws_world.environ["MCC_CUSTOMER_IDS"])
    add_user(fresh_emulator, ANA, {OFICINA.digits: "ADMIN"})
    link, _ = new_link(mcc, OFICINA, DEFAULT_EXPIRY, "test")
    aws_world.store.create_onboarding_link(link)
    web = Container(environ={**aws_world.environ, **fresh_emulator.env()}, actor="web")
    advertiser = web.advertiser_ads(user_token(fresh_emulator, ANA))
    [outcome] = OnboardingService(aws_world.store, web.ads).accept(link, ANA, advertiser, [OFICINA])
    advertiser.close()
    web.close()
    assert outcome.ok
    runtime = MonitorRuntime(aws_world.environ)

    first = runtime.run(SCHEDULED, Context())
    events = aws_world.published()
    second = runtime.run(SCHEDULED, Context("req-2"))

    assert (first["changes"], first["events_published"]) == (0, 3)  # the monitor agrees
    details = sorted((e["detail"] for e in events), key=lambda d: d["changed_at"])
    assert [(d["operation"], d["status_before"], d["status_after"]) for d in details] == [
        ("REGISTER", None, "NOT_LINKED"),
        ("INVITE", "NOT_LINKED", "PENDING"),
        ("RESPOND", "PENDING", "APPROVED"),
    ]
    accepted = details[-1]
    assert accepted["actor"] == f"advertiser:{ANA}"
    assert accepted["client_name"] == "Oficina do Zé"
    assert accepted["google_request_id"]
    assert accepted["imported"] is False
    [respond] = [
        e
        for e in aws_world.store.client_history(mcc, OFICINA)
        if e.status_after is LinkStatus.APPROVED
    ]
    assert accepted["history_entry_id"] == respond.id
    assert second["events_published"] == 0
    assert aws_world.published() == []
    assert len(event_records(aws_world, mcc, OFICINA)) == 3


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


def test_changes_are_published_even_when_google_ads_cannot_be_read(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    invite_then_answer(aws_world, fresh_emulator)  # two registrations, two invitations
    fresh_emulator.state.tokens.refresh_token = "rotated"  # the run's sync is refused

    with pytest.raises(GoogleAdsError):
        MonitorRuntime(aws_world.environ).run(SCHEDULED, Context())

    assert sorted(e["detail"]["operation"] for e in aws_world.published()) == [
        "INVITE",
        "INVITE",
        "REGISTER",
        "REGISTER",
    ]
    [line] = [line for line in run_lines(capsys) if line["message"] == RUN_MESSAGE]
    assert (line["ok"], line["mccs_failed"], line["events_published"]) == (False, 1, 4)


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

    assert (summary["ok"], summary["events_published"], summary["events_failed"]) == (False, 0, 6)
    assert status_of(aws_world, mcc, ACCEPTS) is LinkStatus.APPROVED
    warnings = [line for line in run_lines(capsys) if line["message"] == "event not published"]
    assert sorted(w["customer_id"] for w in warnings) == [ACCEPTS.digits] * 3 + [REFUSES.digits] * 3
    assert {w["error_code"] for w in warnings} == {"ResourceNotFoundException"}
    assert event_records(aws_world, mcc, ACCEPTS) == []
    # Nothing refused was recorded as published: the next run on the right bus sends it all.
    retried = MonitorRuntime(aws_world.environ).run(SCHEDULED, Context("req-2"))
    assert (retried["ok"], retried["events_published"]) == (True, 6)
    assert len(aws_world.published()) == 6


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
    assert len(aws_world.published()) == 6
