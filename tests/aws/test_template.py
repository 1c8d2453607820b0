"""The SAM template agrees with the code: the tables, the schedule's limits, least privilege.

(``cfn-lint deploy/template.yaml`` itself runs in ``make check``.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str  # type: ignore[import-untyped]

from mcclink.alerts.conditions import EMAIL_VAR as ALERT_EMAIL_VAR
from mcclink.aws.handler import PROBLEM_COUNTS, RUN_MESSAGE
from mcclink.config import (
    AGENCY_NAME_VAR,
    LOCALE_VAR,
    MAIL_FROM_VAR,
    MAIL_REPLY_TO_VAR,
    MAIL_URL_VAR,
    PUBLIC_URL_VAR,
)
from mcclink.mail import MailSettings
from mcclink.reminders import REMIND_AT_VAR, steps_from_env
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


def _statements(template: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The function's policy statements: (always, by Sid), (only with mail, by Sid)."""
    [policy] = template["Resources"]["MonitorFunction"]["Properties"]["Policies"]
    always, with_mail = {}, {}
    for statement in policy["Statement"]:
        if "Fn::If" in statement:
            condition, when_true, when_false = statement["Fn::If"]
            assert when_false == {"Ref": "AWS::NoValue"}
            if condition == "MonitorAll":  # tests/aws/test_template_all_managers.py
                continue
            assert condition == "Mail"
            with_mail[when_true["Sid"]] = when_true
        else:
            always[statement["Sid"]] = statement
    return always, with_mail


def test_the_function_may_touch_only_its_tables_secret_and_bus(template: dict[str, Any]) -> None:
    statements, with_mail = _statements(template)

    assert set(statements) == {"Tables", "Secret", "Events"}
    assert all(s["Effect"] == "Allow" for s in [*statements.values(), *with_mail.values()])
    assert "*" not in json.dumps([s["Action"] for s in [*statements.values(), *with_mail.values()]])
    tables = json.dumps(statements["Tables"]["Resource"])
    assert tables.count("ClientsTable") == tables.count("HistoryTable") == 2
    # Without mail the monitor never touches onboarding links (the advertisers' way in).
    assert "OnboardingLinksTable" not in json.dumps(statements)
    assert "/index/*" in tables
    assert statements["Events"]["Action"] == "events:PutEvents"
    assert statements["Events"]["Resource"] == {"Fn::GetAtt": ["EventBus", "Arn"]}
    assert statements["Secret"]["Action"] == "secretsmanager:GetSecretValue"


def test_with_mail_the_function_may_send_as_its_one_identity_and_only_add_onboarding_links(
    template: dict[str, Any],
) -> None:
    _, with_mail = _statements(template)

    assert set(with_mail) == {"SendMail", "OnboardingLinks"}
    assert with_mail["SendMail"]["Action"] == "ses:SendEmail"
    assert with_mail["SendMail"]["Resource"] == {"Ref": "SesIdentityArn"}
    # Each reminder stores its new onboarding link: a write, never a read or a listing.
    assert with_mail["OnboardingLinks"]["Action"] == "dynamodb:PutItem"
    assert with_mail["OnboardingLinks"]["Resource"] == {
        "Fn::GetAtt": ["OnboardingLinksTable", "Arn"]
    }
    assert template["Conditions"]["Mail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "SesIdentityArn"}, ""]}]
    }


def test_the_mail_settings_are_parameters_passed_only_when_mail_is_on(
    template: dict[str, Any],
) -> None:
    variables = template["Resources"]["MonitorFunction"]["Properties"]["Environment"]["Variables"]
    mail_variables = {
        MAIL_URL_VAR,
        MAIL_FROM_VAR,
        MAIL_REPLY_TO_VAR,
        AGENCY_NAME_VAR,
        LOCALE_VAR,
        PUBLIC_URL_VAR,
        REMIND_AT_VAR,
        ALERT_EMAIL_VAR,
        "ONBOARDING_LINKS_TABLE",
    }

    assert mail_variables <= set(variables)
    for name in mail_variables:
        condition, _, when_false = variables[name]["Fn::If"]
        assert condition in template["Conditions"], name
        assert when_false == {"Ref": "AWS::NoValue"}, name
    rules = json.dumps(template["Rules"]["MailNeedsSenderAndPublicUrl"])
    assert '"Ref": "MailFrom"' in rules
    assert '"Ref": "PublicUrl"' in rules
    assert steps_from_env({REMIND_AT_VAR: template["Parameters"]["RemindAt"]["Default"]})


def test_the_mail_url_is_ses_in_the_identitys_region_as_the_mailer_reads_it(
    template: dict[str, Any],
) -> None:
    variables = template["Resources"]["MonitorFunction"]["Properties"]["Environment"]["Variables"]
    _, sub, _ = variables[MAIL_URL_VAR]["Fn::If"]
    pattern, values = sub["Fn::Sub"]
    index, split = values["Region"]["Fn::Select"]
    separator, reference = split["Fn::Split"]
    arn = "arn:aws:ses:sa-east-1:123456789012:identity/agencia.example"

    assert re.fullmatch(template["Parameters"]["SesIdentityArn"]["AllowedPattern"], arn)
    assert reference == {"Ref": "SesIdentityArn"}
    url = pattern.replace("${Region}", arn.split(separator)[int(index)])
    settings = MailSettings.from_env(
        {MAIL_URL_VAR: url, MAIL_FROM_VAR: "Agência <ads@agencia.example>"}
    )

    assert settings is not None
    assert settings.region == "sa-east-1"


def test_the_problems_alarm_counts_every_problem_the_run_summary_counts(
    template: dict[str, Any],
) -> None:
    pattern = template["Resources"]["RunProblemsFilter"]["Properties"]["FilterPattern"]

    assert f'$.message = "{RUN_MESSAGE}"' in pattern
    assert set(re.findall(r"\$\.(\w+) > 0", pattern)) == set(PROBLEM_COUNTS)


def test_the_credentials_come_only_from_the_secret(template: dict[str, Any]) -> None:
    variables = template["Resources"]["MonitorFunction"]["Properties"]["Environment"]["Variables"]

    assert not [name for name in variables if name.startswith("GOOGLE_ADS_")]
    assert "MCC_SECRET_ARN" in variables
