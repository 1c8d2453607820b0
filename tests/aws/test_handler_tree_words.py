"""The monitor function names its own setting when a configured MCC of a tree is no enabled
manager (issue 17's second review, defect 4): ``MCC_CUSTOMER_IDS``, never the CLI's
``--mcc``, which a Lambda does not have."""

from __future__ import annotations

import json

import pytest

from mcclink.aws.handler import MONITOR_TREE_VAR, MonitorRuntime
from mcclink.emulator import Emulator
from mcclink.errors import ConfigurationError
from tests.aws.conftest import AwsWorld
from tests.hierarchy_tree import CLOSED_SUB, PADARIA, ROOT, load_tree

SCHEDULED = {"id": "e-2", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


class Context:
    aws_request_id = "req-tree-words"


@pytest.mark.dynamodb
@pytest.mark.parametrize(
    ("configured", "said"),
    [
        (PADARIA, f"{PADARIA} is a client account, not a manager"),
        (CLOSED_SUB, "not enabled"),
    ],
    ids=["client-account", "cancelled-manager"],
)
def test_a_configured_mcc_that_is_no_enabled_manager_is_named_by_the_functions_variable(
    aws_world: AwsWorld,
    fresh_emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    configured: object,
    said: str,
) -> None:
    load_tree(fresh_emulator)
    environ = {
        **aws_world.environ,
        "MCC_CUSTOMER_IDS": f"{ROOT},{configured}",
        "GOOGLE_ADS_LOGIN_CUSTOMER_ID": ROOT.digits,
        MONITOR_TREE_VAR: "true",
    }
    capsys.readouterr()

    with pytest.raises(ConfigurationError) as raised:
        MonitorRuntime(environ).run(SCHEDULED, Context())

    [problem] = raised.value.problems
    assert problem.startswith("MCC_CUSTOMER_IDS (else MCC_CUSTOMER_ID): ")
    assert said in problem
    assert "set it to enabled manager accounts' customer ids" in problem
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["ok"] is False
    assert "MCC_CUSTOMER_IDS" in line["error"]
    for cli_words in ("--mcc", "mcc=", "Manager list"):
        assert cli_words not in line["error"]
