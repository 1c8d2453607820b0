"""The retry policy: transient failures retried within the budget, counted, then given up."""

from __future__ import annotations

import pytest

from mcclink.ads.retry import AdsStats, RetryPolicy, call_with_retries
from mcclink.errors import LinkRefused, TransientError

FAST = RetryPolicy(max_attempts=4, initial_backoff=0.1, max_backoff=0.4, jitter=0.0, deadline=60)


class Flaky:
    """Fails with ``error`` the first ``failures`` times, then answers "ok"."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


def test_transient_failures_are_retried_and_counted() -> None:
    stats, sleeps = AdsStats(), list[float]()
    flaky = Flaky(2, TransientError("busy", code="StatusCode.UNAVAILABLE"))

    assert call_with_retries(flaky, FAST, stats, sleep=sleeps.append) == "ok"

    assert (stats.calls, stats.retries) == (3, 2)
    assert sleeps == [0.1, 0.2]  # exponential, no jitter here
    assert stats.waited == pytest.approx(0.3)


def test_permanent_failure_is_raised_at_once() -> None:
    stats = AdsStats()
    flaky = Flaky(5, LinkRefused("no", code="ManagerLinkError.TOO_MANY_MANAGERS"))

    with pytest.raises(LinkRefused):
        call_with_retries(flaky, FAST, stats, sleep=lambda _: None)

    assert (stats.calls, stats.retries) == (1, 0)


def test_after_max_attempts_the_last_transient_error_is_raised_with_the_count() -> None:
    stats = AdsStats()
    flaky = Flaky(9, TransientError("busy", code="StatusCode.UNAVAILABLE", request_id="r-7"))

    with pytest.raises(TransientError, match=r"gave up after 4 attempt\(s\)") as caught:
        call_with_retries(flaky, FAST, stats, sleep=lambda _: None)

    assert caught.value.code == "StatusCode.UNAVAILABLE"
    assert caught.value.request_id == "r-7"
    assert (stats.calls, stats.retries) == (4, 3)


def test_no_retry_starts_past_the_deadline() -> None:
    policy = RetryPolicy(max_attempts=10, initial_backoff=5, jitter=0.0, deadline=8)
    stats = AdsStats()

    with pytest.raises(TransientError, match="gave up after 2 attempt"):
        call_with_retries(Flaky(9, TransientError("busy")), policy, stats, sleep=lambda _: None)

    assert stats.retries == 1  # 5 s fits in 8 s; the next 10 s wait would not


def test_a_policy_needs_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(max_attempts=0)
