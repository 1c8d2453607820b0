"""Webhook delivery for the web server: a thread that runs a pass every minute and soon after
each action, so a slow or dead receiver never holds up a request."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from mcclink.config import WebhookSettings
from mcclink.domain import CustomerId
from mcclink.errors import MccLinkError
from mcclink.ports import Store
from mcclink.webhooks import DeliveryReport, deliver_pending, plain_http_warning

log = logging.getLogger(__name__)

#: A pass this often even when nothing happens here: retries fall due, the monitor writes.
INTERVAL = timedelta(seconds=60)


class WebhookWorker:
    """Runs ``deliver_pending`` for one MCC in a background thread; ``kick()`` asks for a pass."""

    def __init__(
        self,
        store: Store,
        settings: WebhookSettings,
        mcc: CustomerId,
        *,
        interval: timedelta = INTERVAL,
        actor: str = "web",
    ) -> None:
        self._store, self._settings, self._mcc = store, settings, mcc
        self._interval, self._actor = interval.total_seconds(), actor
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="mcclink-webhooks", daemon=True)
        #: The last pass's report (None before the first pass).
        self.last_report: DeliveryReport | None = None
        #: Passes completed; tests wait on it.
        self.passes = 0

    def start(self) -> None:
        """Start the thread (a first pass runs at once); log a receiver on plain HTTP."""
        warning = plain_http_warning(self._settings)
        if warning:
            log.warning(warning)
        self._wake.set()
        self._thread.start()

    def kick(self) -> None:
        """Ask for a pass soon (after a status change here); never blocks."""
        self._wake.set()

    def stop(self) -> None:
        """Stop after the current pass (each attempt is bounded by the webhook timeout)."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.last_report = deliver_pending(
                    self._store, self._settings, mcc=self._mcc, actor=self._actor
                )
            except MccLinkError as exc:  # the store failed: the next pass tries again
                log.warning("webhook delivery pass failed: %s", exc)
            except Exception:  # a bug must not end deliveries until the server restarts
                log.exception("webhook delivery pass failed unexpectedly")
            self.passes += 1
