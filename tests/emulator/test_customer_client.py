"""``customer_client`` read with the official library's documented idiom (GoogleAdsService
``search_stream``, as Google's account-hierarchy example does), against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from mcclink.emulator import Emulator
from tests.fixtures.emulator import AdsClientFactory
from tests.hierarchy_tree import (
    ACAI,
    CLOSED_SUB,
    DEEP,
    LOST,
    PADARIA,
    ROOT,
    SANDBOX,
    SUB_A,
    SUB_A1,
    SUB_B,
    load_tree,
)

QUERY = """
    SELECT customer_client.client_customer, customer_client.level, customer_client.manager,
           customer_client.descriptive_name, customer_client.hidden, customer_client.status,
           customer_client.test_account, customer_client.id
    FROM customer_client"""


@pytest.fixture
def tree(fresh_emulator: Emulator) -> Emulator:
    load_tree(fresh_emulator)
    return fresh_emulator


def rows(factory: AdsClientFactory, login: str, customer: str, query: str) -> list[Any]:
    service = factory(login).get_service("GoogleAdsService")
    stream = service.search_stream(customer_id=customer, query=query)
    return [row.customer_client for batch in stream for row in batch.results]


def test_the_root_lists_every_account_below_it_with_its_level(
    tree: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    found = rows(ads_client_factory, ROOT.digits, ROOT.digits, QUERY)

    levels = {int(c.id): int(c.level) for c in found}
    assert levels == {
        int(a.digits): level
        for a, level in [
            (ROOT, 0),
            (SUB_A, 1),
            (SUB_B, 1),
            (CLOSED_SUB, 1),
            (PADARIA, 1),
            (SANDBOX, 1),
            (SUB_A1, 2),
            (ACAI, 2),
            (LOST, 2),
            (DEEP, 3),
        ]
    }
    flags = {int(c.id): (c.manager, c.hidden, c.test_account, c.status.name) for c in found}
    assert flags[int(PADARIA.digits)] == (False, True, False, "ENABLED")
    assert flags[int(SANDBOX.digits)] == (False, False, True, "ENABLED")
    assert flags[int(CLOSED_SUB.digits)] == (True, False, False, "CANCELED")


def test_a_sub_manager_read_with_the_root_as_login_lists_its_own_level(
    tree: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    found = rows(
        ads_client_factory, ROOT.digits, SUB_A.digits, QUERY + " WHERE customer_client.level <= 1"
    )

    assert sorted((c.client_customer, int(c.level), c.manager) for c in found) == [
        (f"customers/{SUB_A.digits}", 0, True),
        (f"customers/{SUB_A1.digits}", 1, True),
    ]


def test_a_sub_manager_not_enabled_answers_customer_not_enabled(
    tree: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    from google.ads.googleads.errors import GoogleAdsException

    with pytest.raises(GoogleAdsException) as caught:
        rows(ads_client_factory, ROOT.digits, CLOSED_SUB.digits, QUERY)

    error = caught.value.failure.errors[0]
    assert error.error_code.authorization_error.name == "CUSTOMER_NOT_ENABLED"
