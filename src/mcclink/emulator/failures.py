"""The refusals the emulator answers with, shaped as Google Ads answers them.

A handler raises ``RpcFault``; the servicer turns it into a gRPC status with a serialized
``GoogleAdsFailure`` under the trailing metadata key
``google.ads.googleads.<version>.errors.googleadsfailure-bin`` plus ``request-id`` -- exactly
what the ``google-ads`` library reads to raise ``GoogleAdsException``. ``RpcFault`` never leaves
the emulator: it is the emulator's *answer*, not an error of mcclink's.

Choices where Google's behaviour is not documented (kept in one place, here):

- An unknown but well-formed ``customer_id`` in a request:
  ``AuthenticationError.CUSTOMER_NOT_FOUND`` (UNAUTHENTICATED), what Google answers for a
  customer id that names no account. An unknown account referenced inside an operation (the
  client of an invitation): ``RequestError.INVALID_CUSTOMER_ID``.
- A login-customer-id the user cannot use, or a customer outside its hierarchy:
  ``AuthorizationError.USER_PERMISSION_DENIED`` (PERMISSION_DENIED).
- An invitation already pending from this manager:
  ``ManagerLinkError.ALREADY_INVITED_BY_THIS_MANAGER`` (the newer, generic enum;
  ``CustomerClientLinkError.CLIENT_ALREADY_INVITED_BY_THIS_MANAGER`` is never sent).
  Likewise ``ManagerLinkError.TOO_MANY_MANAGERS`` for a client at 5 managers, and
  ``ManagerLinkError.ALREADY_MANAGED_IN_HIERARCHY`` for a client that another manager of the
  inviting manager's hierarchy (the same top-level manager: above it, beside it or below it)
  already manages; Google Ads Help states the rule, not the API code the UI's "Invitee is
  already managed by another manager in your hierarchy" corresponds to.
- Too many invitations waiting at the client:
  ``CustomerClientLinkError.CLIENT_HAS_TOO_MANY_INVITATIONS``.
- A manager out of account creations: ``CustomerClientLinkError.MAX_CUSTOMER_LIMIT_REACHED``.
- A test account and a production account linked together: ``ManagerLinkError.INVALID_CHANGE``
  (what Google answers in practice, rather than ``ACCOUNTS_NOT_COMPATIBLE_FOR_LINKING``).
- A non-manager account sending invitations or creating accounts:
  ``AuthorizationError.ACTION_NOT_PERMITTED``.
- A signed-in user whose role on the login customer is too weak for the action (Google Ads
  access levels: only ADMIN accepts, refuses or ends manager links, and manages a manager's
  hierarchy -- invitations and CreateCustomerClient):
  ``AuthorizationError.ACTION_NOT_PERMITTED`` ("The user does not have permission to perform
  this action"). An EMAIL_ONLY user cannot sign in to the account at all: it answers
  ``AuthorizationError.USER_PERMISSION_DENIED`` and ``ListAccessibleCustomers`` omits it.
- An access token without the Google Ads scope: a bare ``PERMISSION_DENIED``
  "Request had insufficient authentication scopes." (Google's front end answers before the
  Ads API, so no ``GoogleAdsFailure``; the library raises ``google.api_core`` ``PermissionDenied``).
- An update mask that names an ``Immutable`` or ``Output only`` field of the resource (as the
  API reference marks them): ``FieldError.IMMUTABLE_FIELD``; a path that is no field of the
  resource: ``FieldMaskError.FIELD_NOT_FOUND``. ``resource_name`` may be in the mask (Google's
  published ``link_manager_to_client.py`` sends it) and changes nothing; a mask that names no
  field to change is ``FieldMaskError.FIELD_MASK_MISSING``.
- Hiding or unhiding a link that is not ACTIVE: ``ManagerLinkError.INVALID_CHANGE``.
- A method of a Google Ads service that the emulator does not serve: status UNIMPLEMENTED
  with ``RequestError.UNKNOWN`` (no enum says "not served here") and a message that names the
  method and the methods served.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import grpc

from mcclink.ads.version import failure_metadata_key
from mcclink.emulator import protos

_FIELD_PATH_PART = re.compile(r"([a-z_]+)(?:\[(\d+)\])?")


@dataclass(frozen=True)
class Code:
    """One Google Ads error code: the ``ErrorCode`` oneof field, its enum name, the status."""

    kind: str
    name: str
    status: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT

    def __str__(self) -> str:
        return f"{self.kind}.{self.name}"


_DENIED = grpc.StatusCode.PERMISSION_DENIED
_UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED

USER_PERMISSION_DENIED = Code("authorization_error", "USER_PERMISSION_DENIED", _DENIED)
CUSTOMER_NOT_ENABLED = Code("authorization_error", "CUSTOMER_NOT_ENABLED", _DENIED)
ACTION_NOT_PERMITTED = Code("authorization_error", "ACTION_NOT_PERMITTED", _DENIED)
CUSTOMER_NOT_FOUND = Code("authentication_error", "CUSTOMER_NOT_FOUND", _UNAUTHENTICATED)
OAUTH_TOKEN_HEADER_INVALID = Code(
    "authentication_error", "OAUTH_TOKEN_HEADER_INVALID", _UNAUTHENTICATED
)
OAUTH_TOKEN_INVALID = Code("authentication_error", "OAUTH_TOKEN_INVALID", _UNAUTHENTICATED)
OAUTH_TOKEN_EXPIRED = Code("authentication_error", "OAUTH_TOKEN_EXPIRED", _UNAUTHENTICATED)
OAUTH_TOKEN_REVOKED = Code("authentication_error", "OAUTH_TOKEN_REVOKED", _UNAUTHENTICATED)
INVALID_LOGIN_CUSTOMER_ID = Code("header_error", "INVALID_LOGIN_CUSTOMER_ID")
INVALID_CUSTOMER_ID = Code("request_error", "INVALID_CUSTOMER_ID")
OPERATION_REQUIRED = Code("request_error", "OPERATION_REQUIRED")
RESOURCE_NAME_MALFORMED = Code("request_error", "RESOURCE_NAME_MALFORMED")
PAGE_SIZE_NOT_SUPPORTED = Code("request_error", "PAGE_SIZE_NOT_SUPPORTED")
INVALID_PAGE_TOKEN = Code("request_error", "INVALID_PAGE_TOKEN")
RESOURCE_NOT_FOUND = Code("mutate_error", "RESOURCE_NOT_FOUND")
FIELD_MASK_MISSING = Code("field_mask_error", "FIELD_MASK_MISSING")
FIELD_NOT_FOUND = Code("field_mask_error", "FIELD_NOT_FOUND")
REQUIRED = Code("field_error", "REQUIRED")
IMMUTABLE_FIELD = Code("field_error", "IMMUTABLE_FIELD")
UNSERVED_METHOD = Code("request_error", "UNKNOWN", grpc.StatusCode.UNIMPLEMENTED)
CURRENCY_UNSUPPORTED = Code("currency_code_error", "UNSUPPORTED")
INVALID_TIME_ZONE = Code("time_zone_error", "INVALID_TIME_ZONE")
TOO_MANY_MANAGERS = Code("manager_link_error", "TOO_MANY_MANAGERS")
ALREADY_INVITED = Code("manager_link_error", "ALREADY_INVITED_BY_THIS_MANAGER")
ALREADY_MANAGED = Code("manager_link_error", "ALREADY_MANAGED_BY_THIS_MANAGER")
ALREADY_MANAGED_IN_HIERARCHY = Code("manager_link_error", "ALREADY_MANAGED_IN_HIERARCHY")
CYCLE_NOT_ALLOWED = Code("manager_link_error", "CYCLE_NOT_ALLOWED")
SUSPENDED_MANAGER = Code("manager_link_error", "SUSPENDED_ACCOUNT_CANNOT_ADD_CLIENTS")
CLIENT_OUTSIDE_TREE = Code("manager_link_error", "CLIENT_OUTSIDE_TREE")
MAX_DEPTH_EXCEEDED = Code("manager_link_error", "MAX_DEPTH_EXCEEDED")
INVALID_STATUS_CHANGE = Code("manager_link_error", "INVALID_STATUS_CHANGE")
INVALID_CHANGE = Code("manager_link_error", "INVALID_CHANGE")
CANNOT_MANAGE_SELF = Code("manager_link_error", "CUSTOMER_CANNOT_MANAGE_SELF")
CREATING_ENABLED_LINK = Code("manager_link_error", "CREATING_ENABLED_LINK_NOT_ALLOWED")
TOO_MANY_INVITATIONS = Code("customer_client_link_error", "CLIENT_HAS_TOO_MANY_INVITATIONS")
MAX_CUSTOMER_LIMIT = Code("customer_client_link_error", "MAX_CUSTOMER_LIMIT_REACHED")
NO_PENDING_INVITE = Code("customer_manager_link_error", "NO_PENDING_INVITE")
SAME_LINK_TWICE = Code("customer_manager_link_error", "SAME_CLIENT_MORE_THAN_ONCE_PER_CALL")
CREATION_DENIED_INELIGIBLE_MCC = Code("customer_error", "CREATION_DENIED_INELIGIBLE_MCC")
RESOURCE_TEMPORARILY_EXHAUSTED = Code(
    "quota_error", "RESOURCE_TEMPORARILY_EXHAUSTED", grpc.StatusCode.RESOURCE_EXHAUSTED
)


def query_error(name: str) -> Code:
    """A ``QueryError`` code by its enum name (``UNRECOGNIZED_FIELD``, ...)."""
    return Code("query_error", name)


class RpcFault(Exception):
    """The emulator's refusal of one call; the servicer sends it, it never escapes."""

    def __init__(
        self,
        code: Code | None,
        message: str,
        *,
        location: Sequence[str] = (),
        status: grpc.StatusCode | None = None,
        retry_delay_s: float | None = None,
    ) -> None:
        """Describe a refusal.

        Args:
            code: the Google Ads error code; None for a bare transport failure
                (no ``GoogleAdsFailure`` is sent, as when a front end drops a call).
            message: Google-style text for the error.
            location: the request field path, e.g. ``("operations[1]", "update", "status")``.
            status: the gRPC status; defaults to the code's.
            retry_delay_s: for quota errors, the back-off Google asks for.
        """
        super().__init__(message)
        self.code, self.message, self.location = code, message, tuple(location)
        self.retry_delay_s = retry_delay_s
        resolved = status or (code.status if code else None)
        self.status: grpc.StatusCode = resolved or grpc.StatusCode.UNKNOWN

    def field_path(self) -> list[tuple[str, int | None]]:
        """The location as (field name, index or None) pairs."""
        pairs: list[tuple[str, int | None]] = []
        for part in self.location:
            match = _FIELD_PATH_PART.fullmatch(part)
            if match is None:
                raise ValueError(f"bad field path element {part!r}")
            pairs.append((match[1], int(match[2]) if match[2] else None))
        return pairs


def new_request_id() -> str:
    """A request id shaped like Google's (22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


def trailing_metadata(
    fault: RpcFault | None, request_id: str, version: str
) -> tuple[tuple[str, str | bytes], ...]:
    """The trailing metadata of an answer: ``request-id``, and the serialized failure if any
    (a ``GoogleAdsFailure`` of API ``version``, under that version's key)."""
    if fault is None or fault.code is None:
        return (("request-id", request_id),)
    failure = _failure_bytes(fault, request_id, version)
    return (("request-id", request_id), (failure_metadata_key(version), failure))


def _failure_bytes(fault: RpcFault, request_id: str, version: str) -> bytes:
    assert fault.code is not None  # the caller sends no failure for a bare transport fault
    types = protos.load("errors.types.errors", version)
    error = types.GoogleAdsError(
        error_code=types.ErrorCode(**{fault.code.kind: fault.code.name}), message=fault.message
    )
    if fault.location:
        element = types.ErrorLocation.FieldPathElement
        error.location = types.ErrorLocation(
            field_path_elements=[
                element(field_name=name) if index is None else element(field_name=name, index=index)
                for name, index in fault.field_path()
            ]
        )
    if fault.retry_delay_s is not None:
        error.details = types.ErrorDetails(
            quota_error_details=types.QuotaErrorDetails(
                rate_scope=types.QuotaErrorDetails.QuotaRateScope.ACCOUNT,
                rate_name="Requests per account per second (emulator qps_limit)",
                retry_delay=timedelta(seconds=fault.retry_delay_s),
            )
        )
    failure = types.GoogleAdsFailure(errors=[error], request_id=request_id)
    return bytes(types.GoogleAdsFailure.serialize(failure))
