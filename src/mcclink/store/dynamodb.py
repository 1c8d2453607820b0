"""The DynamoDB store (boto3): tables, keys and indexes are described in ``tables``.

Reads of one client are strongly consistent (they precede versioned writes); listings are
Queries, page by page (``LastEvaluatedKey``), never Scans. A write with a history entry is
one ``TransactWriteItems``; a write without one is a conditional PutItem / DeleteItem. A
failed condition returns the old item (``ALL_OLD``), which tells a missing client from a
newer version without a second read.

Every write is idempotent. A write whose answer was lost after it committed (a read
timeout) is sent again, by botocore or by a caller, and then fails its own condition; so
before a failed condition is reported as a conflict, the store checks whether the write is
already in place: the transaction's history entry is stored (it is written only with its
client write), or, for a write alone, the item stored is the very item put. Transactions
also carry a ``ClientRequestToken`` derived from their items, so that DynamoDB itself
answers a repeat within its 10-minute idempotency window as a success; the check above
covers what the token cannot (older repeats, and servers that ignore tokens, such as moto).
An onboarding link's revocation sets its time only if unset, so a repeat returns the same
link. Its counts are the exception, at least once: an ``ADD`` sent again after its answer
was lost counts twice. They are a funnel, not a ledger, and a transaction (exactly once)
would make a burst of concurrent counts on one link cancel each other.

Staff writes keep the same rule: a user, token or session put again finds itself stored;
role changes, sign-ins and touches set the same values again; a revocation keeps its first
time, and "sign out everywhere" counts a session it finds revoked at its own very time.

The boto3 client is built on first use (or injected); this module is imported only when a
DynamoDB store is opened, so importing ``mcclink.store`` never imports boto3.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, cast

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus
from mcclink.errors import (
    ApiTokenNotFound,
    ClientExists,
    ClientNotFound,
    HistoryEntryExists,
    MccLinkError,
    OnboardingLinkNotFound,
    StaffUserExists,
    StaffUserNotFound,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from mcclink.onboarding import OnboardingEvent, OnboardingLink
from mcclink.ports import Store
from mcclink.serialization import (
    api_token_from_dict,
    as_utc,
    client_from_dict,
    format_timestamp,
    history_from_dict,
    staff_session_from_dict,
    staff_user_from_dict,
)
from mcclink.staff import ApiToken, Role, StaffSession, StaffUser
from mcclink.store._aws import (
    OnConditionFailed,
    aws_errors,
    dynamodb_client,
    without_untyped_members,
)
from mcclink.store.tables import (
    CLIENTS_BY_STATUS,
    CLIENTS_TABLE,
    HISTORY_BY_DAY,
    HISTORY_BY_MCC,
    HISTORY_TABLE,
    LINKS_BY_MCC,
    ONBOARDING_LINKS_TABLE,
    STAFF_BY_KIND,
    STAFF_BY_OWNER,
    STAFF_TABLE,
    Item,
    TableNames,
    api_token_item,
    client_item,
    create_tables,
    history_item,
    onboarding_link_from_item,
    onboarding_link_item,
    plain,
    serialize,
    staff_key,
    staff_session_item,
    staff_user_item,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TableDescriptionTypeDef, TransactWriteItemTypeDef

#: Tries of a transaction that DynamoDB keeps cancelling for throttling (as botocore's 5).
THROTTLED_TRANSACTION_ATTEMPTS = 5

_VERSION_IS = {
    "ConditionExpression": "#version = :expected",
    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
}


class DynamoDBStore(Store):
    """``Store`` on the DynamoDB tables named by ``names``."""

    def __init__(
        self,
        names: TableNames | None = None,
        *,
        region: str | None = None,
        client: DynamoDBClient | None = None,
        page_size: int | None = None,
    ) -> None:
        """Remember where the tables are; nothing is contacted until the first call.

        ``page_size`` caps the items a Query returns at once (None: DynamoDB's 1 MB pages).
        """
        self.names = names or TableNames()
        self._region = region
        self._client = client
        self._client_lock = threading.Lock()
        self._page_size = page_size

    @property
    def client(self) -> DynamoDBClient:
        """The boto3 client (built on first use; safe to share between threads).

        Raises:
            ConfigurationError: no AWS region is configured.
        """
        with self._client_lock:
            if self._client is None:
                self._client = dynamodb_client(self._region)
            return self._client

    def create_tables(self) -> list[str]:
        """Create this store's tables unless they exist; wait until ACTIVE.

        Returns the names of the tables created now.

        Raises:
            ConfigurationError: credentials missing or refused.
            StoreUnavailable: DynamoDB unreachable, or a table did not become ACTIVE.
        """
        return create_tables(self.client, self.names)

    def create_client(self, client: Client, entry: HistoryEntry | None = None) -> Client:
        """See ``Store.create_client``.

        Raises:
            InputError: the client breaks ``Client.check_limits``; nothing written.
            ClientExists: a client with this MCC and customer id exists; nothing written.
            StoreError: ``entry``'s id is already recorded; nothing written.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        client.check_limits()
        stored = replace(client, version=1)
        put = {
            "TableName": self.names.clients,
            "Item": client_item(stored),
            "ConditionExpression": "attribute_not_exists(#customer)",
            "ExpressionAttributeNames": {"#customer": "customer_id"},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        mcc, cid = client.mcc_customer_id.digits, client.customer_id.digits
        self._write("Put", put, entry, lambda _: ClientExists(mcc, cid))
        return stored

    def get_client(self, mcc: CustomerId, customer_id: CustomerId) -> Client | None:
        """See ``Store.get_client`` (a strongly consistent read).

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        key = {"mcc_customer_id": {"S": mcc.digits}, "customer_id": {"S": customer_id.digits}}
        request = {"TableName": self.names.clients, "Key": key, "ConsistentRead": True}
        found = self._read(self.names.clients, self.client.get_item, request)
        return None if "Item" not in found else client_from_dict(plain(found["Item"]))

    def list_clients(self, mcc: CustomerId, status: LinkStatus | None = None) -> Iterator[Client]:
        """See ``Store.list_clients``: a Query on the table, or on the status index.

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        if status is None:
            query: Item = {"KeyConditionExpression": "#pk = :pk"}
            names, value = {"#pk": "mcc_customer_id"}, mcc.digits
        else:
            query = {"IndexName": CLIENTS_BY_STATUS, "KeyConditionExpression": "#pk = :pk"}
            names, value = {"#pk": "mcc_status"}, f"{mcc.digits}#{status.value}"
        query |= {"ExpressionAttributeNames": names, "ExpressionAttributeValues": _values(pk=value)}
        items = self._query(self.names.clients, query)
        return (client_from_dict(plain(item)) for item in items)

    def managers(self) -> list[CustomerId]:
        """See ``Store.managers``: a Scan of the Clients table projecting its partition key.

        DynamoDB lists no partition keys, and no index names each MCC once, so this reads
        every client item: about (table size / 4 KB) / 2 read units and one request per MB
        (500,000 clients of 0.6 KB: some 37,000 read units, 300 pages). The Lambda given
        ``MCC_CUSTOMER_IDS`` never pays it.

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        table, found = self.names.clients, set()
        request: Item = {
            "TableName": table,
            "ProjectionExpression": "#mcc",
            "ExpressionAttributeNames": {"#mcc": "mcc_customer_id"},
        }
        if self._page_size is not None:
            request["Limit"] = self._page_size
        while True:
            page = self._read(table, self.client.scan, request)
            found |= {item["mcc_customer_id"]["S"] for item in page["Items"]}
            if "LastEvaluatedKey" not in page:
                return sorted(CustomerId(digits) for digits in found)
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def update_client(self, client: Client, entry: HistoryEntry | None = None) -> Client:
        """See ``Store.update_client``.

        A transaction that lost to a concurrent one (``TransactionConflict``) is reported
        as ``VersionConflict``: re-read and retry.

        Raises:
            ClientNotFound: no such client.
            VersionConflict: the stored version differs; nothing written.
            StoreError: ``entry``'s id is already recorded; nothing written.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        stored = replace(client, version=client.version + 1)
        put = {"TableName": self.names.clients, "Item": client_item(stored), **_versioned(client)}
        self._write("Put", put, entry, _not_found_or_conflict(client))
        return stored

    def delete_client(self, client: Client, entry: HistoryEntry | None = None) -> None:
        """See ``Store.delete_client``; the client's history stays.

        Raises:
            ClientNotFound: no such client.
            VersionConflict: the stored version differs; nothing written.
            StoreError: ``entry``'s id is already recorded; nothing written.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        delete = {"TableName": self.names.clients, "Key": _client_key(client), **_versioned(client)}
        self._write("Delete", delete, entry, _not_found_or_conflict(client))

    def move_client(self, client: Client, new_mcc: CustomerId, entry: HistoryEntry) -> Client:
        """See ``Store.move_client``: one ``TransactWriteItems`` deletes the old item (if its
        version is still the one read), puts the new one (if its key is free) and the entry
        under both managers.

        Raises:
            ClientNotFound: no such client.
            VersionConflict: the stored version differs; nothing written.
            ClientExists: ``new_mcc`` already has this customer id; nothing written.
            StoreError: ``entry``'s id is already recorded; nothing written.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        moved = replace(client, mcc_customer_id=new_mcc, version=client.version + 1)
        delete = {
            "TableName": self.names.clients,
            "Key": _client_key(client),
            **_versioned(client),
        }
        put = {
            "TableName": self.names.clients,
            "Item": client_item(moved),
            "ConditionExpression": "attribute_not_exists(#customer)",
            "ExpressionAttributeNames": {"#customer": "customer_id"},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        cid = client.customer_id.digits
        left = entry.kept_by(client.mcc_customer_id)
        items = [
            {"Delete": delete},
            {"Put": put},
            {"Put": self._history_put(entry)},
            {"Put": self._history_put(left)},
        ]
        self._transact(
            cast("list[TransactWriteItemTypeDef]", items),
            [self.names.clients, self.names.history],
            [_not_found_or_conflict(client), lambda _: ClientExists(new_mcc.digits, cid)],
            entry,
        )
        return moved

    def append_history(self, entry: HistoryEntry) -> None:
        """See ``Store.append_history``.

        Raises:
            StoreError: another entry with this id at this time is already recorded.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        put = self._history_put(entry)

        def failed(old: Item | None) -> MccLinkError | None:
            return None if _same_item(old, put["Item"]) else _duplicate(entry)

        with aws_errors([self.names.history], on_condition_failed=failed):
            self.client.put_item(**put)

    def client_history(
        self, mcc: CustomerId, customer_id: CustomerId, limit: int | None = None
    ) -> Iterator[HistoryEntry]:
        """See ``Store.client_history``: one Query, newest first.

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        query = {
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": "client_key"},
            "ExpressionAttributeValues": _values(pk=f"{mcc.digits}#{customer_id.digits}"),
            "ScanIndexForward": False,
        }
        items = self._query(self.names.history, query, limit=limit)
        return (history_from_dict(plain(item)) for item in items)

    def history_between(
        self,
        start: datetime,
        end: datetime,
        mcc: CustomerId | None = None,
        limit: int | None = None,
    ) -> Iterator[HistoryEntry]:
        """See ``Store.history_between``: one Query on the MCC index, or one per UTC day.

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        if as_utc(start) >= as_utc(end):
            return iter(())
        if mcc is not None:
            by_mcc = _range_query(HISTORY_BY_MCC, "mcc_customer_id", mcc.digits, start, end)
            items = self._query(self.names.history, by_mcc, limit)
        else:
            items = islice(
                (
                    item
                    for day in _days(start, end)
                    for item in self._query(
                        self.names.history,
                        _range_query(HISTORY_BY_DAY, "day", day, start, end),
                        limit,
                    )
                ),
                limit,
            )
        return (history_from_dict(plain(item)) for item in items)

    def create_onboarding_link(self, link: OnboardingLink) -> OnboardingLink:
        """See ``Store.create_onboarding_link``: a PutItem if the id is new.

        Raises:
            StoreError: another link with this id is already stored; nothing written.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        item = onboarding_link_item(link)

        def failed(old: Item | None) -> MccLinkError | None:
            if _same_item(old, item):
                return None  # this very put landed before (its answer was lost)
            return StoreError(
                f"another onboarding link {link.id} is already stored; nothing was written"
            )

        table = self.names.onboarding_links
        with aws_errors([table], on_condition_failed=failed):
            self.client.put_item(
                TableName=table,
                Item=item,
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": "link_id"},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        return link

    def get_onboarding_link(self, link_id: str) -> OnboardingLink | None:
        """See ``Store.get_onboarding_link`` (a strongly consistent read).

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        table = self.names.onboarding_links
        with aws_errors([table]):
            found = self.client.get_item(
                TableName=table, Key=_link_key(link_id), ConsistentRead=True
            )
        return None if "Item" not in found else onboarding_link_from_item(found["Item"])

    def list_onboarding_links(
        self, mcc: CustomerId, customer_id: CustomerId | None = None
    ) -> Iterator[OnboardingLink]:
        """See ``Store.list_onboarding_links``: one Query on the MCC index, newest first.

        The index is eventually consistent: a link made a moment ago may not be listed yet.

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        query: Item = {
            "IndexName": LINKS_BY_MCC,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": "mcc_customer_id"},
            "ExpressionAttributeValues": _values(pk=mcc.digits),
            "ScanIndexForward": False,
        }
        if customer_id is not None:
            query["FilterExpression"] = "#customer = :customer"
            query["ExpressionAttributeNames"]["#customer"] = "customer_id"
            query["ExpressionAttributeValues"] |= _values(customer=customer_id.digits)
        items = self._query(self.names.onboarding_links, query)
        return (onboarding_link_from_item(item) for item in items)

    def revoke_onboarding_link(self, link_id: str, at: datetime) -> OnboardingLink:
        """See ``Store.revoke_onboarding_link``: one UpdateItem that keeps an earlier time.

        Raises:
            OnboardingLinkNotFound: no link has this id.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        revoked = self._update_link(
            link_id,
            "SET #revoked = if_not_exists(#revoked, :at)",
            {"#revoked": "revoked_at"},
            _values(at=format_timestamp(at)),
        )
        return onboarding_link_from_item(revoked)

    def count_onboarding_event(self, link_id: str, event: OnboardingEvent) -> None:
        """See ``Store.count_onboarding_event``: one UpdateItem ``ADD`` (at least once, see
        the module docstring).

        Raises:
            OnboardingLinkNotFound: no link has this id.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        self._update_link(link_id, "ADD #count :one", {"#count": event.value}, {":one": {"N": "1"}})

    def _update_link(
        self, link_id: str, expression: str, names: dict[str, str], values: Item
    ) -> Item:
        """One UpdateItem of an existing link; returns the link's item as it now is."""
        table = self.names.onboarding_links
        with aws_errors([table], on_condition_failed=lambda _: OnboardingLinkNotFound(link_id)):
            updated = self.client.update_item(
                TableName=table,
                Key=_link_key(link_id),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(#id)",
                ExpressionAttributeNames={**names, "#id": "link_id"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        return updated["Attributes"]

    def add_user(self, user: StaffUser) -> StaffUser:
        """See ``StaffStore.add_user``: a PutItem if the e-mail is new.

        Raises:
            StaffUserExists: another user record has this e-mail; nothing written.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        self._put_new(staff_user_item(user), lambda: StaffUserExists(user.email))
        return user

    def get_user(self, email: str) -> StaffUser | None:
        """See ``StaffStore.get_user`` (a strongly consistent read).

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        item = self._get_staff("user", email)
        return None if item is None else staff_user_from_dict(plain(item))

    def list_users(self) -> list[StaffUser]:
        """See ``StaffStore.list_users``: one Query on ``staff_by_kind`` (eventually
        consistent: a user added a moment ago may not be listed yet).

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        items = self._query(self.names.staff, _staff_query(STAFF_BY_KIND, "kind", "user"))
        return [staff_user_from_dict(plain(item)) for item in items]

    def set_user_role(self, email: str, role: Role) -> StaffUser:
        """See ``StaffStore.set_user_role``: one UpdateItem.

        Raises:
            StaffUserNotFound: no such user.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        updated = self._update_staff(
            staff_key("user", email),
            "SET #role = :role",
            {"#role": "role"},
            _values(role=role.value),
            missing=lambda: StaffUserNotFound(email),
        )
        return staff_user_from_dict(plain(updated))

    def record_sign_in(self, email: str, at: datetime, name: str | None = None) -> None:
        """See ``StaffStore.record_sign_in``: one UpdateItem.

        Raises:
            StaffUserNotFound: no such user.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        expression, names = "SET #at = :at", {"#at": "last_sign_in_at"}
        values = _values(at=format_timestamp(at))
        if name is not None:
            expression, names = f"{expression}, #name = :name", {**names, "#name": "name"}
            values |= _values(name=name)
        self._update_staff(
            staff_key("user", email),
            expression,
            names,
            values,
            missing=lambda: StaffUserNotFound(email),
        )

    def remove_user(self, email: str, at: datetime) -> None:
        """See ``StaffStore.remove_user``: a consistent read, the sessions revoked, then the
        user deleted (a retry after a lost answer finds the user still there or gone for
        good; a session made meanwhile dies with the user, who is no longer there).

        Raises:
            StaffUserNotFound: no such user.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        if self._get_staff("user", email) is None:
            raise StaffUserNotFound(email)
        self.revoke_sessions(email, at)
        with aws_errors([self.names.staff]):
            self.client.delete_item(TableName=self.names.staff, Key=staff_key("user", email))

    def add_token(self, token: ApiToken) -> ApiToken:
        """See ``StaffStore.add_token``: a PutItem if the id is new.

        Raises:
            StoreError: another token has this id; nothing written.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        self._put_new(
            api_token_item(token),
            lambda: StoreError(
                f"another API token {token.prefix} is already stored; nothing was written"
            ),
        )
        return token

    def get_token(self, token_id: str) -> ApiToken | None:
        """See ``StaffStore.get_token`` (a strongly consistent read).

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        item = self._get_staff("token", token_id)
        return None if item is None else api_token_from_dict(plain(item))

    def list_tokens(self, owner: str | None = None) -> list[ApiToken]:
        """See ``StaffStore.list_tokens``: one Query, newest first, on ``staff_by_kind`` or
        on the owner's partition of ``staff_by_owner``.

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        if owner is None:
            query = _staff_query(STAFF_BY_KIND, "kind", "token")
        else:
            query = _staff_query(STAFF_BY_OWNER, "owner_key", f"token#{owner}")
        items = self._query(self.names.staff, {**query, "ScanIndexForward": False})
        return [api_token_from_dict(plain(item)) for item in items]

    def revoke_token(self, token_id: str, at: datetime) -> ApiToken:
        """See ``StaffStore.revoke_token``: one UpdateItem that keeps an earlier time.

        Raises:
            ApiTokenNotFound: no token has this id.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        updated = self._update_staff(
            staff_key("token", token_id),
            "SET #revoked = if_not_exists(#revoked, :at)",
            {"#revoked": "revoked_at"},
            _values(at=format_timestamp(at)),
            missing=lambda: ApiTokenNotFound(token_id),
        )
        return api_token_from_dict(plain(updated))

    def touch_token(self, token_id: str, at: datetime) -> None:
        """See ``StaffStore.touch_token``: an UpdateItem of ``last_used_at`` alone.

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        self._set_time(staff_key("token", token_id), "last_used_at", at)

    def add_session(self, session: StaffSession) -> None:
        """See ``StaffStore.add_session``: a PutItem if the hash is new (the table's TTL
        drops sessions that are over).

        Raises:
            StoreError: another session is stored under this hash; nothing written.
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        self._put_new(
            staff_session_item(session),
            lambda: StoreError("another session is stored under this id; nothing written"),
        )

    def get_session(self, id_hash: str) -> StaffSession | None:
        """See ``StaffStore.get_session`` (a strongly consistent read).

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        item = self._get_staff("session", id_hash)
        return None if item is None else staff_session_from_dict(plain(item))

    def touch_session(self, id_hash: str, at: datetime) -> None:
        """See ``StaffStore.touch_session``: an UpdateItem of ``last_seen_at`` alone.

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        self._set_time(staff_key("session", id_hash), "last_seen_at", at)

    def revoke_session(self, id_hash: str, at: datetime) -> None:
        """See ``StaffStore.revoke_session``: one UpdateItem that keeps an earlier time.

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        self._update_staff(
            staff_key("session", id_hash),
            "SET #revoked = if_not_exists(#revoked, :at)",
            {"#revoked": "revoked_at"},
            _values(at=format_timestamp(at)),
            missing=lambda: None,
        )

    def revoke_sessions(self, email: str, at: datetime) -> int:
        """See ``StaffStore.revoke_sessions``: one Query of the person's sessions not over at
        ``at`` (``staff_by_owner``), then one conditional UpdateItem each. The index is
        eventually consistent: a session made a moment ago may be missed (a removed user's
        is refused all the same, their user being gone).

        Live means not revoked and before its absolute end (the idle limit is the web
        server's). An update whose answer was lost fails its condition when retried, and
        its item, revoked at this very ``at``, still counts it.

        Raises:
            StoreUnavailable: DynamoDB throttled, failed or was unreachable.
        """
        stamp = format_timestamp(at)
        query = _staff_query(STAFF_BY_OWNER, "owner_key", f"session#{email}")
        # sort_key is "<expires_at>#<hex hash>": "~" sorts after every hex digit, so the
        # range holds exactly the sessions whose end is later than ``at``.
        query["KeyConditionExpression"] += " AND #sort > :now"
        query["ExpressionAttributeNames"]["#sort"] = "sort_key"
        query["ExpressionAttributeValues"] |= _values(now=f"{stamp}#~")
        items = list(self._query(self.names.staff, query))
        return sum(
            self._revoke_live(item["pk"], stamp) for item in items if "revoked_at" not in item
        )

    def _revoke_live(self, pk: Item, stamp: str) -> bool:
        """Revoke one session at ``stamp`` unless it is gone or revoked; True if this did."""
        landed = True

        def failed(old: Item | None) -> None:
            nonlocal landed  # a retry of this very update finds its own revocation
            landed = old is not None and plain(old).get("revoked_at") == stamp

        with aws_errors([self.names.staff], on_condition_failed=failed):
            self.client.update_item(
                TableName=self.names.staff,
                Key={"pk": pk},
                UpdateExpression="SET #revoked = :at",
                ConditionExpression="attribute_exists(#pk) AND attribute_not_exists(#revoked)",
                ExpressionAttributeNames={"#revoked": "revoked_at", "#pk": "pk"},
                ExpressionAttributeValues=_values(at=stamp),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        return landed

    def _put_new(self, item: Item, taken: Callable[[], MccLinkError]) -> None:
        """A PutItem of a new Staff item; the very same item already stored is success (a
        retry whose first answer was lost), another one under its key is ``taken()``."""
        with aws_errors(
            [self.names.staff],
            on_condition_failed=lambda old: None if _same_item(old, item) else taken(),
        ):
            self.client.put_item(
                TableName=self.names.staff,
                Item=item,
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": "pk"},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )

    def _get_staff(self, kind: str, key: str) -> Item | None:
        """One Staff item (a strongly consistent read), or None."""
        request = {"TableName": self.names.staff, "Key": staff_key(kind, key)}
        found = self._read(
            self.names.staff, self.client.get_item, request | {"ConsistentRead": True}
        )
        item: Item | None = found.get("Item")
        return item

    def _update_staff(
        self,
        key: Item,
        expression: str,
        names: dict[str, str],
        values: Item,
        missing: Callable[[], MccLinkError | None],
    ) -> Item:
        """One UpdateItem of an existing Staff item; returns the item as it now is (empty
        when it is gone and ``missing()`` is None)."""
        with aws_errors([self.names.staff], on_condition_failed=lambda _: missing()):
            updated = self.client.update_item(
                TableName=self.names.staff,
                Key=key,
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(#pk)",
                ExpressionAttributeNames={**names, "#pk": "pk"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
            return updated["Attributes"]
        return {}

    def _set_time(self, key: Item, attribute: str, at: datetime) -> None:
        """Set one timestamp of an existing Staff item, and nothing else; no error if gone."""
        self._update_staff(
            key, "SET #at = :at", {"#at": attribute}, _values(at=format_timestamp(at)), lambda: None
        )

    def check(self) -> None:
        """Tables ACTIVE with their indexes; a probe item written, read and deleted in each.

        Probe items have keys no MCC can have (``probe``...) and none of the index
        attributes, so no listing or index ever shows them; each is deleted at once.

        Raises:
            TableMissing: a table does not exist.
            ConfigurationError: credentials missing or refused.
            StoreUnavailable: a table or index is not ready, or the probe failed.
        """
        token = uuid.uuid4().hex
        probes = {
            self.names.clients: (
                CLIENTS_TABLE,
                {"mcc_customer_id": "probe", "customer_id": token},
            ),
            self.names.history: (
                HISTORY_TABLE,
                {"client_key": f"probe#{token}", "entry_key": token},
            ),
            self.names.onboarding_links: (ONBOARDING_LINKS_TABLE, {"link_id": f"probe#{token}"}),
            self.names.staff: (STAFF_TABLE, {"pk": f"probe#{token}"}),
        }
        for table, (definition, key) in probes.items():
            with aws_errors([table]):
                _require_ready(self.client.describe_table(TableName=table)["Table"], definition)
                self._probe(table, serialize(key))

    def _probe(self, table: str, key: Item) -> None:
        """Write, read back and delete one item (called inside ``aws_errors``)."""
        new_only = f"attribute_not_exists({next(iter(key))})"
        self.client.put_item(TableName=table, Item=key, ConditionExpression=new_only)
        try:
            read = self.client.get_item(TableName=table, Key=key, ConsistentRead=True)
            if read.get("Item") != key:
                raise StoreUnavailable(f"DynamoDB table {table} did not return the probe item")
        finally:
            self.client.delete_item(TableName=table, Key=key)

    def _write(
        self, action: str, request: Item, entry: HistoryEntry | None, failed: OnConditionFailed
    ) -> None:
        """One client write: alone, or in one transaction with its history entry."""
        tables = [self.names.clients]
        if entry is None:
            write = self.client.put_item if action == "Put" else self.client.delete_item

            def alone_failed(old: Item | None) -> MccLinkError | None:
                # A put whose item is stored as it is landed (its answer was lost); a delete
                # that finds nothing cannot tell, and says so (ClientNotFound).
                return None if _same_item(old, request.get("Item")) else failed(old)

            with aws_errors(tables, on_condition_failed=alone_failed):
                write(**request)
            return
        items = [{action: request}, {"Put": self._history_put(entry)}]
        self._transact(
            cast("list[TransactWriteItemTypeDef]", items),
            [*tables, self.names.history],
            [failed],
            entry,
        )

    def _transact(
        self,
        items: list[TransactWriteItemTypeDef],
        tables: list[str],
        failures: list[OnConditionFailed],
        entry: HistoryEntry,
    ) -> None:
        """One ``TransactWriteItems`` of client writes (``failures[i]`` says why the i-th
        failed its condition) and then ``entry``'s put, tried again while DynamoDB cancels
        it for throttling.

        botocore retries a throttled request, but not a transaction DynamoDB cancelled
        because an item in it was throttled (reason ``ThrottlingError``), which DynamoDB
        documents as safe to retry: without this, one throttled item failed the operation.
        """
        reasons: list[Item] = []

        def cancelled(given: list[Item]) -> MccLinkError | None:
            reasons[:] = given
            return self._cancelled(given, failures, entry)

        for attempt in range(1, THROTTLED_TRANSACTION_ATTEMPTS + 1):
            reasons.clear()
            try:
                with aws_errors(tables, on_cancelled=cancelled):
                    self.client.transact_write_items(
                        TransactItems=items, ClientRequestToken=_request_token(items, attempt)
                    )
                return
            except StoreUnavailable:
                if attempt == THROTTLED_TRANSACTION_ATTEMPTS or not _throttled(reasons):
                    raise
            # Full jitter, as botocore's own backoff: the throttled writers spread out.
            time.sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))

    def _cancelled(
        self, reasons: list[Item], failures: list[OnConditionFailed], entry: HistoryEntry
    ) -> MccLinkError | None:
        """Why a transaction of client writes + history entry was cancelled (nothing was
        written by it), or None when an earlier send of this same transaction had landed."""
        codes = [reason.get("Code", "None") for reason in reasons]
        codes += ["None"] * (len(failures) + 1 - len(codes))
        for index, failed in enumerate(failures):
            if codes[index] == "ConditionalCheckFailed":
                # A resend of a transaction that committed fails its own client condition;
                # its history entry, written only with it, tells that apart from another
                # writer.
                return None if self._recorded(entry) else failed(reasons[index].get("Item"))
            if codes[index] == "TransactionConflict":
                # Another transaction holds the client: it exists and is changing.
                return failures[0]({})
        # The history puts follow the client writes (a move has two: its entry and the
        # copy under the manager left, whose id derives from the entry's).
        if "ConditionalCheckFailed" in codes[len(failures) :]:
            return _duplicate(entry)
        return StoreUnavailable(
            f"DynamoDB cancelled the write ({', '.join(codes)}); nothing was written, retry"
        )

    def _recorded(self, entry: HistoryEntry) -> bool:
        """Whether ``entry`` itself is stored (a strongly consistent read)."""
        item = history_item(entry)
        key = {name: item[name] for name in ("client_key", "entry_key")}
        with aws_errors([self.names.history]):
            found = self.client.get_item(TableName=self.names.history, Key=key, ConsistentRead=True)
        return _same_item(found.get("Item"), item)

    def _history_put(self, entry: HistoryEntry) -> Item:
        return {
            "TableName": self.names.history,
            "Item": history_item(entry),
            "ConditionExpression": "attribute_not_exists(#entry)",
            "ExpressionAttributeNames": {"#entry": "entry_key"},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def _read(self, table: str, call: Callable[..., Any], request: Item) -> Any:
        """One read request; an answer botocore cannot parse is asked for again and read
        without its untyped map members (see ``without_untyped_members``): an item stored
        with an empty attribute name must not make every listing fail."""
        with aws_errors([table]):
            try:
                return call(**request)
            except AttributeError:  # botocore's parser, on a member that is not a typed value
                with without_untyped_members(self.client):
                    return call(**request)

    def _query(self, table: str, query: Item, limit: int | None = None) -> Iterator[Item]:
        """Every item of a Query, page after page (``limit`` caps the total)."""
        request, remaining = {"TableName": table, **query}, limit
        while remaining is None or remaining > 0:
            caps = [n for n in (remaining, self._page_size) if n is not None]
            if caps:
                request["Limit"] = min(caps)
            page = self._read(table, self.client.query, request)
            yield from page["Items"][:remaining]
            remaining = None if remaining is None else remaining - len(page["Items"])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _values(**values: str) -> Item:
    return {f":{name}": {"S": value} for name, value in values.items()}


def _staff_query(index: str, attribute: str, value: str) -> Item:
    """A Query of ``index`` for the items whose ``attribute`` is ``value``."""
    return {
        "IndexName": index,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": attribute},
        "ExpressionAttributeValues": _values(pk=value),
    }


def _link_key(link_id: str) -> Item:
    return {"link_id": {"S": link_id}}


def _client_key(client: Client) -> Item:
    return {
        "mcc_customer_id": {"S": client.mcc_customer_id.digits},
        "customer_id": {"S": client.customer_id.digits},
    }


def _versioned(client: Client) -> Item:
    return {
        **_VERSION_IS,
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": {":expected": {"N": str(client.version)}},
    }


def _not_found_or_conflict(client: Client) -> OnConditionFailed:
    mcc, cid = client.mcc_customer_id.digits, client.customer_id.digits
    return lambda old: (
        ClientNotFound(mcc, cid) if old is None else VersionConflict(mcc, cid, client.version)
    )


def _same_item(stored: Item | None, written: Item | None) -> bool:
    """Whether a stored item (typed attribute values) is exactly ``written``."""
    return stored is not None and written is not None and plain(stored) == plain(written)


def _request_token(items: list[TransactWriteItemTypeDef], attempt: int) -> str:
    """The ``ClientRequestToken`` of one send of a transaction: derived from its items, so
    that sending the same write again is the same request to DynamoDB. A throttled
    transaction was cancelled (nothing written), and its next attempt is a new request."""
    digest = hashlib.sha256(json.dumps([items, attempt], sort_keys=True).encode()).hexdigest()
    return digest[:36]


def _throttled(reasons: list[Item]) -> bool:
    """Whether a transaction was cancelled only because DynamoDB throttled an item."""
    codes = {reason.get("Code", "None") for reason in reasons}
    return "ThrottlingError" in codes and codes <= {"ThrottlingError", "None"}


def _duplicate(entry: HistoryEntry) -> HistoryEntryExists:
    return HistoryEntryExists(f"history entry {entry.id} is already recorded; nothing was written")


def _require_ready(table: TableDescriptionTypeDef, definition: Mapping[str, Any]) -> None:
    indexes = {
        gsi["IndexName"]: gsi["IndexStatus"] for gsi in table.get("GlobalSecondaryIndexes", [])
    }
    for wanted in (gsi["IndexName"] for gsi in definition["GlobalSecondaryIndexes"]):
        if table["TableStatus"] != "ACTIVE" or indexes.get(wanted) != "ACTIVE":
            raise StoreUnavailable(
                f"DynamoDB table {table['TableName']} is {table['TableStatus']} and its index "
                f"{wanted} is {indexes.get(wanted, 'missing')}: wait, or recreate it with "
                "`mcclink tables create`"
            )


def _days(start: datetime, end: datetime) -> Iterator[str]:
    """The UTC days that ``[start, end)`` touches, in order."""
    if as_utc(start) >= as_utc(end):
        return
    day, last = as_utc(start).date(), (as_utc(end) - timedelta(microseconds=1)).date()
    while day <= last:
        yield day.isoformat()
        day += timedelta(days=1)


def _range_query(index: str, attribute: str, key: str, start: datetime, end: datetime) -> Item:
    """A Query of ``index`` where ``attribute = key`` and start <= timestamp < end."""
    # entry_key is "<timestamp>#<id>": it sorts after its own timestamp, so BETWEEN the two
    # bare timestamps is exactly start <= timestamp < end.
    return {
        "IndexName": index,
        "KeyConditionExpression": "#pk = :pk AND #entry BETWEEN :start AND :end",
        "ExpressionAttributeNames": {"#pk": attribute, "#entry": "entry_key"},
        "ExpressionAttributeValues": _values(
            pk=key, start=format_timestamp(start), end=format_timestamp(end)
        ),
    }
