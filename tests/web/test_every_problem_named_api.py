"""#14 review: ``POST /api/v1/accounts`` names every bad value in one 422, not the first."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mcclink.emulator import Emulator


def test_a_bad_currency_and_time_zone_are_both_named(
    api: TestClient, fresh_emulator: Emulator
) -> None:
    body = {"name": "Loja Nova", "currency_code": "XYZ", "time_zone": "Mars/Base"}

    response = api.post("/api/v1/accounts", json=body)

    assert response.status_code == 422
    assert "invalid currency code 'XYZ'" in response.json()["detail"]
    assert "unknown time zone 'Mars/Base'" in response.json()["detail"]
    assert fresh_emulator.state.calls["CreateCustomerClient"] == 0
