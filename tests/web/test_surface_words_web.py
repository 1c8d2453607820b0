"""Errors through the real app name the API's and the dashboard's own ways, not the CLI's
(issue 17's second review, defect 4): an already-registered client, and a link that ended at
Google since the last monitor cycle."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.emulator import Emulator
from mcclink.errors import ClientExists
from mcclink.web.problems import public_detail
from tests.web.test_hide_move_web import MCC, PADARIA, tree

__all__ = ["tree"]  # the fixture, shared with test_hide_move_web


def test_api_an_already_registered_client_is_a_409_naming_the_apis_way_to_see_it(
    api: TestClient, tree: Container
) -> None:
    body = {"customer_id": PADARIA.dashed, "name": "Padaria", "invite": False}

    response = api.post("/api/v1/clients", json=body)

    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert f"client {PADARIA.digits} is already registered under MCC {MCC.digits}" in detail
    assert f"GET /api/v1/clients/{PADARIA.digits}?mcc={MCC.digits}" in detail
    assert "mcclink" not in detail


def test_an_already_registered_client_names_each_surfaces_way() -> None:
    exc = ClientExists(MCC.digits, PADARIA.digits)

    assert f"`mcclink --mcc {MCC.digits} clients show {PADARIA.digits}`" in str(exc)
    assert f"its page (/clients/{PADARIA.digits}?mcc={MCC.digits})" in public_detail(exc, "page")
    assert "mcclink" not in public_detail(exc, "page")


def test_api_hiding_a_link_ended_at_google_names_the_client_and_each_way_to_run_a_cycle(
    api: TestClient, tree: Container, fresh_emulator: Emulator
) -> None:
    fresh_emulator.state.respond(PADARIA.digits, MCC.digits, "unlink")  # the store still APPROVED

    response = api.post(f"/api/v1/clients/{PADARIA.digits}/hide")

    assert response.status_code == 409, response.text
    detail = html.unescape(response.json()["detail"])
    assert "only an active link can be hidden" in detail
    assert "POST /api/v1/monitor/run" in detail
    assert f"`mcclink links status {PADARIA}` only reads it" in detail
    assert "CUSTOMER_ID" not in detail
    [failed, *_] = tree.store.client_history(MCC, PADARIA)
    assert f"`mcclink links status {PADARIA}`" in (failed.error_message or "")  # as kept
