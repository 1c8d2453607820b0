"""Webhooks: every status change POSTed as signed JSON to the receiver at ``MCC_WEBHOOK_URL``.

History is the outbox (``mcclink.outbox``): every delivery attempt is a ``WEBHOOK`` history
entry on the changed client. What is delivered, what failed and what is due all follow
from history, and a delivery can never block or undo the status write it reports.

A pass (``deliver_pending``) reads the last ``outbox.WINDOW`` of history and POSTs, oldest first,
every change not yet delivered whose retry is due: after the n-th failed attempt the next
is due ``backoff(n)`` later; after ``MAX_ATTEMPTS`` failures the change is given up (it
stays in ``delivery_problems``). A pass stops at the first attempt that gets no HTTP answer
(refused, unreachable, timed out): a receiver that is down costs one attempt, at most
``TIMEOUT_S``, per pass, and the other changes wait, unattempted, for the next pass.

Delivery is at least once: a crash after the POST and before its ``WEBHOOK`` entry is
written, or two passes running at once (the monitor and the web server), deliver a change
again with the same ``X-Mcclink-Delivery`` id; receivers dedupe on it.

Each attempt is signed when it is sent: ``X-Mcclink-Signature: t=<unix seconds>,v1=<hex>``,
the HMAC-SHA256 under ``MCC_WEBHOOK_SECRET`` of ``<t>.<delivery id>.<raw body>``. A receiver
checks it with ``verify`` (standard library only, so it can be copied as it is into a
receiver without mcclink: docs/webhooks.md shows this very source), which refuses a
signature more than 5 minutes from its clock: a captured delivery cannot be replayed
later, nor under another delivery id.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from mcclink import __version__
from mcclink.config import WEBHOOK_URL_VAR, is_loopback
from mcclink.config import WebhookSettings as WebhookSettings  # re-exported: the plan's home
from mcclink.domain import Client, CustomerId, HistoryEntry, Operation, Outcome, utcnow
from mcclink.outbox import outgoing
from mcclink.ports import Store
from mcclink.serialization import client_to_dict, format_timestamp, history_to_dict

EVENT = "client.status_changed"
DELIVERY_HEADER = "X-Mcclink-Delivery"
SIGNATURE_HEADER = "X-Mcclink-Signature"
EVENT_HEADER = "X-Mcclink-Event"
TIMEOUT_S = 5.0
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 10


def sign(secret: str, delivery_id: str, body: bytes) -> str:
    """The ``X-Mcclink-Signature`` value of a delivery sent now: ``t=<unix seconds>,v1=<hex>``."""
    sent = str(int(time.time()))
    return f"t={sent},v1={signature_mac(secret, sent, delivery_id, body)}"


def signature_mac(secret: str, timestamp: str, delivery_id: str, body: bytes) -> str:
    """The hex HMAC-SHA256, keyed with the shared secret, of ``<t>.<delivery id>.<body>``."""
    signed = f"{timestamp}.{delivery_id}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    body: bytes,
    delivery_id: str,
    signature: str,
    *,
    tolerance_s: float = 300,
    now: float | None = None,
) -> bool:
    """Whether a webhook delivery comes from mcclink, unchanged and recently.

    Args:
        secret: ``MCC_WEBHOOK_SECRET``, the secret shared with mcclink.
        body: the request body exactly as received, before any JSON parsing.
        delivery_id: the ``X-Mcclink-Delivery`` header.
        signature: the ``X-Mcclink-Signature`` header (``t=<unix seconds>,v1=<hex>``).
        tolerance_s: how far from ``now`` the signature's time may be (5 minutes).
        now: the receiver's clock, in Unix seconds (default: ``time.time()``).

    Returns:
        True only when the HMAC matches (compared in constant time) and the signature's
        time is within ``tolerance_s`` of ``now``. Answer anything else with 401.
    """
    fields: dict[str, str] = {}
    for part in signature.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    sent, mac = fields.get("t", ""), fields.get("v1", "")
    if not re.fullmatch(r"[0-9]{1,12}", sent):
        return False
    if abs((time.time() if now is None else now) - int(sent)) > tolerance_s:
        return False
    expected = signature_mac(secret, sent, delivery_id, body)
    return hmac.compare_digest(expected.encode(), mac.encode())


def plain_http_warning(settings: WebhookSettings) -> str | None:
    """The warning for a receiver reached over plain HTTP beyond this machine, or None."""
    parts = urlsplit(settings.url)
    if parts.scheme != "http" or is_loopback(parts.hostname):
        return None
    return (
        f"{WEBHOOK_URL_VAR} sends deliveries to {settings.target} over plain http://: "
        "anyone on the way can read the clients' names and e-mails in them and capture "
        "deliveries; use an https:// URL"
    )


def backoff(failures: int) -> timedelta:
    """How long after its ``failures``-th failed attempt (1, 2, ...) a change is retried."""
    doublings = min(max(failures, 1) - 1, 16)  # capped: the cap is reached long before
    return min(FIRST_RETRY * (1 << doublings), MAX_RETRY)


def payload(change: HistoryEntry, client: Client | None) -> dict[str, Any]:
    """The JSON body of a delivery: the change and the client as stored now (None: archived)."""
    return {
        "delivery_id": change.id,
        "event": EVENT,
        "entry": history_to_dict(change),
        "client": None if client is None else client_to_dict(client),
    }


@dataclass(frozen=True)
class _Delivery:
    """One status change and the attempts made to deliver it so far, oldest first."""

    change: HistoryEntry
    attempts: tuple[HistoryEntry, ...] = ()

    @property
    def delivered(self) -> bool:
        return any(a.outcome is Outcome.SUCCESS for a in self.attempts)

    @property
    def failures(self) -> int:
        return sum(a.outcome is Outcome.FAILED for a in self.attempts)

    @property
    def given_up(self) -> bool:
        return not self.delivered and self.failures >= MAX_ATTEMPTS

    @property
    def next_attempt_at(self) -> datetime | None:
        """When the next attempt is due; None once delivered or given up."""
        if self.delivered or self.given_up:
            return None
        if not self.attempts:
            return self.change.timestamp
        return self.attempts[-1].timestamp + backoff(self.failures)


@dataclass(frozen=True)
class Attempt:
    """One POST of one change in a pass."""

    change: HistoryEntry
    attempt: int
    delivered: bool
    http_status: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The attempt as it appears in ``DeliveryReport.to_dict``."""
        return {
            "delivery_id": self.change.id,
            "customer_id": self.change.customer_id.digits,
            "mcc_customer_id": self.change.mcc_customer_id.digits,
            "attempt": self.attempt,
            "delivered": self.delivered,
            "http_status": self.http_status,
            "error": self.error,
        }


@dataclass
class DeliveryReport:
    """What one pass did: its attempts, and what it left for later passes."""

    attempts: list[Attempt] = field(default_factory=list)
    #: Due, but not attempted: the pass stopped after a receiver gave no answer.
    deferred: int = 0
    #: Not delivered yet, their retry not yet due.
    waiting: int = 0
    #: Changes in the window whose delivery failed ``MAX_ATTEMPTS`` times.
    given_up: int = 0
    #: Why the pass stopped early (the receiver gave no answer), or None.
    stopped: str | None = None
    duration_ms: float = 0.0

    @property
    def delivered(self) -> int:
        """Changes delivered in this pass."""
        return sum(a.delivered for a in self.attempts)

    @property
    def failed(self) -> int:
        """Attempts of this pass that failed (each recorded in history)."""
        return len(self.attempts) - self.delivered

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape (``webhooks deliver --json``, monitor's ``webhooks``)."""
        return {
            "delivered": self.delivered,
            "failed": self.failed,
            "deferred": self.deferred,
            "waiting": self.waiting,
            "given_up": self.given_up,
            "stopped": self.stopped,
            "attempts": [a.to_dict() for a in self.attempts],
            "duration_ms": round(self.duration_ms, 1),
        }


@dataclass(frozen=True)
class DeliveryProblem:
    """A status change whose delivery failed and is not done: retrying, or given up."""

    change: HistoryEntry
    attempts: int
    last_attempt_at: datetime
    last_error: str | None
    http_status: int | None
    #: None when given up.
    next_attempt_at: datetime | None

    @property
    def given_up(self) -> bool:
        """True when no more attempts will be made."""
        return self.next_attempt_at is None

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of one problem (``webhooks status --json``)."""
        change, next_at = self.change, self.next_attempt_at
        return {
            "delivery_id": change.id,
            "customer_id": change.customer_id.digits,
            "mcc_customer_id": change.mcc_customer_id.digits,
            "status_before": None if change.status_before is None else change.status_before.value,
            "status_after": None if change.status_after is None else change.status_after.value,
            "changed_at": format_timestamp(change.timestamp),
            "attempts": self.attempts,
            "last_attempt_at": format_timestamp(self.last_attempt_at),
            "last_error": self.last_error,
            "http_status": self.http_status,
            "next_attempt_at": None if next_at is None else format_timestamp(next_at),
            "given_up": self.given_up,
        }


def deliver_pending(
    store: Store,
    settings: WebhookSettings,
    *,
    now: datetime | None = None,
    mcc: CustomerId | None = None,
    actor: str = "mcclink",
) -> DeliveryReport:
    """One pass: POST every due, undelivered status change of the last ``outbox.WINDOW``.

    Args:
        store: where the changes and the attempts are recorded.
        settings: the receiver and the signing secret.
        now: the pass's clock (tests move it forward); now by default.
        mcc: only this MCC's changes (default: every MCC in the store).
        actor: who delivers, recorded in each ``WEBHOOK`` entry.

    Returns:
        The attempts made (each also recorded as a ``WEBHOOK`` history entry) and what
        was left for later passes. A receiver's failure is an attempt, never an exception.

    Raises:
        StoreError: the store could not be read, or an attempt could not be recorded (that
            change is delivered again on the next pass).
    """
    start, began = now or utcnow(), time.monotonic()
    report = DeliveryReport()
    for delivery in _deliveries(store, start, mcc):
        due = delivery.next_attempt_at
        if due is None:
            report.given_up += delivery.given_up
        elif due > start:
            report.waiting += 1
        elif report.stopped is not None:
            report.deferred += 1
        else:
            # The pass's clock: the given start (a test's fake time) advanced by real time.
            at = start + timedelta(seconds=time.monotonic() - began)
            attempt, answered = _attempt(store, settings, delivery, at, actor)
            report.attempts.append(attempt)
            if not answered:
                report.stopped = attempt.error
    report.duration_ms = (time.monotonic() - began) * 1000
    return report


def delivery_problems(
    store: Store, *, now: datetime | None = None, mcc: CustomerId | None = None
) -> list[DeliveryProblem]:
    """Changes of the last ``outbox.WINDOW`` whose delivery failed and is not done, oldest first.

    Raises:
        StoreError: the store could not be read.
    """
    problems = []
    for delivery in _deliveries(store, now or utcnow(), mcc):
        if delivery.delivered or not delivery.failures:
            continue
        last = delivery.attempts[-1]
        problems.append(
            DeliveryProblem(
                change=delivery.change,
                attempts=len(delivery.attempts),
                last_attempt_at=last.timestamp,
                last_error=last.error_message,
                http_status=_optional_int(last.details.get("http_status")),
                next_attempt_at=delivery.next_attempt_at,
            )
        )
    return problems


def _deliveries(store: Store, now: datetime, mcc: CustomerId | None) -> list[_Delivery]:
    """Every status change of the window with its attempts, oldest change first."""
    return [_Delivery(o.change, o.records) for o in outgoing(store, Operation.WEBHOOK, now, mcc)]


def _attempt(
    store: Store, settings: WebhookSettings, delivery: _Delivery, at: datetime, actor: str
) -> tuple[Attempt, bool]:
    """POST one change and record the attempt; (the attempt, whether the receiver answered)."""
    change = delivery.change
    client = store.get_client(change.mcc_customer_id, change.customer_id)
    body = json.dumps(payload(change, client), ensure_ascii=False, sort_keys=True).encode()
    number = len(delivery.attempts) + 1
    started = time.monotonic()
    answer = _post(settings, _headers(settings, change.id, body), body)
    attempt = Attempt(change, number, answer.delivered, answer.http_status, answer.error)
    details = {"delivery_id": change.id, "entry_id": change.id, "attempt": str(number)}
    if answer.http_status is not None:
        details["http_status"] = str(answer.http_status)
    store.append_history(
        HistoryEntry(
            customer_id=change.customer_id,
            mcc_customer_id=change.mcc_customer_id,
            operation=Operation.WEBHOOK,
            outcome=Outcome.SUCCESS if answer.delivered else Outcome.FAILED,
            error_code=answer.code,
            error_message=answer.error,
            actor=actor,
            duration_ms=(time.monotonic() - started) * 1000,
            details=details,
            timestamp=at,
        )
    )
    return attempt, answer.http_status is not None


def send_event(
    settings: WebhookSettings, event: str, delivery_id: str, body: Mapping[str, Any]
) -> Answer:
    """POST one event other than a status change (an alert), signed as every delivery is.

    Sent once: the caller records a failure; nothing retries it.
    """
    data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    return _post(settings, _headers(settings, delivery_id, data, event), data)


def _headers(
    settings: WebhookSettings, delivery_id: str, body: bytes, event: str = EVENT
) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"mcclink/{__version__}",
        DELIVERY_HEADER: delivery_id,
        EVENT_HEADER: event,
        SIGNATURE_HEADER: sign(settings.secret.reveal(), delivery_id, body),
    }


@dataclass(frozen=True)
class Answer:
    """What the receiver did with one POST: an HTTP status, or no answer at all."""

    http_status: int | None
    code: str | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300


def _post(settings: WebhookSettings, headers: dict[str, str], body: bytes) -> Answer:
    """POST to the receiver; every failure of the transport becomes an ``Answer`` here."""
    receiver = f"receiver {settings.target}"
    request = urllib.request.Request(settings.url, data=body, headers=headers, method="POST")
    try:
        with _opener(settings.url).open(request, timeout=TIMEOUT_S) as response:
            return Answer(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        hint = " (redirects are not followed: set MCC_WEBHOOK_URL to the final URL)"
        return Answer(
            exc.code,
            f"WEBHOOK_HTTP_{exc.code}",
            f"{receiver} answered HTTP {exc.code}{hint if 300 <= exc.code < 400 else ''}",
        )
    except urllib.error.URLError as exc:
        return _no_answer(receiver, exc.reason)
    except (OSError, http.client.HTTPException) as exc:  # failures after the connection
        return _no_answer(receiver, exc)


def _no_answer(receiver: str, reason: object) -> Answer:
    if isinstance(reason, TimeoutError):
        return Answer(None, "WEBHOOK_TIMEOUT", f"{receiver} did not answer in {TIMEOUT_S:g} s")
    why = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return Answer(None, "WEBHOOK_UNREACHABLE", f"{receiver} could not be reached: {why}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers, not deliveries: urllib would re-send a POST as a bodiless GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _opener(url: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if is_loopback(urlsplit(url).hostname):
        # A proxy from the environment cannot reach this machine's loopback.
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def _optional_int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None
