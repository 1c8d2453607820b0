"""Errors as JSON problem documents (RFC 9457), with the CLI's messages.

An mcclink error keeps its message (the words the CLI prints; a fix that names a CLI option
is told in the API's words, ``MccLinkError.told``: ``mcc=``, not ``--mcc``) and gets the HTTP status
that matches its exit code's meaning: bad input 4xx with nothing written, a failure at Google
Ads or in the store 5xx. A failure of the server's own store or settings is the exception:
its message names local details (a file path, a table, an endpoint), so a remote caller gets
what failed and what to do (``public_detail``) and the server log gets the message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mcclink import errors

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: Most specific first: the first class an error is an instance of decides its status.
_STATUS: tuple[tuple[type[errors.MccLinkError], int], ...] = (
    (errors.ClientNotFound, 404),
    (errors.OnboardingLinkNotFound, 404),
    (errors.StaffUserNotFound, 404),
    (errors.ApiTokenNotFound, 404),
    (errors.ClientExists, 409),
    (errors.StaffUserExists, 409),
    (errors.VersionConflict, 409),
    (errors.InvalidTransition, 409),
    (errors.InputError, 422),
    (errors.AuthenticationFailed, 502),
    (errors.TableMissing, 503),
    (errors.ConfigurationError, 500),
    (errors.StoreUnavailable, 503),
    (errors.StoreError, 500),
    (errors.AccountNotFound, 422),
    (errors.PermissionDenied, 403),
    (errors.LinkRefused, 409),
    (errors.TransientError, 503),
    (errors.GoogleAdsError, 502),
)


#: Google Ads error families that refuse a value the caller sent (a time zone, a currency):
#: bad input, answered 422, though the adapter raises them as plain ``GoogleAdsError``.
_BAD_VALUE_FAMILIES = ("CurrencyCodeError.", "TimeZoneError.", "UrlFieldError.", "FieldError.")


def status_for(exc: errors.MccLinkError) -> int:
    """The HTTP status for an mcclink error."""
    if isinstance(exc, errors.GoogleAdsError) and exc.code.startswith(_BAD_VALUE_FAMILIES):
        return 422
    return next((status for cls, status in _STATUS if isinstance(exc, cls)), 500)


#: What a remote caller is told of a 5xx failure of the server's own store or settings, most
#: specific first; the message itself goes to the server log.
_LOCAL_FAILURES: tuple[tuple[type[errors.MccLinkError], str], ...] = (
    (
        errors.TableMissing,
        "the server's store is not set up (a table is missing): its operator should run "
        "`mcclink tables create`",
    ),
    (
        errors.ConfigurationError,
        "the server's settings are missing or wrong: its operator should run `mcclink doctor`",
    ),
    (
        errors.StoreUnavailable,
        "the server's store is unavailable (locked, throttled or unreachable): try again shortly",
    ),
    (errors.StoreError, "the server's store failed the operation: try again shortly"),
)


def public_detail(exc: errors.MccLinkError, surface: Literal["api", "page"]) -> str:
    """What a caller of the server may read of ``exc``: its message with the fix in
    ``surface``'s words (``MccLinkError.told``), unless it is a 5xx failure of the server's
    store or settings; that one is logged and told as what failed and what to do, without the
    local details (a file path, a table, an endpoint) its message names.
    """
    if status_for(exc) >= 500:
        for cls, detail in _LOCAL_FAILURES:
            if isinstance(exc, cls):
                log.error("%s: %s", type(exc).__name__, exc)
                return f"{detail}; the server log has the details"
    return exc.told(surface)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    """A problem document response (``type`` is ``about:blank``: ``title`` says it all)."""
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if code is not None:
        body["code"] = code
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def from_error(exc: errors.MccLinkError) -> JSONResponse:
    """The problem document of an mcclink error: its class as ``code``, its message."""
    return problem(status_for(exc), _title(exc), public_detail(exc, "api"), code=type(exc).__name__)


def after_write(exc: errors.GoogleAdsError, detail: str) -> JSONResponse:
    """A Google Ads failure that came after the request wrote something (``detail`` says
    what): never a 4xx, which says nothing was written. A refusal is answered 502, an
    unavailable Google 503."""
    status = status_for(exc)
    return problem(max(status, 502), _title(exc), detail, code=type(exc).__name__)


def _title(exc: errors.MccLinkError) -> str:
    doc = type(exc).__doc__ or type(exc).__name__
    return doc.splitlines()[0].rstrip(".").replace("``", "")


#: The fix for the validation failures whose own message does not say it.
_FIXES = {
    "missing": "is required: give it",
    "extra_forbidden": "is not a known field: remove it",
    "json_invalid": "is not valid JSON: send a JSON object (Content-Type: application/json)",
    "model_attributes_type": "must be a JSON object",
}


def from_validation(errors_: Sequence[Any]) -> JSONResponse:
    """422 for a request FastAPI could not validate (400 for a body that is not JSON): each
    bad field, what is wrong, the fix.

    ``errors_`` is ``RequestValidationError.errors()``. A customer id keeps the CLI's
    message (its validator is ``CustomerId.parse``).
    """
    fields = [_field_problem(error) for error in errors_]
    listing = "; ".join(f"{f['location']} {f['field']}: {f['message']}" for f in fields)
    unreadable = any(error.get("type") == "json_invalid" for error in errors_)
    return problem(
        400 if unreadable else 422,
        "Unreadable request body" if unreadable else "Invalid request",
        f"{len(fields)} bad field(s), nothing was done: {listing}",
        code="RequestValidationError",
        errors=fields,
    )


def _field_problem(error: Any) -> dict[str, str]:
    location, *path = [str(part) for part in error.get("loc", ())] or ["request"]
    kind = error.get("type", "")
    if kind == "json_invalid":  # pydantic locates it at a character offset: useless to a client
        location, path = "body", []
    message = _FIXES.get(kind) or str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return {"location": location, "field": ".".join(path) or location, "message": message}


def from_http(exc: HTTPException, path: str, allowed: str | None = None) -> JSONResponse:
    """A routing failure under the API (unknown path, wrong method) as a problem document."""
    if exc.status_code == 404:
        return problem(
            404,
            "Not found",
            f"no API endpoint {path}: see /api/v1/openapi.json for the endpoints",
            code="NotFound",
        )
    if exc.status_code == 405:
        return problem(
            405,
            "Method not allowed",
            f"{path} does not take this method; it takes {allowed or 'other methods'}",
            code="MethodNotAllowed",
            headers={"Allow": allowed} if allowed else None,
        )
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 400:  # the body could not be parsed: a broken form, or JSON beyond
        # what Python reads (an integer of over 4,300 digits)
        fix = (
            "Send multipart/form-data with the CSV in a field named `file`, "
            "e.g. curl -F file=@clients.csv"
            if path.endswith("/imports")
            else "Send one JSON object whose numbers are short (at most 4,300 digits)."
        )
        detail = f"{str(exc.detail).rstrip('.')}. {fix}"
        return problem(400, "Unreadable request body", detail, code="BadRequest", headers=headers)
    return problem(exc.status_code, str(exc.detail), str(exc.detail), headers=headers)


def internal_error() -> JSONResponse:
    """500 for a failure mcclink did not expect; the details go to the server log only."""
    return problem(
        500,
        "Internal error",
        "the server failed unexpectedly; nothing more is said here, see the server log",
        code="InternalError",
    )
