"""Pacing over gRPC: concurrent calls against the emulator's ``qps_limit``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from mcclink.ads import GoogleAdsClientService
from mcclink.emulator import Emulator
from tests.ads.conftest import FAST_RETRY, MCC, MakeAds

LIMIT = 20
CALLS = 60
THREADS = 8


def hammer(ads: GoogleAdsClientService) -> None:
    """``CALLS`` link listings from ``THREADS`` threads at once; each must succeed."""
    with ThreadPoolExecutor(THREADS) as pool:
        for listing in pool.map(lambda _: ads.list_links(MCC), range(CALLS)):
            assert listing.request_id


def warmed(make_ads: MakeAds, emu: Emulator, max_qps: float | None) -> GoogleAdsClientService:
    """An adapter whose channel and token are ready, on an emulator admitting ``LIMIT``/s.

    Its retries may take 20 attempts: unpaced, the same threads meet a full window again
    after each wait, and on a loaded machine one of them was refused 5 times in a row
    (what is tested is that every refusal is seen and retried, not the attempt budget).
    """
    ads = make_ads(replace(FAST_RETRY, max_attempts=20, deadline=60.0), max_qps=max_qps)
    ads.list_links(MCC)
    emu.set_knobs(qps_limit=LIMIT)
    return ads


def test_paced_just_under_the_servers_limit_concurrent_calls_are_never_refused(
    make_ads: MakeAds, emu: Emulator
) -> None:
    # 10% headroom: calls leave the pacer evenly spaced, but the server counts them as they
    # arrive, and on a loaded machine a few can bunch up inside its one-second window.
    ads = warmed(make_ads, emu, max_qps=LIMIT * 0.9)

    hammer(ads)

    assert emu.state.resource_exhausted == 0
    assert (ads.stats.throttled, ads.stats.retries) == (0, 0)
    assert emu.state.calls["SearchStream"] == CALLS + 1


def test_unpaced_concurrent_calls_are_refused_and_all_back_off_until_done(
    make_ads: MakeAds, emu: Emulator
) -> None:
    ads = warmed(make_ads, emu, max_qps=None)

    hammer(ads)

    # Without pacing the server refuses the excess; each refusal is seen and retried once
    # everyone has waited the delay Google gave.
    assert emu.state.resource_exhausted > 0
    assert ads.stats.throttled == emu.state.resource_exhausted
    assert ads.stats.retries == emu.state.resource_exhausted
    assert emu.state.calls["SearchStream"] == CALLS + 1 + emu.state.resource_exhausted
