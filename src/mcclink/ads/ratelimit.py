"""Client-side pacing of Google Ads calls, one schedule shared by every thread of an adapter.

Google counts calls per second as its servers receive them. Sending bursts and letting the
server refuse the excess wastes calls and quota, so every attempt the adapter makes first
takes a slot from a ``RateLimiter``:

- **Pacing** (``max_qps``): call starts are spaced at least ``1 / (max_qps * (1 - headroom))``
  apart, first come first served (a leaky bucket that holds no burst). Calls reach the
  server a few milliseconds later than they leave, never all equally late; pacing at exactly
  the limit would let some rolling second at the server hold one call too many. The
  ``headroom`` (5 % by default) absorbs that jitter.
- **Back-off** (always on, even without ``max_qps``): when Google answers
  ``RESOURCE_EXHAUSTED`` with a ``retry_delay``, ``back_off`` pauses every caller until the
  delay has passed, including callers that already held a slot inside the pause, not only
  the thread that got the refusal.

The limiter is per process: two processes with the same credentials pace independently.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Fraction of ``max_qps`` kept unused, to absorb the jitter between our clock and Google's.
DEFAULT_HEADROOM = 0.05


class RateLimiter:
    """Paces calls to at most ``max_qps`` per second and pauses all of them on request.

    Thread-safe: one instance is shared by every thread that calls Google Ads through one
    adapter. ``max_qps=None`` paces nothing but still honours ``back_off``.
    """

    def __init__(
        self,
        max_qps: float | None = None,
        *,
        headroom: float = DEFAULT_HEADROOM,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Build a limiter.

        Args:
            max_qps: the most calls per second Google allows these credentials; None for
                no pacing.
            headroom: the fraction of ``max_qps`` left unused (0 ≤ headroom < 1).
            clock: a monotonic clock in seconds (tests may pass a fake).
            sleep: how to wait (tests may pass a fake that advances the fake clock).

        Raises:
            ValueError: ``max_qps`` is not positive, or ``headroom`` is out of range.
        """
        if max_qps is not None and max_qps <= 0:
            raise ValueError(f"max_qps must be positive, not {max_qps}")
        if not 0 <= headroom < 1:
            raise ValueError(f"headroom must be in [0, 1), not {headroom}")
        self.max_qps = max_qps
        self.interval = 0.0 if max_qps is None else 1.0 / (max_qps * (1 - headroom))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_start = clock()
        self._paused_until = self._next_start
        self.waited = 0.0

    def __repr__(self) -> str:
        return f"RateLimiter(max_qps={self.max_qps}, interval={self.interval:.4f})"

    def acquire(self) -> None:
        """Wait for this caller's slot: paced after the slots taken before, after any pause."""
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self._next_start, self._paused_until)
                self._next_start = start + self.interval
                self.waited += start - now
            if start > now:
                self._sleep(start - now)
            with self._lock:
                # A back-off that arrived while we slept and covers our slot: queue again.
                if self._paused_until <= start:
                    return

    def back_off(self, delay: float) -> None:
        """Hold every caller, present and future, for ``delay`` seconds from now."""
        with self._lock:
            until = self._clock() + max(delay, 0.0)
            self._paused_until = max(self._paused_until, until)
            self._next_start = max(self._next_start, self._paused_until)
