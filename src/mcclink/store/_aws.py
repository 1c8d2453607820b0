"""boto3 plumbing for the DynamoDB backend: the client, and the one place its errors change.

Every botocore exception met by ``mcclink.store.dynamodb`` or ``mcclink.store.tables`` goes
through ``aws_errors`` and comes out as an ``mcclink.errors`` class.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    WaiterError,
)

from mcclink.errors import (
    ConfigurationError,
    MccLinkError,
    StoreError,
    StoreUnavailable,
    TableMissing,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_log = logging.getLogger(__name__)

#: Standard retry mode: exponential backoff with jitter on throttling and 5xx, bounded.
RETRY_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=15
)

_BUSY = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
    }
)
_DENIED = frozenset(
    {
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "ExpiredTokenException",
    }
)

#: Turns the reasons of a cancelled transaction, or the old item of a failed condition
#: (None when there was none), into the error to raise; None instead of an error means the
#: write is already in place (a retry of a write that landed, whose answer was lost), and
#: the block ends as if it had succeeded.
OnCancelled = Callable[[list[dict[str, Any]]], MccLinkError | None]
OnConditionFailed = Callable[[dict[str, Any] | None], MccLinkError | None]


def dynamodb_client(region: str | None) -> DynamoDBClient:
    """A DynamoDB client from the standard AWS configuration (``region`` wins if given).

    ``AWS_ENDPOINT_URL_DYNAMODB`` points it at a local endpoint; boto3 reads it itself.

    Raises:
        ConfigurationError: no region is configured anywhere.
    """
    try:
        # A session of our own: boto3's default session is not safe to build from threads.
        return boto3.session.Session().client("dynamodb", region_name=region, config=RETRY_CONFIG)
    except NoRegionError:
        raise ConfigurationError(
            "no AWS region for DynamoDB: add ?region=REGION to the store URL "
            "(dynamodb://?region=sa-east-1) or set AWS_REGION"
        ) from None


@contextmanager
def aws_errors(
    tables: Sequence[str],
    *,
    on_condition_failed: OnConditionFailed | None = None,
    on_cancelled: OnCancelled | None = None,
) -> Iterator[None]:
    """Translate what botocore raises inside the block; ``tables`` are the ones it touches.

    A failed condition or a cancelled transaction is what ``on_condition_failed`` or
    ``on_cancelled`` makes of it: an error to raise, or None for a write already in place.

    Raises:
        TableMissing: a table does not exist (the first of ``tables`` when several).
        ConfigurationError: credentials missing or refused.
        StoreUnavailable: throttled, failing or unreachable after botocore's retries.
        StoreError: DynamoDB rejected the request for another reason.
    """
    try:
        yield
    except ClientError as exc:
        error = _from_client_error(exc, tables, on_condition_failed, on_cancelled)
        if error is not None:
            raise error from exc
    except (NoCredentialsError, PartialCredentialsError) as exc:
        raise ConfigurationError(
            f"no usable AWS credentials for DynamoDB ({type(exc).__name__}): set AWS_PROFILE, "
            "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is attached"
        ) from exc
    except WaiterError as exc:
        raise StoreUnavailable(f"DynamoDB table(s) {', '.join(tables)} not ready: {exc}") from exc
    except BotoCoreError as exc:
        raise StoreUnavailable(f"DynamoDB could not be reached: {exc}") from exc


@contextmanager
def without_untyped_members(client: DynamoDBClient) -> Iterator[None]:
    """While inside, answers to ``client`` are read without the map members that are not
    typed values, which botocore cannot parse.

    DynamoDB refuses an empty attribute name anywhere in an item, but a local emulator
    (moto) stores one in a map and answers it untyped: without this, one such item fails
    every read that returns it, every listing included.
    """
    event = "before-parse.dynamodb.*"
    client.meta.events.register(event, _drop_untyped_members)
    try:
        yield
    finally:
        client.meta.events.unregister(event, _drop_untyped_members)


def _drop_untyped_members(response_dict: dict[str, Any], **_: Any) -> None:
    try:
        answer = json.loads(response_dict["body"])
    except (KeyError, ValueError):
        return
    dropped = _drop_untyped(answer)
    if dropped:
        _log.warning("DynamoDB answered %d map member(s) with no type; read without them", dropped)
        response_dict["body"] = json.dumps(answer).encode()


def _drop_untyped(node: Any) -> int:
    """Remove, in place, the members of every ``{"M": {...}}`` that are not typed values."""
    dropped = 0
    if isinstance(node, list):
        return sum(_drop_untyped(item) for item in node)
    if not isinstance(node, dict):
        return 0
    members = node.get("M")
    if isinstance(members, dict):
        for key in [k for k, v in members.items() if not isinstance(v, dict)]:
            del members[key]
            dropped += 1
    return dropped + sum(_drop_untyped(value) for value in node.values())


def _from_client_error(
    exc: ClientError,
    tables: Sequence[str],
    on_condition_failed: OnConditionFailed | None,
    on_cancelled: OnCancelled | None,
) -> MccLinkError | None:
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", "")
    if code == "ConditionalCheckFailedException" and on_condition_failed is not None:
        old = exc.response.get("Item")
        return on_condition_failed(old if isinstance(old, dict) else None)
    if code == "TransactionCanceledException" and on_cancelled is not None:
        return on_cancelled(
            [dict(reason) for reason in exc.response.get("CancellationReasons", [])]
        )
    if code == "ResourceNotFoundException":
        return TableMissing(_named_table(message, tables))
    if code in _BUSY:
        return StoreUnavailable(
            f"DynamoDB stayed busy ({code}) on {', '.join(tables)} after retries: try again later"
        )
    if code in _DENIED:
        return ConfigurationError(f"AWS refused the DynamoDB credentials or permissions ({code})")
    return StoreError(f"DynamoDB rejected the request on {', '.join(tables)} ({code}): {message}")


def _named_table(message: str, tables: Sequence[str]) -> str:
    """The table DynamoDB's message names, else the first one the request touched."""
    return next((table for table in tables if table in message), tables[0])
