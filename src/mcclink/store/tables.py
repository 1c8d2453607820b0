"""The DynamoDB tables, defined once, and how records become their items.

The store, ``mcclink tables create`` and the deploy template all read
``table_definitions``; ``client_item`` / ``history_item`` / ``onboarding_link_item`` fill in
the key and index attributes below, so the key formats live in this one module.

Design (no use case needs a Scan)::

    Clients                       on-demand (PAY_PER_REQUEST)
      pk mcc_customer_id  S       10 digits
      sk customer_id      S       10 digits
        -> one client: GetItem (consistent read before every versioned write)
        -> every client of an MCC, by customer id: Query pk
      GSI by_mcc_status:  pk mcc_status S ("<mcc>#<STATUS>"), sk customer_id
        -> clients of an MCC in one status (the monitor's PENDING sweep): Query
      every client field is an attribute; ``version`` N is the optimistic lock.

    ExecutionHistory              on-demand (PAY_PER_REQUEST)
      pk client_key  S            "<mcc>#<customer>"
      sk entry_key   S            "<timestamp>#<id>" (fixed-width ISO-8601 UTC, sorts as time)
        -> one client's history, newest first: Query pk, ScanIndexForward=False, Limit
      GSI by_mcc:   pk mcc_customer_id S, sk entry_key
        -> one MCC's history in [start, end): one Query, entry_key BETWEEN start AND end
           (however long the range: `mcclink history --since 2020-01-01` stays one Query)
      GSI by_day:   pk day S ("YYYY-MM-DD", UTC), sk entry_key
        -> every MCC's history in [start, end): one Query per UTC day

    OnboardingLinks               on-demand (PAY_PER_REQUEST)
      pk link_id          S       the link's public id (16 URL-safe characters)
        -> one link: GetItem; revoke and count: UpdateItem (SET if_not_exists, ADD)
      GSI links_by_mcc:   pk mcc_customer_id S, sk created_at S
        -> an MCC's links, newest first: Query, ScanIndexForward=False (one account's:
           the same Query, filtered on customer_id)

Every GSI projects ALL attributes, so a listing is one Query per page, never a GetItem per
row. Writing a status change and its history entry is one TransactWriteItems: the client
Put/Delete conditioned on ``version``, the entry Put conditioned on ``attribute_not_exists``.

Known trade-offs: all of one day's history lands in one ``by_day`` partition (ample for an
agency's few thousand operations a day; a busier one would shard the day key), and the GSIs
are eventually consistent (a status listing may lag a write by a moment; every write is
still checked against the version read consistently from the table).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from mcclink.domain import Client, HistoryEntry
from mcclink.errors import ConfigurationError
from mcclink.onboarding import OnboardingLink
from mcclink.serialization import (
    client_to_dict,
    history_to_dict,
    onboarding_link_from_dict,
    onboarding_link_to_dict,
)
from mcclink.store._aws import aws_errors

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]

CLIENTS_BY_STATUS = "by_mcc_status"
HISTORY_BY_DAY = "by_day"
HISTORY_BY_MCC = "by_mcc"
LINKS_BY_MCC = "links_by_mcc"

_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_SERIALIZER, _DESERIALIZER = TypeSerializer(), TypeDeserializer()


def _key(hash_key: str, range_key: str) -> list[dict[str, str]]:
    return [
        {"AttributeName": hash_key, "KeyType": "HASH"},
        {"AttributeName": range_key, "KeyType": "RANGE"},
    ]


def _strings(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


#: ``create_table`` arguments for each table, all but ``TableName``.
CLIENTS_TABLE: Mapping[str, Any] = {
    "AttributeDefinitions": _strings("mcc_customer_id", "customer_id", "mcc_status"),
    "KeySchema": _key("mcc_customer_id", "customer_id"),
    "GlobalSecondaryIndexes": [
        {
            "IndexName": CLIENTS_BY_STATUS,
            "KeySchema": _key("mcc_status", "customer_id"),
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
HISTORY_TABLE: Mapping[str, Any] = {
    "AttributeDefinitions": _strings("client_key", "entry_key", "day", "mcc_customer_id"),
    "KeySchema": _key("client_key", "entry_key"),
    "GlobalSecondaryIndexes": [
        {
            "IndexName": HISTORY_BY_DAY,
            "KeySchema": _key("day", "entry_key"),
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": HISTORY_BY_MCC,
            "KeySchema": _key("mcc_customer_id", "entry_key"),
            "Projection": {"ProjectionType": "ALL"},
        },
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
ONBOARDING_LINKS_TABLE: Mapping[str, Any] = {
    "AttributeDefinitions": _strings("link_id", "mcc_customer_id", "created_at"),
    "KeySchema": [{"AttributeName": "link_id", "KeyType": "HASH"}],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": LINKS_BY_MCC,
            "KeySchema": _key("mcc_customer_id", "created_at"),
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


@dataclass(frozen=True)
class TableNames:
    """The table names in use (after ``CLIENTS_TABLE`` etc. and the URL's prefix)."""

    clients: str = "Clients"
    history: str = "ExecutionHistory"
    onboarding_links: str = "OnboardingLinks"

    @classmethod
    def from_env(cls, environ: Mapping[str, str], prefix: str = "") -> TableNames:
        """``prefix`` + ``CLIENTS_TABLE`` / ``EXECUTION_HISTORY_TABLE`` /
        ``ONBOARDING_LINKS_TABLE`` (defaults as the spec).

        Raises:
            ConfigurationError: a resulting name is not a valid DynamoDB table name.
        """
        names = cls(
            clients=prefix + (environ.get("CLIENTS_TABLE") or cls.clients),
            history=prefix + (environ.get("EXECUTION_HISTORY_TABLE") or cls.history),
            onboarding_links=prefix
            + (environ.get("ONBOARDING_LINKS_TABLE") or cls.onboarding_links),
        )
        bad = [name for name in names.all() if not _TABLE_NAME.fullmatch(name)]
        if bad:
            raise ConfigurationError(
                [
                    f"DynamoDB table name {name!r} is invalid: use 3-255 letters, digits, "
                    "'_', '-' or '.' (check CLIENTS_TABLE, EXECUTION_HISTORY_TABLE, "
                    "ONBOARDING_LINKS_TABLE and prefix)"
                    for name in bad
                ]
            )
        return names

    def all(self) -> tuple[str, ...]:
        """Every table's name, in the order ``create_tables`` makes them."""
        return (self.clients, self.history, self.onboarding_links)


def client_item(client: Client) -> Item:
    """The client as a DynamoDB item (typed attribute values), index keys included."""
    record = client_to_dict(client)
    record["mcc_status"] = f"{record['mcc_customer_id']}#{record['status']}"
    return serialize(record)


def history_item(entry: HistoryEntry) -> Item:
    """The history entry as a DynamoDB item, keys and index keys included."""
    record = history_to_dict(entry)
    record["client_key"] = f"{record['mcc_customer_id']}#{record['customer_id']}"
    record["entry_key"] = f"{record['timestamp']}#{record['id']}"
    record["day"] = record["timestamp"][:10]
    return serialize(record)


def onboarding_link_item(link: OnboardingLink) -> Item:
    """The onboarding link as a DynamoDB item: its id is the key ``link_id``."""
    record = onboarding_link_to_dict(link)
    record["link_id"] = record.pop("id")
    return serialize(record)


def onboarding_link_from_item(item: Item) -> OnboardingLink:
    """The onboarding link stored as ``item`` (typed attribute values)."""
    record = plain(item)
    record["id"] = record.pop("link_id")
    return onboarding_link_from_dict(record)


def serialize(record: Item) -> Item:
    """Typed attribute values; None is left out, floats become Decimals (boto3 insists)."""
    return {
        key: _SERIALIZER.serialize(Decimal(repr(value)) if isinstance(value, float) else value)
        for key, value in record.items()
        if value is not None
    }


def plain(item: Item) -> Item:
    """The item's attributes as Python values (numbers as ``Decimal``)."""
    return {key: _DESERIALIZER.deserialize(value) for key, value in item.items()}


def table_definitions(names: TableNames) -> list[dict[str, Any]]:
    """Complete ``create_table`` arguments for every table."""
    return [
        {"TableName": names.clients, **CLIENTS_TABLE},
        {"TableName": names.history, **HISTORY_TABLE},
        {"TableName": names.onboarding_links, **ONBOARDING_LINKS_TABLE},
    ]


def create_tables(client: DynamoDBClient, names: TableNames) -> list[str]:
    """Create the tables that do not exist, then wait until every one is ACTIVE.

    Returns the names of the tables created now (empty when all existed).

    Raises:
        ConfigurationError: credentials missing or refused.
        StoreUnavailable: DynamoDB unreachable, or a table did not become ACTIVE in time.
        StoreError: DynamoDB rejected a definition.
    """
    created = []
    for definition in table_definitions(names):
        table = definition["TableName"]
        with aws_errors([table]):
            try:
                client.create_table(**definition)
                created.append(table)
            except client.exceptions.ResourceInUseException:
                pass  # it exists (or is being created): waiting below covers both
    waiter = client.get_waiter("table_exists")
    for table in names.all():
        with aws_errors([table]):
            waiter.wait(TableName=table, WaiterConfig={"Delay": 2, "MaxAttempts": 90})
    return created
