"""Retries of transient Google Ads failures, with tenacity.

An attempt raises mcclink errors only (the adapter translates first); ``TransientError`` is
retried with exponential backoff and jitter, never waiting less than a ``retry_delay`` Google
gave, within a bound on attempts and on total time. When the budget is spent the last
``TransientError`` is raised again, saying how many attempts were made.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential,
    wait_random,
)

from mcclink.ads.errors import server_retry_delay
from mcclink.errors import TransientError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry a transient failure."""

    max_attempts: int = 5
    #: Backoff before the first retry, doubled each time (plus up to ``jitter`` seconds).
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.5
    #: No retry starts if its wait would end after this many seconds from the first attempt.
    deadline: float = 30.0
    #: The gRPC deadline of one attempt.
    attempt_timeout: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")


@dataclass
class AdsStats:
    """Counters of one adapter's traffic, for benchmarks and the CLI summary; thread-safe."""

    calls: int = 0
    retries: int = 0
    #: Total seconds slept between attempts.
    waited: float = 0.0
    #: Attempts Google answered RESOURCE_EXHAUSTED (over a rate limit or quota).
    throttled: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(
        self, *, calls: int = 0, retries: int = 0, waited: float = 0.0, throttled: int = 0
    ) -> None:
        """Add to the counters (from any thread)."""
        with self._lock:
            self.calls += calls
            self.retries += retries
            self.waited += waited
            self.throttled += throttled


class _Wait:
    """Exponential backoff with jitter, but at least the delay the server asked for."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._backoff = wait_exponential(
            multiplier=policy.initial_backoff, max=policy.max_backoff
        ) + wait_random(0, policy.jitter)

    def __call__(self, state: RetryCallState) -> float:
        backoff = self._backoff(state)
        error = state.outcome.exception() if state.outcome else None
        asked = server_retry_delay(error) if error is not None else None
        return max(backoff, asked or 0.0)


def call_with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    stats: AdsStats,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``attempt`` until it succeeds, fails for good, or the retry budget is spent.

    Args:
        attempt: one call; raises mcclink errors only.
        policy: the retry budget.
        stats: counters to update (``calls`` per attempt, ``retries`` per retry).
        sleep: how to wait (tests may pass a fake).

    Returns:
        What ``attempt`` returned.

    Raises:
        TransientError: still transient after the budget; code and request id of the last.
        GoogleAdsError: any permanent failure, at once.
    """

    def counted() -> T:
        stats.add(calls=1)
        return attempt()

    def before_sleep(state: RetryCallState) -> None:
        stats.add(retries=1, waited=state.upcoming_sleep)

    retrying = Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.deadline),
        wait=_Wait(policy),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
    try:
        return retrying(counted)
    except TransientError as exc:
        attempts = retrying.statistics.get("attempt_number", 1)
        asked = server_retry_delay(exc)
        wait_note = f"; Google asked to wait {asked:.2f} s" if asked else ""
        raise TransientError(
            f"{exc.message} (gave up after {attempts} attempt(s){wait_note})",
            code=exc.code,
            request_id=exc.request_id,
        ) from exc
