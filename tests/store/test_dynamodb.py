"""What only the DynamoDB backend promises: tables, names, errors, no Scan."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from mcclink.domain import utcnow
from mcclink.errors import (
    ConfigurationError,
    StoreError,
    StoreUnavailable,
    TableMissing,
    VersionConflict,
)
from mcclink.onboarding import OnboardingEvent
from mcclink.staff import Role, StaffUser
from mcclink.store import open_store
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.tables import (
    CLIENTS_TABLE,
    HISTORY_TABLE,
    TableNames,
    client_item,
    table_definitions,
)
from tests.store.records import MCC, a_client, a_link, an_entry, customer

pytestmark = pytest.mark.dynamodb


def fresh_names() -> TableNames:
    """Table names no other test uses."""
    return TableNames.from_env({}, prefix=f"t{uuid.uuid4().hex[:10]}-")


def one_shot_client(endpoint: str) -> Any:
    """A DynamoDB client that never retries (for error paths that would otherwise back off)."""
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return boto3.session.Session().client("dynamodb", endpoint_url=endpoint, config=config)


@pytest.fixture
def untabled(moto_endpoint: str) -> DynamoDBStore:
    """A store whose tables were never created."""
    return DynamoDBStore(fresh_names())


def test_missing_tables_raise_table_missing_naming_the_table(untabled: DynamoDBStore) -> None:
    client = a_client()

    with pytest.raises(TableMissing) as on_read:
        untabled.get_client(MCC, customer(1))
    with pytest.raises(TableMissing) as on_history:
        list(untabled.client_history(MCC, customer(1)))
    with pytest.raises(TableMissing):
        untabled.create_client(client, an_entry(client))
    with pytest.raises(TableMissing) as on_links:
        untabled.count_onboarding_event("nosuchlink000000", OnboardingEvent.OPENED)

    assert on_read.value.table == untabled.names.clients
    assert on_history.value.table == untabled.names.history
    assert on_links.value.table == untabled.names.onboarding_links
    assert "mcclink tables create" in str(on_read.value)


def test_check_on_missing_tables_raises_table_missing(untabled: DynamoDBStore) -> None:
    with pytest.raises(TableMissing):
        untabled.check()


def test_create_tables_is_idempotent(untabled: DynamoDBStore) -> None:
    names = untabled.names

    assert untabled.create_tables() == list(names.all())
    assert untabled.create_tables() == []
    untabled.check()


def test_tables_are_on_demand_with_their_indexes(dynamodb_store: DynamoDBStore) -> None:
    clients = dynamodb_store.client.describe_table(TableName=dynamodb_store.names.clients)

    assert clients["Table"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [i["IndexName"] for i in clients["Table"]["GlobalSecondaryIndexes"]] == [
        CLIENTS_TABLE["GlobalSecondaryIndexes"][0]["IndexName"]
    ]
    assert [d["TableName"] for d in table_definitions(dynamodb_store.names)] == list(
        dynamodb_store.names.all()
    )
    assert HISTORY_TABLE["BillingMode"] == "PAY_PER_REQUEST"


def test_table_names_come_from_the_environment_then_the_prefix(moto_endpoint: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    environ = {
        "CLIENTS_TABLE": f"Agency{suffix}",
        "EXECUTION_HISTORY_TABLE": f"Audit{suffix}",
        "ONBOARDING_LINKS_TABLE": f"Links{suffix}",
        "STAFF_TABLE": f"People{suffix}",
    }

    store = open_store("dynamodb://?region=us-east-1&prefix=prod-", environ)

    assert isinstance(store, DynamoDBStore)
    assert store.names == TableNames(
        f"prod-Agency{suffix}", f"prod-Audit{suffix}", f"prod-Links{suffix}", f"prod-People{suffix}"
    )
    store.create_tables()
    stored = store.create_client(a_client())
    link = store.create_onboarding_link(a_link())
    user = store.add_user(StaffUser("ana@agencia.com.br", Role.ADMIN))
    assert store.get_client(MCC, customer(1)) == stored
    assert store.get_onboarding_link(link.id) == link
    assert store.get_user(user.email) == user
    for table in store.names.all():
        store.client.delete_table(TableName=table)


def test_the_region_comes_from_the_url_else_the_environment() -> None:
    from_url = open_store("dynamodb://?region=sa-east-1", {"AWS_REGION": "eu-west-1"})
    from_env = open_store("dynamodb://", {"AWS_DEFAULT_REGION": "eu-west-1"})

    assert isinstance(from_url, DynamoDBStore)
    assert isinstance(from_env, DynamoDBStore)
    assert from_url.client.meta.region_name == "sa-east-1"
    assert from_env.client.meta.region_name == "eu-west-1"


def test_no_region_anywhere_raises_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))

    with pytest.raises(ConfigurationError, match=r"\?region="):
        DynamoDBStore(fresh_names()).get_client(MCC, customer(1))


def test_the_scan_guard_would_catch_a_scan(dynamodb_store: DynamoDBStore) -> None:
    scans: list[str] = []
    dynamodb_store.client.meta.events.register(
        "before-call.dynamodb.Scan", lambda **_: scans.append("Scan")
    )

    dynamodb_store.client.scan(TableName=dynamodb_store.names.clients)

    assert scans == ["Scan"], "the contract suite's no-Scan assertion relies on this hook"


def test_check_leaves_no_probe_items(dynamodb_store: DynamoDBStore, moto_endpoint: str) -> None:
    dynamodb_store.check()

    # Scanned with a client of our own: the store itself never scans.
    inspector = one_shot_client(moto_endpoint)
    for table in dynamodb_store.names.all():
        assert inspector.scan(TableName=table)["Count"] == 0


def test_unreachable_endpoint_raises_store_unavailable() -> None:
    store = DynamoDBStore(fresh_names(), client=one_shot_client("http://127.0.0.1:9"))

    with pytest.raises(StoreUnavailable, match="could not be reached"):
        store.get_client(MCC, customer(1))


@pytest.mark.parametrize(
    ("code", "raised"),
    [
        ("ProvisionedThroughputExceededException", StoreUnavailable),
        ("ThrottlingException", StoreUnavailable),
        ("AccessDeniedException", ConfigurationError),
        ("ValidationException", StoreError),
    ],
)
def test_aws_errors_become_mcclink_errors(code: str, raised: type[Exception]) -> None:
    store = DynamoDBStore(fresh_names(), client=one_shot_client("http://127.0.0.1:9"))

    with Stubber(store.client) as stub:
        stub.add_client_error("get_item", service_error_code=code)
        with pytest.raises(raised) as caught:
            store.get_client(MCC, customer(1))

    assert type(caught.value) is raised


@pytest.mark.parametrize(
    ("reasons", "raised"),
    [
        (["TransactionConflict", "None"], VersionConflict),
        (["None", "ThrottlingError"], StoreUnavailable),
    ],
)
def test_cancelled_transactions_say_why(reasons: list[str], raised: type[Exception]) -> None:
    store = DynamoDBStore(fresh_names(), client=one_shot_client("http://127.0.0.1:9"))
    client = a_client(version=1)

    with Stubber(store.client) as stub:
        stub.add_client_error(
            "transact_write_items",
            service_error_code="TransactionCanceledException",
            response_meta={},
            modeled_fields={"CancellationReasons": [{"Code": code} for code in reasons]},
        )
        with pytest.raises(raised):
            store.update_client(client, an_entry(client))


def test_an_mccs_history_over_years_is_one_query(dynamodb_store: DynamoDBStore) -> None:
    entry = an_entry(a_client(1))
    dynamodb_store.append_history(entry)
    queries: list[str] = []
    dynamodb_store.client.meta.events.register(
        "before-call.dynamodb.Query", lambda **_: queries.append("Query")
    )

    found = list(dynamodb_store.history_between(datetime(2000, 1, 1, tzinfo=UTC), utcnow(), MCC))

    assert [e.id for e in found] == [entry.id]
    assert queries == ["Query"]


def test_an_item_with_an_empty_attribute_name_does_not_break_reads(
    dynamodb_store: DynamoDBStore, caplog: pytest.LogCaptureFixture
) -> None:
    # DynamoDB refuses the empty name; moto stores it and answers it untyped, which botocore
    # cannot parse: such an item, written before mcclink refused one, failed every listing.
    broken = a_client(1, attributes={"": "an unnamed column", "segment": "varejo"})
    dynamodb_store.client.put_item(TableName=dynamodb_store.names.clients, Item=client_item(broken))
    fine = dynamodb_store.create_client(a_client(2))

    listed = {c.customer_id: c for c in dynamodb_store.list_clients(MCC)}
    read = dynamodb_store.get_client(MCC, customer(1))

    assert read is not None
    assert listed[customer(1)].attributes == read.attributes == {"segment": "varejo"}
    assert listed[customer(2)] == fine
    assert "map member(s) with no type" in caplog.text
    assert "an unnamed column" not in caplog.text
