"""Registering through the REST API and the dashboard under a configured manager that has no
client yet: the server asks Google whether it is a manager first. A client account listed in
``MCC_CUSTOMER_IDS`` by mistake is refused (422) in each surface's words, nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from tests.web.conftest import csrf_token

#: A client account of the demo scenario, configured as a manager by mistake.
PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")
CSV = f"customer_id,name\n{ACAI},Açaí & Cia\n"


@pytest.fixture
def web_env(web_env: dict[str, str]) -> dict[str, str]:
    return {**web_env, "MCC_CUSTOMER_IDS": PADARIA.digits}


def nothing_under_padaria(container: Container) -> None:
    assert list(container.store.list_clients(PADARIA)) == []
    assert list(container.store.client_history(PADARIA, ACAI)) == []


@pytest.mark.parametrize("invite", [False, True])
def test_the_api_refuses_a_client_account_as_mcc_with_a_422(
    api: TestClient, web_container: Container, invite: bool
) -> None:
    answer = api.post(
        "/api/v1/clients",
        params={"mcc": PADARIA.digits},
        json={"customer_id": ACAI.dashed, "name": "Açaí & Cia", "invite": invite},
    )

    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert "cannot register clients under 111-222-3333: it is a client account" in detail
    assert "give mcc= a manager of your tree (GET /api/v1/hierarchy lists them)" in detail
    assert "--mcc" not in detail
    nothing_under_padaria(web_container)


def test_an_api_import_under_a_client_account_writes_no_row(
    api: TestClient, web_container: Container
) -> None:
    answer = api.post(
        "/api/v1/imports",
        params={"mcc": PADARIA.digits},
        files={"file": ("clients.csv", CSV.encode())},
    )

    assert answer.status_code == 422, answer.text
    assert "it is a client account, not a manager" in answer.json()["detail"]
    nothing_under_padaria(web_container)


def test_the_dashboards_import_says_to_choose_another_manager(
    signed_in: TestClient, web_container: Container
) -> None:
    shown = signed_in.get("/import", params={"mcc": PADARIA.digits})

    done = signed_in.post(
        "/import/confirm",
        data={"csrf_token": csrf_token(shown.text), "filename": "clients.csv", "content": CSV},
        follow_redirects=False,
    )

    assert done.status_code == 422, done.text
    assert "it is a client account, not a manager" in done.text
    assert "choose a manager of your tree in the Manager list" in done.text
    nothing_under_padaria(web_container)


def test_the_servers_own_mcc_takes_clients_without_asking_google(
    api: TestClient, web_container: Container
) -> None:
    answer = api.post(
        "/api/v1/clients", json={"customer_id": ACAI.dashed, "name": "Açaí", "invite": False}
    )

    assert answer.status_code == 201, answer.text
    assert web_container.ads.stats.calls == 0
