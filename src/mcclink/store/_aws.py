"""boto3 plumbing for the DynamoDB backend: the client, and the one place its errors change.

Every botocore exception met by ``mcclink.store.dynamodb`` or ``mcclink.store.tables`` goes
through ``aws_errors`` and comes out as an ``mcclink.errors`` class.
"""

from __future__ import annotations

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
