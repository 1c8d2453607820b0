"""``DELETE /api/v1/clients/{id}`` with a live link (#14 item 4): refused unless
``cancel_link=true``, which ends the link at Google Ads first."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, Operation
from mcclink.emulator import Emulator

PADARIA = CustomerId.parse("111-222-3333")
URL = f"/api/v1/clients/{PADARIA.dashed}"


def _invite(api: TestClient) -> None:
    body = {"customer_id": PADARIA.dashed, "name": "Padaria Sol", "invite": True}
    assert api.post("/api/v1/clients", json=body).status_code == 201


def test_a_pending_client_is_refused_409_naming_cancel_link_and_stays(
    api: TestClient, fresh_emulator: Emulator
) -> None:
    _invite(api)

    response = api.delete(URL)

    assert response.status_code == 409
    assert response.json()["code"] == "InvalidTransition"
    assert "111-222-3333 is PENDING" in response.json()["detail"]
    assert "cancel_link=true" in response.json()["detail"]
    assert api.get(URL).json()["status"] == "PENDING"
    assert fresh_emulator.state.link_status("123-456-7890", PADARIA.dashed) == "PENDING"


def test_cancel_link_cancels_the_invitation_then_archives(
    api: TestClient, fresh_emulator: Emulator, web_container: Container
) -> None:
    _invite(api)

    assert api.delete(URL, params={"cancel_link": "true"}).status_code == 204

    assert api.get(URL).status_code == 404
    assert fresh_emulator.state.link_status("123-456-7890", PADARIA.dashed) == "CANCELED"
    history = web_container.store.client_history(web_container.mcc, PADARIA)
    assert [e.operation for e in history][:2] == [Operation.ARCHIVE, Operation.CANCEL]


def test_a_malformed_cancel_link_is_a_422(api: TestClient) -> None:
    _invite(api)
    response = api.delete(URL, params={"cancel_link": "perhaps"})
    assert response.status_code == 422
    assert "cancel_link" in response.json()["detail"]
    assert api.get(URL).json()["status"] == "PENDING"
