"""The SAM template agrees with the code: the tables, the schedule's limits, least privilege.

(``cfn-lint deploy/template.yaml`` itself runs in ``make check``.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str  # type: ignore[import-untyped]

from mcclink.store.tables import TableNames, table_definitions

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.yaml"
PREFIX = "prod-"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, problems = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    assert not problems
    # Plain dicts and lists (cfn-lint's nodes carry line marks that compare unequal).
    loaded: dict[str, Any] = json.loads(json.dumps(decoded))
    return loaded


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def table_as_created(properties: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The table's ``create_table`` arguments, ``${TablePrefix}`` resolved to ``prefix``."""
    name = properties["TableName"]["Fn::Sub"].replace("${TablePrefix}", prefix)
    keys = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
    return {"TableName": name, **{key: properties[key] for key in keys if key in properties}}


def test_the_template_tables_are_the_ones_tables_create_makes(template: dict[str, Any]) -> None:
    tables = resources(template, "AWS::DynamoDB::Table").values()
    in_template = [table_as_created(t["Properties"], PREFIX) for t in tables]

    expected = table_definitions(TableNames.from_env({}, prefix=PREFIX))

    assert sorted(in_template, key=lambda t: t["TableName"]) == sorted(
        expected, key=lambda t: t["TableName"]
    )


def test_every_table_has_backups_encryption_and_survives_stack_deletion(
    template: dict[str, Any],
) -> None:
    for table in resources(template, "AWS::DynamoDB::Table").values():
        properties = table["Properties"]
        assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
        assert properties["SSESpecification"]["SSEEnabled"]
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_a_run_ends_before_the_next_can_start_and_is_never_retried(
    template: dict[str, Any],
) -> None:
    function = template["Resources"]["MonitorFunction"]["Properties"]
    shortest_schedule_s = template["Parameters"]["ScheduleMinutes"]["MinValue"] * 60

    assert function["Timeout"] < shortest_schedule_s
    assert function["ReservedConcurrentExecutions"] == 1
    assert function["EventInvokeConfig"]["MaximumRetryAttempts"] == 0
    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    assert template["Parameters"]["ScheduleMinutes"]["Default"] == 15


def test_the_function_may_touch_only_its_tables_secret_and_bus(template: dict[str, Any]) -> None:
    [policy] = template["Resources"]["MonitorFunction"]["Properties"]["Policies"]
    statements = {s["Sid"]: s for s in policy["Statement"]}

    assert set(statements) == {"Tables", "Secret", "Events"}
    assert all(s["Effect"] == "Allow" for s in statements.values())
    assert "*" not in json.dumps([s["Action"] for s in statements.values()])
    tables = json.dumps(statements["Tables"]["Resource"])
    assert tables.count("ClientsTable") == tables.count("HistoryTable") == 2
    # The monitor never reads or writes onboarding links (they hold the advertisers' way in).
    assert "OnboardingLinksTable" not in json.dumps(policy)
    assert "/index/*" in tables
    assert statements["Events"]["Action"] == "events:PutEvents"
    assert statements["Events"]["Resource"] == {"Fn::GetAtt": ["EventBus", "Arn"]}
    assert statements["Secret"]["Action"] == "secretsmanager:GetSecretValue"


def test_the_credentials_come_only_from_the_secret(template: dict[str, Any]) -> None:
    variables = template["Resources"]["MonitorFunction"]["Properties"]["Environment"]["Variables"]

    assert not [name for name in variables if name.startswith("GOOGLE_ADS_")]
    assert "MCC_SECRET_ARN" in variables
