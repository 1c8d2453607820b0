"""The monitor function over many managers: ``MCC_MONITOR_ALL`` (every manager that has
clients in the store) and ``MCC_MONITOR_CONCURRENCY``, run locally (emulator, moto)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcclink.aws import handler
from mcclink.aws.handler import FunctionSettings, MonitorRuntime
from mcclink.domain import Client, CustomerId, LinkStatus, Operation, Outcome
from mcclink.emulator import Emulator
from mcclink.errors import ConfigurationError, GoogleAdsError
from mcclink.monitor import last_run
from mcclink.monitor_all import sync_managers
from tests.aws.conftest import AwsWorld
from tests.hierarchy_tree import ACAI, CLOSED_SUB, LOST, PADARIA, ROOT, SUB_B, load_tree

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mcclink-AbCdEf"
SCHEDULED = {"id": "e-1", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


class Context:
    aws_request_id = "req-all"


def every_manager(world: AwsWorld, **extra: str) -> dict[str, str]:
    environ = {**world.environ, "MCC_MONITOR_ALL": "1", "MCC_MONITOR_CONCURRENCY": "2"}
    for name in ("MCC_CUSTOMER_IDS", "MCC_CUSTOMER_ID"):
        environ.pop(name, None)
    return {**environ, **extra}


def registered(world: AwsWorld, *pairs: tuple[CustomerId, CustomerId]) -> None:
    """Clients in the store as NOT_LINKED (Google holds them ACTIVE under their manager)."""
    for manager, customer in pairs:
        world.store.create_client(Client(customer, manager, f"Anunciante {customer}"))


def summary(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    return line  # type: ignore[no-any-return]


@pytest.mark.dynamodb
def test_every_manager_of_the_store_one_refused_the_others_synced(
    aws_world: AwsWorld,
    fresh_emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_tree(fresh_emulator)
    registered(aws_world, (ROOT, PADARIA), (SUB_B, ACAI), (CLOSED_SUB, LOST))
    capsys.readouterr()
    bounds: list[int] = []

    def recorded(*args: Any, concurrency: int, **kwargs: Any) -> Any:
        bounds.append(concurrency)
        return sync_managers(*args, concurrency=concurrency, **kwargs)

    monkeypatch.setattr(handler, "sync_managers", recorded)

    with pytest.raises(GoogleAdsError, match=f"manager {CLOSED_SUB} is not enabled at Google Ads"):
        MonitorRuntime(every_manager(aws_world)).run(SCHEDULED, Context())

    assert bounds == [2]  # MCC_MONITOR_CONCURRENCY, through the CLI's own code path

    line = summary(capsys)
    assert line["mccs_failed"] == 1
    results = {r["mcc"]: r for r in line["mcc_results"]}
    assert sorted(results) == sorted(m.digits for m in (ROOT, SUB_B, CLOSED_SUB))
    assert results[CLOSED_SUB.digits]["ok"] is False
    assert results[ROOT.digits]["ok"] is results[SUB_B.digits]["ok"] is True
    # ROOT's live links to its three sub-managers are counted, never imported as clients.
    skipped = {mcc: results[mcc.digits]["skipped_managers"] for mcc in (ROOT, SUB_B)}
    assert skipped == {ROOT: 3, SUB_B: 0}
    for manager, customer in ((ROOT, PADARIA), (SUB_B, ACAI)):
        client = aws_world.store.get_client(manager, customer)
        assert client is not None
        assert client.status is LinkStatus.APPROVED
    for manager in (ROOT, SUB_B, CLOSED_SUB):
        run = last_run(aws_world.store, manager)
        assert run is not None
        assert run.operation is Operation.MONITOR
        assert run.outcome is (Outcome.FAILED if manager == CLOSED_SUB else Outcome.SUCCESS)


@pytest.mark.dynamodb
def test_the_configured_managers_come_first_then_the_stores_others(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    load_tree(fresh_emulator)
    registered(aws_world, (ROOT, PADARIA))
    capsys.readouterr()
    settings = FunctionSettings.from_env(every_manager(aws_world, MCC_CUSTOMER_IDS=str(SUB_B)))

    assert settings.managers(aws_world.store) == [SUB_B, ROOT]
    MonitorRuntime(every_manager(aws_world, MCC_CUSTOMER_IDS=str(SUB_B))).run(SCHEDULED, Context())

    line = summary(capsys)
    assert sorted(r["mcc"] for r in line["mcc_results"]) == [ROOT.digits, SUB_B.digits]
    assert line["ok"] is True


def test_monitor_all_needs_no_mcc_list() -> None:
    settings = FunctionSettings.from_env({"MCC_SECRET_ARN": ARN, "MCC_MONITOR_ALL": "true"})

    assert (settings.every_manager, settings.mccs, settings.concurrency) == (True, (), 4)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("MCC_MONITOR_ALL", "maybe", "MCC_MONITOR_ALL 'maybe' is not a yes/no value"),
        ("MCC_MONITOR_CONCURRENCY", "0", "MCC_MONITOR_CONCURRENCY '0' is not a number from 1"),
        ("MCC_MONITOR_CONCURRENCY", "abc", "MCC_MONITOR_CONCURRENCY 'abc' is not a number"),
        ("MCC_MONITOR_CONCURRENCY", "33", "MCC_MONITOR_CONCURRENCY '33' is not a number"),
    ],
)
def test_a_bad_setting_is_named_with_its_fix(variable: str, value: str, named: str) -> None:
    environ = {"MCC_SECRET_ARN": ARN, "MCC_CUSTOMER_IDS": "123-456-7890", variable: value}

    with pytest.raises(ConfigurationError) as raised:
        FunctionSettings.from_env(environ)

    assert raised.value.problems == [next(p for p in raised.value.problems if named in p)]
