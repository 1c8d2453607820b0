"""Adapter tests run over gRPC/TLS against the session emulator, reset to ADS_SCENARIO."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mcclink.ads import GoogleAdsClientService, RetryPolicy
from mcclink.config import GoogleAdsSettings, Settings
from mcclink.domain import CustomerId
from mcclink.emulator import Emulator, Scenario

MCC = CustomerId.parse("123-456-7890")
TEST_MCC = CustomerId.parse("500-000-0001")
SUSPENDED_MCC = CustomerId.parse("500-000-0002")
SATURATED_MCC = CustomerId.parse("500-000-0003")  # may create no more accounts
PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")
FULL = CustomerId.parse("333-444-5555")  # already under 5 managers
CROWDED = CustomerId.parse("444-555-6666")  # 20 invitations already waiting
CLOSED = CustomerId.parse("555-666-7777")  # not enabled
PRIVATE = CustomerId.parse("666-777-8888")  # the OAuth user cannot act as it
LINKED = CustomerId.parse("777-888-9999")  # ACTIVE under MCC
INVITED = CustomerId.parse("888-999-0000")  # PENDING from MCC
SANDBOX = CustomerId.parse("999-000-1111")  # a test account
UNKNOWN = CustomerId.parse("987-654-3210")  # no such account

ADS_SCENARIO = Scenario.from_json(
    json.dumps(
        {
            "managers": [
                {"id": MCC.digits, "name": "Agência"},
                {"id": TEST_MCC.digits, "name": "Test manager", "test_account": True},
                {"id": SUSPENDED_MCC.digits, "name": "Suspended", "can_manage_clients": False},
                {"id": SATURATED_MCC.digits, "name": "Saturated", "account_limit": 0},
            ],
            "clients": [
                {"id": PADARIA.digits, "name": "Padaria"},
                {"id": ACAI.digits, "name": "Açaí"},
                {"id": FULL.digits, "name": "Full", "existing_managers": 5},
                {"id": CROWDED.digits, "name": "Crowded", "pending_invitations": 20},
                {"id": CLOSED.digits, "name": "Closed", "status": "CANCELED"},
                {"id": PRIVATE.digits, "name": "Private", "accessible": False},
                {"id": LINKED.digits, "name": "Linked", "linked_to": [MCC.digits]},
                {"id": INVITED.digits, "name": "Invited", "invited_by": [MCC.digits]},
                {"id": SANDBOX.digits, "name": "Sandbox", "test_account": True},
            ],
        }
    ),
    source="tests/ads",
)

#: Quick retries, so that fault tests stay fast; the quota test relies on retry_delay.
FAST_RETRY = RetryPolicy(
    max_attempts=5, initial_backoff=0.01, max_backoff=0.05, jitter=0.01, deadline=10.0
)


@pytest.fixture
def emu(fresh_emulator: Emulator) -> Emulator:
    """The session emulator, reset to ``ADS_SCENARIO`` (and back to the demo afterwards)."""
    fresh_emulator.reset(ADS_SCENARIO)
    return fresh_emulator


@pytest.fixture
def settings(emu: Emulator) -> GoogleAdsSettings:
    """Google Ads settings read from exactly the environment the emulator gives."""
    return Settings.from_env(emu.env()).google_ads()


MakeAds = Callable[..., GoogleAdsClientService]


@pytest.fixture
def make_ads(settings: GoogleAdsSettings) -> Iterator[MakeAds]:
    """``make_ads(policy=FAST_RETRY, **setting_changes)``: adapters closed after the test."""
    made: list[GoogleAdsClientService] = []

    def make(policy: RetryPolicy = FAST_RETRY, **changes: Any) -> GoogleAdsClientService:
        made.append(GoogleAdsClientService(dataclasses.replace(settings, **changes), policy))
        return made[-1]

    yield make
    for service in made:
        service.close()


@pytest.fixture
def ads(make_ads: MakeAds) -> GoogleAdsClientService:
    """The adapter under test, on the emulator's settings, with fast retries."""
    return make_ads()
