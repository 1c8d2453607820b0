"""The rate limiter on a fake clock: pacing, one schedule for all threads, shared back-off."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mcclink.ads.ratelimit import RateLimiter
from mcclink.bootstrap import Container
from mcclink.config import Settings
from mcclink.errors import ConfigurationError

OAUTH = {
    "GOOGLE_ADS_CLIENT_ID": "client-id.apps.googleusercontent.com",
    "GOOGLE_ADS_CLIENT_SECRET": "client-secret",
    "GOOGLE_ADS_REFRESH_TOKEN": "refresh-token",
}


class FakeTime:
    """A clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def paced(max_qps: float | None, headroom: float = 0.0) -> tuple[RateLimiter, FakeTime]:
    time = FakeTime()
    limiter = RateLimiter(max_qps, headroom=headroom, clock=time.clock, sleep=time.sleep)
    return limiter, time


def starts(limiter: RateLimiter, time: FakeTime, count: int) -> list[float]:
    result = []
    for _ in range(count):
        limiter.acquire()
        result.append(time.now)
    return result


def test_calls_start_one_interval_apart() -> None:
    limiter, time = paced(10)

    assert starts(limiter, time, 4) == pytest.approx([0.0, 0.1, 0.2, 0.3])


def test_no_rolling_second_holds_more_calls_than_the_limit() -> None:
    limiter, time = paced(20, headroom=0.05)

    times = starts(limiter, time, 100)

    assert all(later - first > 1.0 for first, later in zip(times, times[20:], strict=False))
    assert times[-1] == pytest.approx(99 / 19)  # 95 % of 20 per second


def test_without_a_rate_calls_are_not_paced() -> None:
    limiter, time = paced(None)

    assert starts(limiter, time, 50) == [0.0] * 50


def test_threads_share_one_schedule() -> None:
    waits: list[float] = []
    limiter = RateLimiter(10, headroom=0.0, clock=lambda: 0.0, sleep=waits.append)

    def caller() -> None:
        for _ in range(5):
            limiter.acquire()

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 40 slots, none given twice: the first starts at once, the others wait 0.1 s more each.
    assert sorted(waits) == pytest.approx([k / 10 for k in range(1, 40)])


def test_a_back_off_holds_the_next_caller_for_the_delay() -> None:
    limiter, time = paced(None)

    limiter.back_off(2.5)

    assert starts(limiter, time, 2) == [2.5, 2.5]


def test_a_shorter_back_off_never_cuts_a_longer_one() -> None:
    limiter, time = paced(None)

    limiter.back_off(3.0)
    limiter.back_off(1.0)

    assert starts(limiter, time, 1) == [3.0]


def test_pacing_resumes_after_a_back_off() -> None:
    limiter, time = paced(10)
    limiter.acquire()

    limiter.back_off(1.0)

    assert starts(limiter, time, 2) == pytest.approx([1.0, 1.1])


def test_a_caller_whose_slot_falls_inside_a_later_back_off_waits_for_it() -> None:
    time = FakeTime()
    limiter: RateLimiter

    def sleep_while_another_caller_is_refused(seconds: float) -> None:
        if time.now == 0.0:
            limiter.back_off(0.5)  # another thread got RESOURCE_EXHAUSTED meanwhile
        time.sleep(seconds)

    limiter = RateLimiter(
        10, headroom=0.0, clock=time.clock, sleep=sleep_while_another_caller_is_refused
    )
    limiter.acquire()

    limiter.acquire()  # its slot was 0.1 s, taken before the back-off

    assert time.now == pytest.approx(0.5)


@pytest.mark.parametrize(("max_qps", "headroom"), [(0, 0.05), (-1, 0.05), (10, 1.0), (10, -0.1)])
def test_a_limiter_needs_a_positive_rate_and_a_headroom_below_one(
    max_qps: float, headroom: float
) -> None:
    with pytest.raises(ValueError, match=r"max_qps|headroom"):
        RateLimiter(max_qps, headroom=headroom)


def test_max_qps_is_read_from_the_environment(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), **OAUTH, "GOOGLE_ADS_MAX_QPS": " 12.5 "}

    assert Settings.from_env(environ).google_ads().max_qps == 12.5
    assert Settings.from_env({"HOME": str(tmp_path), **OAUTH}).google_ads().max_qps is None


@pytest.mark.parametrize("raw", ["fast", "0", "-3", "nan", "inf"])
def test_a_bad_max_qps_is_reported_with_its_fix(tmp_path: Path, raw: str) -> None:
    settings = Settings.from_env({"HOME": str(tmp_path), **OAUTH, "GOOGLE_ADS_MAX_QPS": raw})

    with pytest.raises(ConfigurationError) as caught:
        settings.google_ads()

    assert caught.value.problems == [
        f"GOOGLE_ADS_MAX_QPS {raw!r} must be a positive number of calls per second, e.g. 10 "
        "(or unset it to send calls unpaced)"
    ]


def test_the_command_line_rate_overrides_the_environment(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), **OAUTH, "GOOGLE_ADS_MAX_QPS": "50"}

    assert Container(environ=environ, max_qps=4).google_ads_settings.max_qps == 4
    assert Container(environ=environ).google_ads_settings.max_qps == 50
