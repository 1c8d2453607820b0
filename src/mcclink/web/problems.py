"""Errors as JSON problem documents (RFC 9457), with the CLI's messages.

An mcclink error keeps its message (the same words the CLI prints) and gets the HTTP status
that matches its exit code's meaning: bad input 4xx with nothing written, a failure at Google
Ads or in the store 5xx.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse

from mcclink import errors

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: Most specific first: the first class an error is an instance of decides its status.
_STATUS: tuple[tuple[type[errors.MccLinkError], int], ...] = (
    (errors.ClientNotFound, 404),
    (errors.ClientExists, 409),
    (errors.VersionConflict, 409),
    (errors.InvalidTransition, 409),
    (errors.InputError, 422),
    (errors.AuthenticationFailed, 502),
    (errors.TableMissing, 503),
    (errors.ConfigurationError, 500),
    (errors.StoreUnavailable, 503),
    (errors.StoreError, 500),
    (errors.AccountNotFound, 422),
    (errors.LinkRefused, 409),
    (errors.TransientError, 503),
    (errors.GoogleAdsError, 502),
)


def status_for(exc: errors.MccLinkError) -> int:
    """The HTTP status for an mcclink error."""
    return next((status for cls, status in _STATUS if isinstance(exc, cls)), 500)


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
    doc = type(exc).__doc__ or type(exc).__name__
    return problem(
        status_for(exc), doc.splitlines()[0].rstrip("."), str(exc), code=type(exc).__name__
    )
