"""The client field limits (#14 items 8 and 9) through the real app: 422, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.emulator import Emulator
from tests.web.test_api import PADARIA, _snapshot, _upload


@pytest.mark.parametrize(
    ("fields", "phrase"),
    [
        # 100 KB: a body over 256 KiB is refused sooner, 413 (tests/web/test_limits.py).
        ({"attributes": {"notes": "x" * 100_000}}, "the attribute 'notes' has 100,000 characters"),
        ({"attributes": {"": "x"}}, "an attribute has no name"),
        ({"attributes": {"k" * 65: "x"}}, "at most 64"),
        ({"name": "Padaria\u0000Sol"}, "U+0000"),
        ({"email": "sol.example.com"}, "invalid e-mail"),
    ],
)
def test_a_client_over_the_limits_is_a_422_before_google_and_nothing_is_written(
    api: TestClient,
    web_container: Container,
    fresh_emulator: Emulator,
    fields: dict[str, Any],
    phrase: str,
) -> None:
    before = (_snapshot(web_container), dict(fresh_emulator.state.calls))
    body = {"customer_id": PADARIA.dashed, "name": "Padaria Sol", "invite": True, **fields}

    response = api.post("/api/v1/clients", json=body)

    assert response.status_code == 422, response.text
    assert phrase in response.json()["detail"]
    assert "xxxxxxxxxx" not in response.text
    assert (_snapshot(web_container), dict(fresh_emulator.state.calls)) == before


def test_fifty_one_attributes_are_refused_by_the_request_model(api: TestClient) -> None:
    attributes = {f"k{n}": "v" for n in range(51)}
    body = {"customer_id": PADARIA.dashed, "name": "Padaria", "attributes": attributes}

    response = api.post("/api/v1/clients", json=body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "attributes"


def test_an_account_with_a_control_character_never_reaches_google(
    api: TestClient, web_container: Container, fresh_emulator: Emulator
) -> None:
    before = (_snapshot(web_container), dict(fresh_emulator.state.calls))
    body = {"name": "Loja\nNova", "currency_code": "BRL", "time_zone": "America/Sao_Paulo"}

    response = api.post("/api/v1/accounts", json=body)

    assert response.status_code == 422
    assert "U+000A" in response.json()["detail"]
    assert (_snapshot(web_container), dict(fresh_emulator.state.calls)) == before


def test_validate_only_reports_a_row_over_the_limits(
    api: TestClient, web_container: Container
) -> None:
    text = f"customer_id,name,notes\n{PADARIA.dashed},Padaria,ok\n222-333-4444,Sol,{'x' * 3000}\n"

    body = _upload(api, text, validate_only="true").json()

    assert body["invalid"] == [
        "line 3: 222-333-4444: the attribute 'notes' has 3,000 characters: at most 2,048"
    ]
    refused = _upload(api, text)
    assert refused.status_code == 422
    assert web_container.store.get_client(web_container.mcc, PADARIA) is None


def test_an_upload_naming_a_field_twice_is_a_422(api: TestClient) -> None:
    text = f"customer_id,name,googleAdsCustomerId\n{PADARIA.dashed},Padaria,222-333-4444\n"

    response = _upload(api, text, validate_only="true")

    assert response.status_code == 422
    assert "columns 1 ('customer_id') and 3 ('googleAdsCustomerId')" in response.json()["detail"]
