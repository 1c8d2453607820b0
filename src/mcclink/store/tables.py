"""The DynamoDB tables, defined once, and how records become their items.

The store, ``mcclink tables create`` and the deploy template all read
``table_definitions``; ``client_item`` / ``history_item`` / ``onboarding_link_item`` and the
staff items fill in the key and index attributes below, so the key formats live in this one
module.

Design (one use case scans: ``managers``, for ``mcclink monitor --all``)::

    Clients                       on-demand (PAY_PER_REQUEST)
      pk mcc_customer_id  S       10 digits
      sk customer_id      S       10 digits
        -> one client: GetItem (consistent read before every versioned write)
        -> every client of an MCC, by customer id: Query pk
        -> every MCC once: Scan projecting pk (DynamoDB lists no partition keys; it reads
           the whole table, as a ``monitor --all`` run's own listings do once more)
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

    Staff                         on-demand (PAY_PER_REQUEST); one table, three kinds of item
      pk pk               S       "user#<email>" | "token#<id>" | "session#<sha256 of cookie>"
        -> one user, token or session: GetItem; role, sign-in, revocation, last use:
           UpdateItem of those attributes alone (a touch never undoes a revocation)
      GSI staff_by_kind:  pk kind S ("user" | "token"), sk sort_key S
        -> every user by e-mail (sort_key = email): Query kind = user
        -> every token, newest first (sort_key = "<created_at>#<id>"): Query kind = token
      GSI staff_by_owner: pk owner_key S, sk sort_key S (sparse: users have no owner_key)
        -> one owner's tokens, newest first: Query owner_key = "token#<owner>"
        -> one person's live sessions (sort_key = "<expires_at>#<id hash>"): Query
           owner_key = "session#<email>" AND sort_key > now
      sessions carry ``expires_ttl`` N (epoch seconds of their absolute end), the table's
      TTL attribute: DynamoDB deletes them once they are over (within a day or two).

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
    api_token_to_dict,
    client_to_dict,
    history_to_dict,
    onboarding_link_from_dict,
    onboarding_link_to_dict,
    staff_session_to_dict,
    staff_user_to_dict,
)
from mcclink.staff import ApiToken, StaffSession, StaffUser
from mcclink.store._aws import aws_errors

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]

CLIENTS_BY_STATUS = "by_mcc_status"
HISTORY_BY_DAY = "by_day"
HISTORY_BY_MCC = "by_mcc"
LINKS_BY_MCC = "links_by_mcc"
STAFF_BY_KIND = "staff_by_kind"
STAFF_BY_OWNER = "staff_by_owner"
#: The Staff table's TTL attribute: a session's absolute end, in seconds since the epoch.
STAFF_TTL = "expires_ttl"

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

STAFF_TABLE: Mapping[str, Any] = {
    "AttributeDefinitions": _strings("pk", "kind", "sort_key", "owner_key"),
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": STAFF_BY_KIND,
            "KeySchema": _key("kind", "sort_key"),
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": STAFF_BY_OWNER,
            "KeySchema": _key("owner_key", "sort_key"),
            "Projection": {"ProjectionType": "ALL"},
        },
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


@dataclass(frozen=True)
class TableNames:
    """The table names in use (after ``CLIENTS_TABLE`` etc. and the URL's prefix)."""

    clients: str = "Clients"
    history: str = "ExecutionHistory"
    onboarding_links: str = "OnboardingLinks"
    staff: str = "Staff"

    @classmethod
    def from_env(cls, environ: Mapping[str, str], prefix: str = "") -> TableNames:
        """``prefix`` + ``CLIENTS_TABLE`` / ``EXECUTION_HISTORY_TABLE`` /
        ``ONBOARDING_LINKS_TABLE`` / ``STAFF_TABLE`` (defaults as the spec).

        Raises:
            ConfigurationError: a resulting name is not a valid DynamoDB table name.
        """
        names = cls(
            clients=prefix + (environ.get("CLIENTS_TABLE") or cls.clients),
            history=prefix + (environ.get("EXECUTION_HISTORY_TABLE") or cls.history),
            onboarding_links=prefix
            + (environ.get("ONBOARDING_LINKS_TABLE") or cls.onboarding_links),
            staff=prefix + (environ.get("STAFF_TABLE") or cls.staff),
        )
        bad = [name for name in names.all() if not _TABLE_NAME.fullmatch(name)]
        if bad:
            raise ConfigurationError(
                [
                    f"DynamoDB table name {name!r} is invalid: use 3-255 letters, digits, "
                    "'_', '-' or '.' (check CLIENTS_TABLE, EXECUTION_HISTORY_TABLE, "
                    "ONBOARDING_LINKS_TABLE, STAFF_TABLE and prefix)"
                    for name in bad
                ]
            )
        return names

    def all(self) -> tuple[str, ...]:
        """Every table's name, in the order ``create_tables`` makes them."""
        return (self.clients, self.history, self.onboarding_links, self.staff)


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


def staff_key(kind: str, key: str) -> Item:
    """The Staff table's key of one item: ``kind`` is user, token or session."""
    return {"pk": {"S": f"{kind}#{key}"}}


def staff_user_item(user: StaffUser) -> Item:
    """The staff user as a Staff item, listed by e-mail in ``staff_by_kind``."""
    record = staff_user_to_dict(user)
    record |= {"pk": f"user#{user.email}", "kind": "user", "sort_key": user.email}
    return serialize(record)


def api_token_item(token: ApiToken) -> Item:
    """The token (its hash, never its secret) as a Staff item, listed newest first in
    ``staff_by_kind`` and in its owner's partition of ``staff_by_owner``."""
    record = api_token_to_dict(token)
    record |= {
        "pk": f"token#{token.id}",
        "kind": "token",
        "sort_key": f"{record['created_at']}#{token.id}",
        "owner_key": f"token#{token.owner}",
    }
    return serialize(record)


def staff_session_item(session: StaffSession) -> Item:
    """The session as a Staff item, in its person's partition of ``staff_by_owner`` sorted by
    its absolute end, which is also its TTL."""
    record = staff_session_to_dict(session)
    record |= {
        "pk": f"session#{session.id_hash}",
        "owner_key": f"session#{session.email}",
        "sort_key": f"{record['expires_at']}#{session.id_hash}",
        STAFF_TTL: int(session.expires_at.timestamp()),
    }
    return serialize(record)


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
        {"TableName": names.staff, **STAFF_TABLE},
    ]


def create_tables(client: DynamoDBClient, names: TableNames) -> list[str]:
    """Create the tables that do not exist, wait until every one is ACTIVE, and turn on the
    Staff table's TTL (sessions vanish once over) unless it is on.

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
    with aws_errors([names.staff]):
        ttl = client.describe_time_to_live(TableName=names.staff)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in {"ENABLED", "ENABLING"}:
            client.update_time_to_live(
                TableName=names.staff,
                TimeToLiveSpecification={"AttributeName": STAFF_TTL, "Enabled": True},
            )
    return created
