"""Who acted, as the API's history tells it: ``GET /api/v1/history?actor=`` keeps the entries
whose actor holds the text, whatever the case (issue #16, item 5)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.service import Registration

PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")
LOJA = CustomerId.parse("333-444-5555")


def test_the_history_filtered_by_actor_holds_only_that_actors_entries(
    api: TestClient, web_container: Container
) -> None:
    mcc = web_container.mcc
    web_container.service_as("user:ana@agencia.com.br").register(mcc, Registration(PADARIA, "P"))
    web_container.service_as("token:ci (bia@agencia.com.br)").register(mcc, Registration(ACAI, "A"))
    web_container.service_as("cli:carlos").register(mcc, Registration(LOJA, "L"))

    def actors(query: str) -> list[str]:
        response = api.get("/api/v1/history", params={"actor": query})
        assert response.status_code == 200, response.text
        return [entry["actor"] for entry in response.json()]

    assert actors("ANA@") == ["user:ana@agencia.com.br"]
    assert actors("agencia.com.br") == ["user:ana@agencia.com.br", "token:ci (bia@agencia.com.br)"]
    assert actors("token:ci") == ["token:ci (bia@agencia.com.br)"]
    assert actors("nobody") == []
    assert len(actors("")) == 3


def test_the_newest_entries_are_counted_after_the_filter(
    api: TestClient, web_container: Container
) -> None:
    mcc = web_container.mcc
    web_container.service_as("user:ana@agencia.com.br").register(mcc, Registration(PADARIA, "P"))
    web_container.service_as("cli:carlos").register(mcc, Registration(ACAI, "A"))
    response = api.get("/api/v1/history", params={"actor": "ana", "limit": 1})
    assert [e["customer_id"] for e in response.json()] == [PADARIA.digits]


def test_an_actor_filter_too_long_to_name_an_actor_is_a_422(api: TestClient) -> None:
    response = api.get("/api/v1/history", params={"actor": "a" * 301})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "actor"
