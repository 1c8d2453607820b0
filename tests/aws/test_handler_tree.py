"""The monitor function over a tree: ``MCC_MONITOR_TREE`` (every enabled manager under the
configured MCCs, as ``mcclink monitor --tree`` finds them), run locally (emulator, moto), and
the template's switch for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str  # type: ignore[import-untyped]

from mcclink.aws.handler import MONITOR_TREE_VAR, FunctionSettings, MonitorRuntime
from mcclink.domain import Client, CustomerId, LinkStatus
from mcclink.emulator import Emulator
from mcclink.errors import ConfigurationError
from mcclink.monitor import last_run
from tests.aws.conftest import AwsWorld
from tests.hierarchy_tree import CLOSED_SUB, DEEP, ROOT, SUB_A, SUB_A1, SUB_B, load_tree

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mcclink-AbCdEf"
SCHEDULED = {"id": "e-1", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.yaml"


class Context:
    aws_request_id = "req-tree"


@pytest.mark.dynamodb
def test_every_enabled_manager_of_the_tree_synced_the_cancelled_one_named(
    aws_world: AwsWorld, fresh_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    load_tree(fresh_emulator)
    aws_world.store.create_client(Client(DEEP, SUB_A1, "Oficina"))
    # SUB_A opens only logged in above it: the calls' login is the root (the secret's
    # login_customer_id in a deployment).
    environ = {
        **aws_world.environ,
        "MCC_CUSTOMER_IDS": str(ROOT),
        "GOOGLE_ADS_LOGIN_CUSTOMER_ID": ROOT.digits,
        MONITOR_TREE_VAR: "true",
    }
    capsys.readouterr()

    MonitorRuntime(environ).run(SCHEDULED, Context())

    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["ok"] is True
    assert line["mccs_failed"] == 0
    synced = sorted(r["mcc"] for r in line["mcc_results"])
    assert synced == sorted(m.digits for m in (ROOT, SUB_A, SUB_A1, SUB_B))
    assert line["managers_skipped"] == [{"mcc": CLOSED_SUB.digits, "status": "CANCELED"}]
    deep = aws_world.store.get_client(SUB_A1, DEEP)
    assert deep is not None
    assert deep.status is LinkStatus.APPROVED
    assert last_run(aws_world.store, CLOSED_SUB) is None  # never tried, nothing recorded


def test_the_tree_is_read_only_when_asked() -> None:
    plain = FunctionSettings.from_env({"MCC_SECRET_ARN": ARN, "MCC_CUSTOMER_IDS": str(ROOT)})
    tree = FunctionSettings.from_env(
        {"MCC_SECRET_ARN": ARN, "MCC_CUSTOMER_IDS": str(ROOT), MONITOR_TREE_VAR: "1"}
    )

    assert (plain.tree, tree.tree, tree.every_manager, tree.mccs) == (
        False,
        True,
        False,
        (CustomerId.parse(str(ROOT)),),
    )


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (
            {MONITOR_TREE_VAR: "maybe"},
            "MCC_MONITOR_TREE 'maybe' is not a yes/no value: set it to on or off",
        ),
        (
            {MONITOR_TREE_VAR: "1", "MCC_MONITOR_ALL": "1"},
            "MCC_MONITOR_ALL and MCC_MONITOR_TREE are both on: turn one off",
        ),
        (
            {MONITOR_TREE_VAR: "1", "MCC_CUSTOMER_IDS": ""},
            "MCC_MONITOR_TREE monitors the trees under MCC_CUSTOMER_IDS, which is empty: set "
            "it to the top managers' customer ids",
        ),
    ],
)
def test_a_bad_tree_setting_is_named_with_its_fix(extra: dict[str, str], named: str) -> None:
    environ = {"MCC_SECRET_ARN": ARN, "MCC_CUSTOMER_IDS": str(ROOT), **extra}

    with pytest.raises(ConfigurationError) as raised:
        FunctionSettings.from_env(environ)

    assert [p for p in raised.value.problems if named in p] == raised.value.problems


def test_the_templates_switch_reaches_the_function_and_excludes_monitor_all() -> None:
    decoded, problems = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    assert not problems
    template: dict[str, Any] = json.loads(json.dumps(decoded))
    variables = template["Resources"]["MonitorFunction"]["Properties"]["Environment"]["Variables"]

    assert variables[MONITOR_TREE_VAR] == {"Ref": "MonitorTree"}
    for value in template["Parameters"]["MonitorTree"]["AllowedValues"]:
        environ = {"MCC_SECRET_ARN": ARN, "MCC_CUSTOMER_IDS": "1234567890", MONITOR_TREE_VAR: value}
        assert FunctionSettings.from_env(environ).tree is (value == "true")
    rule = template["Rules"]["OneWayToFindManagers"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "MonitorTree"}, "true"]}
    assert "MonitorAllManagers" in json.dumps(rule["Assertions"])
