"""``POST /api/v1/accounts`` (#14 item 6): a currency or time zone that does not exist is a 422
before Google is called, with the CLI's message; Google's refusal is recorded."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import Operation, Outcome
from mcclink.emulator import Emulator


@pytest.mark.parametrize(
    ("currency", "zone", "phrase"),
    [
        ("XYZ", "America/Sao_Paulo", "invalid currency code 'XYZ'"),
        ("BRL", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_a_value_that_does_not_exist_is_a_422_and_google_is_not_called(
    api: TestClient, fresh_emulator: Emulator, currency: str, zone: str, phrase: str
) -> None:
    body = {"name": "Loja Nova", "currency_code": currency, "time_zone": zone}

    response = api.post("/api/v1/accounts", json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "InputError"
    assert phrase in response.json()["detail"]
    assert fresh_emulator.state.calls["CreateCustomerClient"] == 0


def test_googles_refusal_is_recorded_under_the_mcc(
    api: TestClient, web_container: Container
) -> None:
    body = {"name": "Loja Nova", "currency_code": "SEK", "time_zone": "Europe/Stockholm"}

    response = api.post("/api/v1/accounts", json=body)

    assert response.status_code == 422  # Google's CurrencyCodeError: still the caller's value
    [entry] = web_container.store.client_history(web_container.mcc, web_container.mcc)
    assert (entry.operation, entry.outcome) == (Operation.CREATE_ACCOUNT, Outcome.FAILED)
    assert entry.error_code == "CurrencyCodeError.UNSUPPORTED"
