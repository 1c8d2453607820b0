"""Where the staff records live: SQLite's migration 3, DynamoDB's Staff table and its TTL,
and the deploy template that makes the same table."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str  # type: ignore[import-untyped]

from mcclink.errors import StoreUnavailable, TableMissing
from mcclink.serialization import format_timestamp
from mcclink.staff import Role, StaffUser, new_session
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.migrations import LATEST, MIGRATIONS
from mcclink.store.sqlite import SqliteStore
from mcclink.store.tables import STAFF_TTL, TableNames, plain, staff_session_item
from tests.store.records import NOON

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.yaml"
ANA = "ana@agencia.com.br"


# --- SQLite ---------------------------------------------------------------------------------


def test_a_database_made_before_staff_gains_the_staff_tables_and_keeps_its_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a store as mcclink left it before staff existed
        conn.execute("CREATE TABLE schema_migrations (version, name, applied_at)")
        for step in MIGRATIONS[:2]:
            for statement in step.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, 'then')", (step.version, step.name)
            )
        conn.execute(
            "INSERT INTO OnboardingLinks (id, mcc_customer_id, secret_hash, created_at,"
            " expires_at, created_by) VALUES ('kept', '1000000001', 'h', 'a', 'b', 'cli:ana')"
        )
    conn.close()

    store = SqliteStore(path)
    store.add_user(StaffUser(ANA, Role.ADMIN))

    assert store.get_user(ANA) == StaffUser(ANA, Role.ADMIN)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id FROM OnboardingLinks").fetchall() == [("kept",)]
        assert conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone() == (LATEST,)
    conn.close()
    store.close()


def test_a_new_session_drops_the_sessions_past_their_end(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    _, over = new_session(ANA, NOON - timedelta(hours=13), timedelta(hours=12))
    _, revoked_but_running = new_session(ANA, NOON - timedelta(hours=1), timedelta(hours=12))
    store.add_session(over)
    store.add_session(revoked_but_running)
    store.revoke_session(revoked_but_running.id_hash, NOON - timedelta(minutes=30))
    _, new = new_session(ANA, NOON, timedelta(hours=12))

    store.add_session(new)

    assert store.get_session(over.id_hash) is None
    assert store.get_session(revoked_but_running.id_hash) is not None
    assert store.get_session(new.id_hash) == new
    store.close()


@pytest.mark.parametrize("table", ["StaffUsers", "ApiTokens", "StaffSessions"])
def test_check_reports_a_missing_staff_table(tmp_path: Path, table: str) -> None:
    store = SqliteStore(tmp_path / "store.db")
    with sqlite3.connect(tmp_path / "store.db") as conn:
        conn.execute(f"DROP TABLE {table}")
    conn.close()

    with pytest.raises(StoreUnavailable, match=f"no table {table}"):
        store.check()
    store.close()


# --- DynamoDB -------------------------------------------------------------------------------


@pytest.fixture
def untabled(moto_endpoint: str) -> DynamoDBStore:
    """A store whose tables were never created."""
    return DynamoDBStore(TableNames.from_env({}, prefix=f"t{uuid.uuid4().hex[:10]}-"))


@pytest.mark.dynamodb
def test_the_staff_table_is_made_with_its_ttl_on_and_made_again_harmlessly(
    untabled: DynamoDBStore,
) -> None:
    assert untabled.names.staff.endswith("-Staff")

    created = untabled.create_tables()
    again = untabled.create_tables()

    ttl = untabled.client.describe_time_to_live(TableName=untabled.names.staff)
    assert untabled.names.staff in created
    assert again == []
    assert ttl["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": STAFF_TTL,
    }
    untabled.check()
    for table in untabled.names.all():
        untabled.client.delete_table(TableName=table)


@pytest.mark.dynamodb
def test_a_missing_staff_table_is_named(untabled: DynamoDBStore) -> None:
    with pytest.raises(TableMissing) as on_read:
        untabled.get_user(ANA)
    with pytest.raises(TableMissing) as on_write:
        untabled.add_user(StaffUser(ANA, Role.ADMIN))
    with pytest.raises(TableMissing) as on_listing:
        untabled.list_tokens()

    assert on_read.value.table == on_write.value.table == on_listing.value.table
    assert on_read.value.table == untabled.names.staff


def test_a_session_item_expires_by_ttl_at_its_absolute_end() -> None:
    _, session = new_session(ANA, NOON, timedelta(hours=12))

    item = plain(staff_session_item(session))

    assert item[STAFF_TTL] == int((NOON + timedelta(hours=12)).timestamp())
    assert item["sort_key"] == f"{format_timestamp(session.expires_at)}#{session.id_hash}"


def test_the_staff_table_name_comes_from_the_environment_then_the_prefix() -> None:
    assert TableNames.from_env({"STAFF_TABLE": "People"}, "prod-").staff == "prod-People"
    assert TableNames.from_env({}, "prod-").staff == "prod-Staff"


# --- the deploy template --------------------------------------------------------------------


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, problems = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    assert not problems
    loaded: dict[str, Any] = json.loads(json.dumps(decoded))
    return loaded


def test_the_template_staff_table_expires_sessions_by_the_stores_ttl_attribute(
    template: dict[str, Any],
) -> None:
    properties = template["Resources"]["StaffTable"]["Properties"]

    assert properties["TimeToLiveSpecification"] == {"AttributeName": STAFF_TTL, "Enabled": True}
    assert properties["TableName"] == {"Fn::Sub": "${TablePrefix}Staff"}


def test_the_monitor_function_may_not_touch_the_staff_table(template: dict[str, Any]) -> None:
    function = template["Resources"]["MonitorFunction"]["Properties"]

    assert "StaffTable" not in json.dumps(function["Policies"])
    assert "STAFF_TABLE" not in function["Environment"]["Variables"]
