"""The error table and ``translate``, on exceptions shaped exactly as the library raises them.

The same mappings are exercised over the wire in ``test_adapter_errors.py``; here the shapes
the emulator cannot produce (INTERNAL with a failure, refresh errors, raw gRPC) are covered.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import grpc
import pytest
from google.ads.googleads.errors import GoogleAdsException
from google.ads.googleads.v26.errors.types import errors as ads_errors
from google.api_core import exceptions as core_exceptions
from google.auth.exceptions import RefreshError, TransportError

from mcclink.ads.error_table import ALREADY_LINKED, RULES
from mcclink.ads.errors import server_retry_delay, translate
from mcclink.ads.version import FAILURE_METADATA_KEY
from mcclink.errors import (
    AccountNotFound,
    AuthenticationFailed,
    GoogleAdsError,
    LinkRefused,
    PermissionDenied,
    TransientError,
)

SECRET = "1//refresh-SECRET"


class FakeCall(grpc.RpcError):  # type: ignore[misc]
    """A finished gRPC call: the status and trailing metadata a server sent."""

    def __init__(self, status: grpc.StatusCode, metadata: list[tuple[str, Any]]) -> None:
        self._status, self._metadata = status, metadata

    def code(self) -> grpc.StatusCode:
        return self._status

    def details(self) -> str:
        return f"details of {self._status.name}"

    def trailing_metadata(self) -> list[tuple[str, Any]]:
        return self._metadata


def library_enums() -> dict[str, set[str]]:
    """Every ``ErrorType`` of the installed library and its value names."""
    fields = ads_errors.ErrorCode.meta.fields
    return {f.enum.__name__: set(f.enum.__members__) for f in fields.values() if f.enum}


def failure(
    kind: str, name: str, message: str = "Google says no.", delay: float | None = None
) -> Any:
    error = ads_errors.GoogleAdsError(
        error_code=ads_errors.ErrorCode(**{kind: name}), message=message
    )
    if delay is not None:
        error.details.quota_error_details.retry_delay = timedelta(seconds=delay)
    return ads_errors.GoogleAdsFailure(errors=[error], request_id="req-in-failure")


def ads_exception(status: grpc.StatusCode, kind: str, name: str, message: str = "no") -> Any:
    call = FakeCall(status, [("request-id", "req-1")])
    return GoogleAdsException(call, call, failure(kind, name, message), "req-1")


def test_every_code_in_the_table_exists_in_the_installed_library() -> None:
    enums = library_enums()
    for code in RULES:
        kind, _, name = code.partition(".")
        if kind == "OAuthError":  # the token endpoint's own error values
            continue
        assert name in enums.get(kind, set()), code


def test_already_linked_codes_are_the_three_idempotent_ones() -> None:
    assert {
        "ManagerLinkError.ALREADY_INVITED_BY_THIS_MANAGER",
        "ManagerLinkError.ALREADY_MANAGED_BY_THIS_MANAGER",
        "CustomerClientLinkError.CLIENT_ALREADY_INVITED_BY_THIS_MANAGER",
    } == ALREADY_LINKED


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("customer_client_link_error", "CLIENT_HAS_TOO_MANY_MANAGERS", LinkRefused),
        ("manager_link_error", "TOO_MANY_MANAGERS", LinkRefused),
        ("customer_manager_link_error", "NO_PENDING_INVITE", LinkRefused),
        ("authentication_error", "CUSTOMER_NOT_FOUND", AccountNotFound),
        ("authorization_error", "USER_PERMISSION_DENIED", PermissionDenied),
        ("authentication_error", "OAUTH_TOKEN_REVOKED", AuthenticationFailed),
        ("authorization_error", "CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION", AuthenticationFailed),
        ("database_error", "CONCURRENT_MODIFICATION", TransientError),
        ("field_error", "REQUIRED", GoogleAdsError),
    ],
)
def test_google_ads_exception_becomes_its_class_with_code_and_request_id(
    kind: str, name: str, expected: type[GoogleAdsError]
) -> None:
    exc = ads_exception(grpc.StatusCode.INVALID_ARGUMENT, kind, name, "Google text.")

    mapped = translate(exc)

    assert type(mapped) is expected
    assert mapped.code.endswith(f".{name}")
    assert mapped.request_id == "req-1"
    assert "Google text." in mapped.message


def test_too_many_managers_says_what_to_do() -> None:
    exc = ads_exception(
        grpc.StatusCode.INVALID_ARGUMENT,
        "customer_client_link_error",
        "CLIENT_HAS_TOO_MANY_MANAGERS",
    )

    mapped = translate(exc)

    assert mapped is not None
    assert mapped.code == "CustomerClientLinkError.CLIENT_HAS_TOO_MANY_MANAGERS"
    assert "at most 5 managers" in mapped.message
    assert "remove one" in mapped.message


def test_the_action_opens_the_message() -> None:
    exc = ads_exception(grpc.StatusCode.INVALID_ARGUMENT, "field_error", "REQUIRED", "Missing.")

    mapped = translate(exc, action="inviting 111-222-3333 to be managed by 123-456-7890")

    assert mapped is not None
    assert mapped.message == ("inviting 111-222-3333 to be managed by 123-456-7890: Missing.")


def test_unknown_code_falls_back_on_the_grpc_status() -> None:
    exc = ads_exception(grpc.StatusCode.PERMISSION_DENIED, "field_error", "REQUIRED")

    assert type(translate(exc)) is PermissionDenied


def test_internal_error_reads_the_failure_from_trailing_metadata() -> None:
    raw = ads_errors.GoogleAdsFailure.serialize(
        failure("internal_error", "TRANSIENT_ERROR", "try again", delay=2.5)
    )
    call = FakeCall(
        grpc.StatusCode.INTERNAL, [(FAILURE_METADATA_KEY, raw), ("request-id", "req-9")]
    )
    exc = core_exceptions.InternalServerError("internal", response=call)  # type: ignore[no-untyped-call]

    mapped = translate(exc)

    assert type(mapped) is TransientError
    assert mapped.code == "InternalError.TRANSIENT_ERROR"
    assert mapped.request_id == "req-9"
    wrapped = TransientError("x")
    wrapped.__cause__ = exc
    assert server_retry_delay(wrapped) == 2.5


def test_unavailable_without_failure_is_transient_with_its_status_code() -> None:
    call = FakeCall(grpc.StatusCode.UNAVAILABLE, [])
    exc = core_exceptions.ServiceUnavailable("down", response=call)  # type: ignore[no-untyped-call]

    mapped = translate(exc)

    assert type(mapped) is TransientError
    assert mapped.code == "StatusCode.UNAVAILABLE"


def test_raw_rpc_error_is_translated_too() -> None:
    mapped = translate(FakeCall(grpc.StatusCode.UNAUTHENTICATED, [("request-id", "r")]))

    assert type(mapped) is AuthenticationFailed
    assert mapped.code == "StatusCode.UNAUTHENTICATED"
    assert mapped.request_id == "r"


def test_invalid_grant_refresh_says_to_renew_the_refresh_token_without_showing_it() -> None:
    exc = RefreshError(  # type: ignore[no-untyped-call]
        f"invalid_grant: Token has been expired or revoked. ({SECRET})",
        {"error": "invalid_grant", "error_description": f"Bad token {SECRET}"},
    )

    mapped = translate(exc, secrets=[SECRET])

    assert type(mapped) is AuthenticationFailed
    assert mapped.code == "OAuthError.INVALID_GRANT"
    assert "generate a new one and set GOOGLE_ADS_REFRESH_TOKEN" in str(mapped)
    assert SECRET not in str(mapped)


def test_retryable_refresh_error_and_unreachable_token_endpoint_are_transient() -> None:
    retryable = RefreshError("5xx", {"error": "internal_failure"}, retryable=True)  # type: ignore[no-untyped-call]
    unreachable = TransportError("connection refused")  # type: ignore[no-untyped-call]

    assert type(translate(retryable)) is TransientError
    assert type(translate(unreachable)) is TransientError


def test_tokens_in_google_text_are_scrubbed() -> None:
    exc = ads_exception(
        grpc.StatusCode.INVALID_ARGUMENT,
        "field_error",
        "REQUIRED",
        "header Authorization: Bearer ya29.abc-DEF refresh_token=1//xyz developer-token: dt123",
    )

    text = str(translate(exc))

    for leaked in ("ya29.abc-DEF", "1//xyz", "dt123"):
        assert leaked not in text


def test_foreign_non_google_exceptions_are_not_translated() -> None:
    assert translate(KeyError("x")) is None
