"""How big a request body may be, and who must be known before a byte of it is read.

FastAPI reads a route's whole body before any of its dependencies run, authentication
included, and Starlette spools an upload past 1 MiB to a temporary file. So this pure ASGI
middleware stands in front of routing and, for a request that brings a body:

1. checks the sender the way the route will: the staff's forms need a session (signed in,
   but for the sign-in form), else they are answered as the route would answer (403 or the
   sign-in page). The API's bearer token is checked before this, by ``security.install``;
2. refuses a ``Content-Length`` over the route's limit (413), unread;
3. reads the body, counting it as it arrives, and refuses it (413) the moment it passes the
   limit. Only a whole body within the limit reaches the app, which then parses it.

Memory per request is bounded by the limit; nothing touches the disk before step 3 ends.
And whatever answers before a body was read whole (a refusal here, the Host check, the
API's 401) closes the connection after a short linger (``CloseUnread``): at most a few
MiB more of the body are read, and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcclink.domain import MAX_FIELD_BYTES
from mcclink.errors import InputError
from mcclink.web import api, pages
from mcclink.web.auth import check_form_sender

#: A staff or advertiser form: a CSRF token and a few short fields.
FORM_BYTES = 16 * 1024
#: A JSON body: a client's free-form fields (MAX_FIELD_BYTES of UTF-8) escaped as JSON
#: (``\\uXXXX``) take at most three times as much.
API_JSON_BYTES = 4 * MAX_FIELD_BYTES
#: A multipart upload of the API: the CSV, and its part's headers and boundaries.
API_UPLOAD_BYTES = api.MAX_UPLOAD_BYTES + 64 * 1024
#: The import page's upload, and its confirm form: the CSV percent-encoded in a field can
#: take three times its size.
PAGE_UPLOAD_BYTES = 4 * pages.MAX_UPLOAD_BYTES
_SIGN_IN_PATH = "/login"
#: After an early answer, how much more of the body is read and dropped, and for how long at
#: most, before the connection closes (see ``CloseUnread``).
LINGER_BYTES = 8 * 1024 * 1024
LINGER_SECONDS = 5.0


class BodyTooLarge(InputError):
    """A request body over its route's limit: refused unread (413), nothing done."""


def _anyone(request: Request) -> None:
    """Public, or checked before this middleware (the API's token)."""


def _staff(request: Request) -> None:
    """A session whose CSRF token the form can carry: signed in, but for the sign-in form.

    Raises:
        CsrfRejected: no session at all (the form cannot carry its token).
        SignInRequired: an anonymous session posting anything but the sign-in form.
    """
    check_form_sender(request, _SIGN_IN_PATH)


@dataclass(frozen=True)
class Area:
    """Routes whose bodies share a limit and a check of their sender."""

    limit: int
    #: The refusal's message: what is too big, and what to do.
    too_large: str
    #: Raises the app's refusal (an exception it has a handler for) when the sender may not
    #: send a body here.
    admit: Callable[[Request], None] = _anyone


API_JSON = Area(
    API_JSON_BYTES,
    f"the request body is over {API_JSON_BYTES // 1024} KiB: a client's name, e-mail and "
    f"attributes take at most {MAX_FIELD_BYTES // 1024} KiB; send less",
)
API_UPLOAD = Area(
    API_UPLOAD_BYTES,
    f"the upload is over {api.MAX_UPLOAD_BYTES // (1024 * 1024)} MiB of CSV: split it into "
    "smaller files",
)
PAGE_UPLOAD = Area(
    PAGE_UPLOAD_BYTES,
    f"the upload is too big: at most {pages.MAX_UPLOAD_BYTES // 1024} KiB of CSV; split it "
    "into smaller files",
    _staff,
)
STAFF_FORM = Area(
    FORM_BYTES,
    f"the form is over {FORM_BYTES // 1024} KiB: send it from this site's pages",
    _staff,
)
PUBLIC_FORM = Area(FORM_BYTES, f"the form is over {FORM_BYTES // 1024} KiB")


class BodyLimits:
    """ASGI middleware: the sender first, then the body counted against its ``Area``'s limit.

    ``area_for`` names the area of a path. A refusal is the answer of the app's own
    exception handler for it, so it reads as the route's would.
    """

    def __init__(self, app: ASGIApp, area_for: Callable[[str], Area]) -> None:
        self.app = app
        self.area_for = area_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(request := Request(scope)):
            await self.app(scope, receive, send)
            return
        area = self.area_for(request.url.path)
        try:
            await run_in_threadpool(area.admit, request)  # it may read the store
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > area.limit:
                raise BodyTooLarge(area.too_large)
            body = await _read_within(receive, area)
        except ClientDisconnect:  # gone: nobody to answer
            return
        except Exception as exc:
            await (await _refusal(request, exc))(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


class CloseUnread:
    """ASGI middleware: an answer given before the request's body was read whole closes the
    connection, after a short linger.

    Left open, the connection would have the server read (and drop) the rest of the body,
    however long. Closed at once while the client still sends, it is reset by the kernel, and
    a reset can destroy the answer before the client reads it (a browser then shows "the
    connection was reset", not the page). So the answer is sent whole, then up to
    ``LINGER_BYTES`` more of the body are read and dropped within ``LINGER_SECONDS``, and
    only then does the answer end, with ``Connection: close``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(Request(scope)):
            await self.app(scope, receive, send)
            return
        unread = True
        closing = False

        async def reading() -> Message:
            nonlocal unread
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                unread = False
            return message

        async def linger() -> None:
            dropped = 0
            async with asyncio.timeout(LINGER_SECONDS):
                while unread and dropped <= LINGER_BYTES:
                    message = await reading()
                    if message["type"] == "http.disconnect":
                        return
                    dropped += len(message.get("body", b""))

        async def answering(message: Message) -> None:
            nonlocal closing
            if message["type"] == "http.response.start" and unread:
                closing = True
                message.setdefault("headers", [])
                MutableHeaders(scope=message)["Connection"] = "close"
            elif (
                closing
                and message["type"] == "http.response.body"
                and not message.get("more_body", False)
            ):
                await send({**message, "more_body": True})  # the whole answer, still open
                with contextlib.suppress(TimeoutError):
                    await linger()
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, reading, answering)


def _has_body(request: Request) -> bool:
    headers = request.headers
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


async def _read_within(receive: Receive, area: Area) -> bytes:
    """The whole body, counted as it arrives.

    Raises:
        BodyTooLarge: it passed ``area``'s limit (nothing more is read).
        ClientDisconnect: the client went away.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > area.limit:
            raise BodyTooLarge(area.too_large)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the app: the body read, in one message, then the client's own
    (a disconnect, when it comes)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refusal(request: Request, exc: Exception) -> Response:
    """The answer of the app's handler for ``exc``; an error it has none for is re-raised
    (Starlette answers it 500)."""
    handlers = request.app.exception_handlers
    mine = type(exc).__mro__[: type(exc).__mro__.index(Exception)]  # not the catch-all's
    handler = next((handlers[cls] for cls in mine if cls in handlers), None)
    if handler is None:
        raise exc
    response = handler(request, exc)
    if inspect.isawaitable(response):
        response = await response
    assert isinstance(response, Response)
    return response
