"""An unknown ``mcc=`` is refused in the words of where it was given: the REST API names
``mcc=`` and ``GET /api/v1/managers`` (never the CLI's ``--mcc`` or ``MCC_STORE``), the
dashboard its Manager list."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container

UNKNOWN = "555-444-3333"


@pytest.mark.parametrize(
    "path", ["/api/v1/clients", "/api/v1/stats", "/api/v1/history", "/api/v1/reports/2026-11"]
)
def test_the_api_names_mcc_and_the_managers_route(
    api: TestClient, web_container: Container, path: str
) -> None:
    answer = api.get(path, params={"mcc": UNKNOWN})

    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail == (
        f"manager {UNKNOWN} is not one this server acts for; its managers are: "
        f"{web_container.mcc}. Give one of them as mcc= (GET /api/v1/managers lists them), "
        f"or add {UNKNOWN} to MCC_CUSTOMER_IDS"
    )
    assert "--" not in detail
    assert "MCC_STORE" not in detail


def test_a_page_keeps_the_dashboards_words(signed_in: TestClient) -> None:
    answer = signed_in.get("/reports", params={"mcc": UNKNOWN})

    assert answer.status_code == 422
    assert "Choose one of them, or add" in answer.text
    assert "/api/v1/managers" not in answer.text
