"""Google's request id of a successful call, read from the response headers.

The gapic service methods return only the message, so a gRPC interceptor (passed to
``GoogleAdsClient.get_service``) keeps the call of the thread's latest request. On success
Google sends ``request-id`` as a response header; the library's own wrapper answers
``trailing_metadata()`` with the headers too, so both are read. Failures carry their request
id in the exception and never reach here.
"""

from __future__ import annotations

import threading
from typing import Any

import grpc

_REQUEST_ID_KEY = "request-id"


class RequestIdRecorder(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """Remembers, per thread, the call of the latest request made through it."""

    def __init__(self) -> None:
        self._local = threading.local()

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        """Pass the request on and keep its call."""
        return self._keep(continuation(details, request))

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        """Pass the request on and keep its (streaming) call."""
        return self._keep(continuation(details, request))

    def forget(self) -> None:
        """Drop the kept call, before a new request."""
        self._local.call = None

    def request_id(self) -> str | None:
        """The request id of this thread's latest call, or None when it had none."""
        call = getattr(self._local, "call", None)
        if call is None:
            return None
        return _find(call.initial_metadata()) or _find(call.trailing_metadata())

    def _keep(self, call: Any) -> Any:
        self._local.call = call
        return call


def _find(metadata: Any) -> str | None:
    for key, value in metadata or ():
        if key == _REQUEST_ID_KEY:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None
