"""Google Ads failures, converted once into ``mcclink.errors``.

What arrives from a call (checked on google-ads 34.0.0): ``GoogleAdsException`` (any status
whose trailing metadata holds a ``GoogleAdsFailure``), ``google.api_core.exceptions.*`` (the
library never converts ``INTERNAL`` and ``RESOURCE_EXHAUSTED``, nor a failure without the
metadata key; the failure, with any ``retry_delay``, still sits in the call's trailing
metadata; ``UNAVAILABLE`` arrives as ``ServiceUnavailable``, unary or streaming), a raw
``grpc.RpcError`` (only outside the gapic wrappers, handled all the same) and ``google.auth``
refresh errors. ``translate`` turns each into one ``GoogleAdsError`` subclass carrying a code of the
form ``ErrorType.NAME`` (``ManagerLinkError.TOO_MANY_MANAGERS``, ``StatusCode.UNAVAILABLE``,
``OAuthError.INVALID_GRANT``), Google's message with a fix, and Google's request id.
Secrets are scrubbed from every text.

Nothing here imports ``google.ads`` at module level: the library is loaded only after a call.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from mcclink.ads.error_table import RULES
from mcclink.ads.version import API_VERSION, FAILURE_METADATA_KEY
from mcclink.errors import (
    AccountNotFound,
    AuthenticationFailed,
    GoogleAdsError,
    PermissionDenied,
    TransientError,
)

_REQUEST_ID_KEY = "request-id"
_TRANSIENT_STATUSES = frozenset(
    {"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "RESOURCE_EXHAUSTED"}
)
_STATUS_KINDS: Mapping[str, type[GoogleAdsError]] = MappingProxyType(
    {
        "PERMISSION_DENIED": PermissionDenied,
        "UNAUTHENTICATED": AuthenticationFailed,
        "NOT_FOUND": AccountNotFound,
    }
)


@dataclass(frozen=True)
class _Failure:
    """What one failed call said, whatever shape it arrived in."""

    code: str
    status: str | None
    message: str
    request_id: str | None
    retry_delay: float | None = None


def translate(
    exc: BaseException, secrets: Sequence[str] = (), action: str = "", client: str | None = None
) -> GoogleAdsError | None:
    """The mcclink error for a Google Ads, gRPC or google-auth exception; None for others.

    Args:
        exc: the exception a call raised.
        secrets: values to scrub from every text (the refresh token, client secret, ...).
        action: what was being done, with the ids involved (``inviting 111-222-3333 ...``).
        client: the client account the call was about, named in a fix that has a command
            for it (``mcclink links status 111-222-3333``).
    """
    failure = _read(exc)
    if failure is None:
        return None
    rule = RULES.get(failure.code)
    kind = rule.kind if rule else _kind_from_status(failure.status)
    said = _scrub(failure.message, secrets)
    hint = rule.hint_for(action, client) if rule else ""
    text = f"{hint}. Google Ads said: {said}" if hint and said else hint or said
    text = f"{action}: {text}" if action and text else action or text
    return kind(text or "Google Ads call failed", code=failure.code, request_id=failure.request_id)


def server_retry_delay(error: BaseException) -> float | None:
    """The ``retry_delay`` (seconds) Google gave with the failure behind ``error``, if any."""
    cause = error.__cause__
    failure = _read(cause) if cause is not None else None
    return failure.retry_delay if failure else None


def _kind_from_status(status: str | None) -> type[GoogleAdsError]:
    if status in _TRANSIENT_STATUSES:
        return TransientError
    return _STATUS_KINDS.get(status or "", GoogleAdsError)


def _read(exc: BaseException) -> _Failure | None:
    """Dispatch on the foreign exception's type; the library is already loaded by now."""
    import grpc
    from google.ads.googleads.errors import GoogleAdsException
    from google.api_core.exceptions import GoogleAPICallError
    from google.auth.exceptions import RefreshError, TransportError

    if isinstance(exc, GoogleAdsException):
        return _from_failure(exc.failure, _status_name(exc.error), exc.request_id)
    if isinstance(exc, GoogleAPICallError):
        status = exc.grpc_status_code.name if exc.grpc_status_code else None
        return _from_call(exc.response, status, exc.message)
    if isinstance(exc, RefreshError):
        return _from_refresh(exc)
    if isinstance(exc, TransportError):
        return _Failure(
            "OAuthError.TOKEN_ENDPOINT_UNREACHABLE",
            "UNAVAILABLE",
            "cannot reach the OAuth token endpoint (check GOOGLE_ADS_TOKEN_URI and the network)",
            None,
        )
    if isinstance(exc, grpc.RpcError):
        return _from_call(exc, _status_name(exc), _call_details(exc))
    return None


def _from_failure(failure: Any, status: str | None, request_id: str | None) -> _Failure:
    errors = list(failure.errors)
    first = errors[0] if errors else None
    code = _code_name(first.error_code) if first is not None else f"StatusCode.{status}"
    messages = dict.fromkeys(e.message for e in errors if e.message)
    delay = first.details.quota_error_details.retry_delay if first is not None else None
    return _Failure(
        code=code,
        status=status,
        message="; ".join(messages),
        request_id=request_id or failure.request_id or None,
        retry_delay=delay.total_seconds() if delay else None,
    )


def _from_call(call: Any, status: str | None, details: str) -> _Failure:
    metadata = _trailing(call)
    request_id = _metadata_text(metadata.get(_REQUEST_ID_KEY))
    raw_failure = metadata.get(FAILURE_METADATA_KEY)
    if isinstance(raw_failure, bytes):
        module = importlib.import_module(f"google.ads.googleads.{API_VERSION}.errors.types.errors")
        failure = _from_failure(
            module.GoogleAdsFailure.deserialize(raw_failure), status, request_id
        )
        return failure if failure.message else replace(failure, message=details)
    return _Failure(f"StatusCode.{status}", status, details, request_id)


def _from_refresh(exc: BaseException) -> _Failure:
    body = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], Mapping) else {}
    reason = str(body.get("error", "")).upper() or "REFRESH_FAILED"
    description = str(body.get("error_description", "")) or str(exc.args[0] if exc.args else "")
    retryable = bool(getattr(exc, "retryable", False))
    return _Failure(
        code=f"OAuthError.{reason}",
        status="UNAVAILABLE" if retryable else "UNAUTHENTICATED",
        message=f"token refresh failed: {description}".rstrip(": "),
        request_id=None,
    )


def _code_name(error_code: Any) -> str:
    field = type(error_code).pb(error_code).WhichOneof("error_code")
    if field is None:
        return "ErrorCode.UNSPECIFIED"
    value = getattr(error_code, field)
    return f"{type(value).__name__}.{getattr(value, 'name', value)}"


def _status_name(call: Any) -> str | None:
    code = _ask(call, "code")
    return getattr(code, "name", None)


def _call_details(call: Any) -> str:
    return str(_ask(call, "details") or "")


def _trailing(call: Any) -> dict[str, str | bytes]:
    return dict(_ask(call, "trailing_metadata") or ())


def _ask(call: Any, method: str) -> Any:
    """``call.method()``, or None for a call object that lacks it (or no call at all)."""
    ask = getattr(call, method, None)
    return ask() if callable(ask) else None


def _metadata_text(value: str | bytes | None) -> str | None:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value


_MASK = "********"
#: Token shapes that may hide in a server's or library's text, and what replaces them.
_TOKEN_PATTERNS = (
    (re.compile(r"(?i)(bearer\s+)[^\s,;\"']+"), rf"\g<1>{_MASK}"),
    (re.compile(r"ya29\.[\w.\-]+"), _MASK),
    (
        re.compile(
            r"(?i)((?:refresh|access)_token|client_secret|developer[-_]token)"
            r"([\"']?\s*[:=]\s*[\"']?)[^\s&,;\"']+"
        ),
        rf"\g<1>\g<2>{_MASK}",
    ),
)


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if len(secret) >= 4:  # masking shorter strings would garble ordinary words
            text = text.replace(secret, _MASK)
    for pattern, replacement in _TOKEN_PATTERNS:
        text = pattern.sub(replacement, text)
    return text
