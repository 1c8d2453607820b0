"""Knobs: latency, the rate limit with its retry delay, and seeded faults."""

from __future__ import annotations

import time
from typing import Any

import pytest
from google.api_core.exceptions import ResourceExhausted, ServiceUnavailable

from mcclink.ads.version import FAILURE_METADATA_KEY
from mcclink.emulator import Emulator, protos
from mcclink.errors import InputError
from tests.emulator.calls import MCC, PADARIA, invite, stream
from tests.fixtures.emulator import AdsClientFactory

CUSTOMER_QUERY = "SELECT customer.id FROM customer"


def quota_failure(exc: ResourceExhausted) -> Any:
    """The GoogleAdsFailure Google puts in the trailing metadata of RESOURCE_EXHAUSTED."""
    assert exc.response is not None
    raw = dict(exc.response.trailing_metadata())[FAILURE_METADATA_KEY]
    return protos.load("errors.types.errors").GoogleAdsFailure.deserialize(raw)


def test_latency_knob_delays_every_call(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    stream(ads, MCC, CUSTOMER_QUERY)  # the token refresh and TLS handshake happen here
    fresh_emulator.set_knobs(latency_ms=150)

    started = time.perf_counter()
    stream(ads, MCC, CUSTOMER_QUERY)
    elapsed = time.perf_counter() - started

    assert 0.15 <= elapsed < 1.0


def test_calls_over_the_qps_limit_are_resource_exhausted_with_a_retry_delay(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    fresh_emulator.set_knobs(qps_limit=2)
    stream(ads, MCC, CUSTOMER_QUERY)
    stream(ads, MCC, CUSTOMER_QUERY)

    with pytest.raises(ResourceExhausted) as caught:
        stream(ads, MCC, CUSTOMER_QUERY)

    error = quota_failure(caught.value).errors[0]
    assert error.error_code.quota_error.name == "RESOURCE_TEMPORARILY_EXHAUSTED"
    delay = error.details.quota_error_details.retry_delay.total_seconds()
    assert 0 < delay <= 1.0
    assert fresh_emulator.state.resource_exhausted == 1
    time.sleep(delay)
    assert stream(ads, MCC, CUSTOMER_QUERY)


def test_faults_follow_the_seed(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)

    first = _fault_pattern(fresh_emulator, ads, seed=7)
    second = _fault_pattern(fresh_emulator, ads, seed=7)

    assert first == second
    assert 0 < sum(first) < len(first)
    assert fresh_emulator.state.faults_injected == 2 * sum(first)


def test_a_faulty_call_changes_nothing(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.set_knobs(fault_rate=1.0)

    with pytest.raises(ServiceUnavailable):
        invite(ads_client_factory(MCC), MCC, PADARIA)

    assert fresh_emulator.state.link_status(MCC, PADARIA) is None
    assert fresh_emulator.state.invitations_sent(PADARIA, MCC) == 0
    assert fresh_emulator.state.calls["MutateCustomerClientLink"] == 1


@pytest.mark.parametrize(
    "knobs",
    [{"fault_rate": 1.5}, {"qps_limit": 0}, {"latency_ms": -1}, {"loud": True}],
)
def test_bad_knobs_are_input_errors(fresh_emulator: Emulator, knobs: dict[str, object]) -> None:
    with pytest.raises(InputError, match="knobs"):
        fresh_emulator.set_knobs(**knobs)


def _fault_pattern(emulator: Emulator, ads: Any, seed: int) -> list[bool]:
    emulator.set_knobs(fault_rate=0.5, seed=seed)
    pattern = []
    for _ in range(16):
        try:
            stream(ads, MCC, CUSTOMER_QUERY)
            pattern.append(False)
        except ServiceUnavailable:
            pattern.append(True)
    return pattern
