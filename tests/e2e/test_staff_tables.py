"""`mcclink tables create` and `mcclink doctor` on DynamoDB know the Staff table."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3
import pytest

from tests.e2e.conftest import Cli, Served

pytestmark = pytest.mark.dynamodb


@pytest.fixture
def prefix() -> str:
    return f"e2e{uuid.uuid4().hex[:8]}-"


@pytest.fixture
def dynamodb_cli(home: Path, emulator_process: Served, moto_endpoint: str, prefix: str) -> Cli:
    """The CLI on DynamoDB tables of its own (not made yet)."""
    url = f"dynamodb://?region=us-east-1&prefix={prefix}"
    return Cli(home, {**emulator_process.env, "MCC_STORE": url})


def test_tables_create_makes_the_staff_table_then_finds_it(dynamodb_cli: Cli, prefix: str) -> None:
    first = dynamodb_cli("tables", "create").stdout
    again = dynamodb_cli("tables", "create").stdout

    assert f"table {prefix}Staff created; ACTIVE" in first
    assert f"table {prefix}Staff already exists; ACTIVE" in again


def test_doctor_names_a_missing_staff_table_and_its_fix(dynamodb_cli: Cli, prefix: str) -> None:
    dynamodb_cli("tables", "create")
    boto3.session.Session().client("dynamodb").delete_table(TableName=f"{prefix}Staff")

    done = dynamodb_cli("doctor", check=None)

    assert done.returncode != 0
    report = done.stdout + done.stderr
    assert f"{prefix}Staff" in report
    assert "mcclink tables create" in report
