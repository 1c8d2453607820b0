"""The template's switch for monitoring every manager of the tables: passed to the function
as the handler reads it, and the one Scan it needs allowed only then, on Clients only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str  # type: ignore[import-untyped]

from mcclink.aws.handler import CONCURRENCY_VAR, MONITOR_ALL_VAR, FunctionSettings
from mcclink.monitor_all import DEFAULT_CONCURRENCY, MAX_CONCURRENCY

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, problems = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    assert not problems
    loaded: dict[str, Any] = json.loads(json.dumps(decoded))
    return loaded


def test_the_parameters_reach_the_function_as_the_handler_reads_them(
    template: dict[str, Any],
) -> None:
    parameters = template["Parameters"]
    variables = template["Resources"]["MonitorFunction"]["Properties"]["Environment"]["Variables"]

    assert variables[MONITOR_ALL_VAR] == {"Ref": "MonitorAllManagers"}
    assert variables[CONCURRENCY_VAR] == {"Ref": "MonitorConcurrency"}
    concurrency = parameters["MonitorConcurrency"]
    assert (concurrency["MinValue"], concurrency["MaxValue"]) == (1, MAX_CONCURRENCY)
    assert concurrency["Default"] == DEFAULT_CONCURRENCY
    for value in parameters["MonitorAllManagers"]["AllowedValues"]:
        environ = {
            "MCC_SECRET_ARN": "arn",
            "MCC_CUSTOMER_IDS": "1234567890",
            MONITOR_ALL_VAR: value,
        }
        assert FunctionSettings.from_env(environ).every_manager is (value == "true")
    rule = template["Rules"]["SomeManagerToMonitor"]
    assert "MccCustomerIds" in json.dumps(rule["Assertions"])


def test_only_monitoring_every_manager_may_scan_and_only_the_clients_table(
    template: dict[str, Any],
) -> None:
    [policy] = template["Resources"]["MonitorFunction"]["Properties"]["Policies"]
    scans = [s for s in policy["Statement"] if "dynamodb:Scan" in json.dumps(s)]

    [statement] = scans
    condition, allowed, otherwise = statement["Fn::If"]
    assert condition == "MonitorAll"
    assert template["Conditions"]["MonitorAll"] == {
        "Fn::Equals": [{"Ref": "MonitorAllManagers"}, "true"]
    }
    assert allowed["Action"] == "dynamodb:Scan"
    assert allowed["Resource"] == {"Fn::GetAtt": ["ClientsTable", "Arn"]}
    assert otherwise == {"Ref": "AWS::NoValue"}
