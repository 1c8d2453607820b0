"""A local SMTP server that keeps what it receives: where the demo's and the tests' mail goes.

``Mailbox`` serves SMTP (aiosmtpd) on a loopback port the system chooses, from a thread of
this process, and parses every message it accepts into an ``EmailMessage``. Nothing is
relayed anywhere. ``MCC_MAIL_URL=mailbox.url`` points mcclink at it (plain SMTP is allowed to
a loopback host).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from email.message import EmailMessage
from types import TracebackType

from aiosmtpd.smtp import SMTP, Envelope, Session

_STARTUP_S = 10.0


class Mailbox:
    """An SMTP sink on ``127.0.0.1``: ``start()`` (or ``with``), send to ``url``, read
    ``messages``, ``stop()``.

    Args:
        delay_s: how long the server takes to accept each recipient (a slow relay: a sender
            killed meanwhile has not delivered the message).
    """

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.port = 0
        self._messages: list[EmailMessage] = []
        self._accepting = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcclink-mailbox")
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """The ``MCC_MAIL_URL`` that sends here."""
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received so far, oldest first (a copy of the list)."""
        with self._lock:
            return list(self._messages)

    @property
    def accepting(self) -> int:
        """Recipients being accepted right now (within ``delay_s``): senders mid-message."""
        with self._lock:
            return self._accepting

    def clear(self) -> None:
        """Forget the messages received so far."""
        with self._lock:
            self._messages.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages, once there are at least ``count`` (or ``timeout`` seconds passed)."""
        deadline = time.monotonic() + timeout
        while len(found := self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return found

    def start(self) -> Mailbox:
        """Listen on a free loopback port (``port``, ``url``); returns the mailbox."""
        self._thread.start()
        listening = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self._server = listening.result(timeout=_STARTUP_S)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        """Stop listening and end the server's thread."""
        if self._server is not None:
            closed = asyncio.run_coroutine_threadsafe(_closed(self._server), self._loop)
            closed.result(timeout=_STARTUP_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=_STARTUP_S)
        self._loop.close()

    def __enter__(self) -> Mailbox:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def _listen(self) -> asyncio.Server:
        # A fixed hostname: aiosmtpd's default looks up this machine's name (DNS, slow offline).
        return await self._loop.create_server(
            lambda: SMTP(self, hostname="mcclink-mailbox"), "127.0.0.1", 0
        )

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """aiosmtpd's hook: accept any recipient, after ``delay_s``."""
        with self._lock:
            self._accepting += 1
        try:
            await asyncio.sleep(self.delay_s)
        finally:
            with self._lock:
                self._accepting -= 1
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """aiosmtpd's hook: keep the message, parsed; answer 250."""
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        with self._lock:
            self._messages.append(parsed)
        return "250 Message accepted"


async def _closed(server: asyncio.Server) -> None:
    """Close ``server`` from its own loop: ``Server.close`` is not thread-safe (from another
    thread it can race a connection closing, and asyncio then fails in ``_wakeup``)."""
    server.close()
    await server.wait_closed()
