"""``mcclink stats --all`` in a subprocess, on SQLite and on DynamoDB (moto): every manager's
figures and their sum, worked out by hand in ``tests.web.two_managers``."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from mcclink.domain import CustomerId
from mcclink.store import open_store
from tests.e2e.conftest import Cli
from tests.web.two_managers import (
    OTHER,
    SUB,
    TOTAL_CLIENTS,
    TOTAL_MEAN_S,
    TOTAL_RATE,
    seed,
)

ROOT = CustomerId.parse("123-456-7890")


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def seeded(request: pytest.FixtureRequest, home: Path) -> Cli:
    """The CLI over a store holding two managers' clients; MCC_CUSTOMER_IDS names SUB."""
    if request.param == "sqlite":
        url = f"sqlite:///{home / 'mcclink.db'}"
    else:
        request.getfixturevalue("moto_endpoint")  # the session's AWS environment points at it
        url = f"dynamodb://?region=us-east-1&prefix=e2e{uuid.uuid4().hex[:8]}-"
    store = open_store(url)
    if request.param == "dynamodb":
        store.create_tables()  # type: ignore[attr-defined]
    seed(store, ROOT)
    store.close()
    return Cli(
        home,
        {"MCC_STORE": url, "MCC_CUSTOMER_ID": ROOT.dashed, "MCC_CUSTOMER_IDS": SUB.dashed},
    )


def test_stats_all_json_has_each_manager_and_the_sum_from_the_answers(seeded: Cli) -> None:
    body = seeded.json("stats", "--all")

    assert body["scope"] == "all"
    rows = {row["mcc_customer_id"]: row for row in body["managers"]}
    assert list(rows) == [ROOT.digits, SUB.digits, OTHER.digits]
    assert rows[ROOT.digits]["acceptance_rate"] == 1.0
    assert rows[OTHER.digits]["acceptance_rate"] == 0.25
    assert rows[SUB.digits]["total"] == 0
    total = body["total"]
    assert total["acceptance_rate"] == TOTAL_RATE
    assert (total["accepted"], total["refused"]) == (2, 3)
    assert total["mean_time_to_acceptance_s"] == TOTAL_MEAN_S
    assert total["total"] == TOTAL_CLIENTS
    assert total["by_status"]["REJECTED"] == 3
    # One manager's figures are what stats --mcc prints for it.
    assert seeded.json("--mcc", OTHER.dashed, "stats") == rows[OTHER.digits]


def test_stats_all_for_a_person_ends_with_the_sum(seeded: Cli) -> None:
    done = seeded("stats", "--all")

    blocks = done.stdout.split("MCC ")
    assert [b.split(":")[0] for b in blocks[1:]] == [str(ROOT), str(SUB), str(OTHER)]
    assert "All 3 managers: 6 client(s)" in done.stdout
    assert "acceptance rate: 40% (2 of 5 answers)" in done.stdout
    assert done.stdout.rstrip().endswith(
        "mean time to acceptance: 3 h 0 min\n  pending: 1 (0 over 24h)"
    )


def test_stats_all_refuses_mcc_and_a_bad_mcc_list(seeded: Cli, home: Path) -> None:
    with_mcc = seeded("--mcc", OTHER.dashed, "stats", "--all", check=2)
    bad_list = Cli(home, {**seeded.env, "MCC_CUSTOMER_IDS": "123-456-7890,12-34"})(
        "stats", "--all", check=2
    )

    assert "--all counts every manager: drop --mcc" in with_mcc.stderr
    assert "MCC_CUSTOMER_IDS" in bad_list.stderr
    assert "12-34" in bad_list.stderr


def test_stats_all_with_no_manager_at_all_says_what_to_set(home: Path) -> None:
    empty = Cli(home, {"MCC_STORE": f"sqlite:///{home / 'empty.db'}", "MCC_CUSTOMER_ID": ""})

    done = empty("stats", "--all", check=2)

    assert "no manager to count" in done.stderr
    assert "MCC_CUSTOMER_ID" in done.stderr


def test_web_refuses_to_start_with_a_bad_mcc_list(home: Path) -> None:
    web = Cli(
        home,
        {
            "MCC_STORE": f"sqlite:///{home / 'web.db'}",
            "MCC_CUSTOMER_ID": ROOT.dashed,
            "MCC_CUSTOMER_IDS": "123-456-7890,12-34",
            "MCC_API_TOKEN": "test-token-0123456789abcdef-ghijklmnop",
        },
    )

    done = web("web", "--port", "0", check=2)

    assert "MCC_CUSTOMER_IDS: invalid Google Ads customer id '12-34'" in done.stderr
    assert "separated by commas" in done.stderr
