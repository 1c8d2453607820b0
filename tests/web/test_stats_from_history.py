"""The API's stats and the dashboard count invitation answers from history (issue #14, item 2)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.emulator import Emulator

PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")


def test_an_acceptance_later_unlinked_and_a_refusal_are_50_percent_on_the_api_and_dashboard(
    api: TestClient, signed_in: TestClient, web_container: Container, fresh_emulator: Emulator
) -> None:
    mcc = web_container.mcc.dashed
    for cid, name in ((PADARIA, "Padaria São João"), (ACAI, "Açaí & Cia")):
        answer = api.post("/api/v1/clients", json={"customer_id": cid.dashed, "name": name})
        assert answer.status_code == 201, answer.text
    fresh_emulator.state.respond(PADARIA.dashed, mcc, "accept")
    fresh_emulator.state.respond(ACAI.dashed, mcc, "refuse")
    assert api.post("/api/v1/monitor/run").json()["changes"]
    assert api.post(f"/api/v1/clients/{PADARIA.digits}/unlink").json()["status"] == "UNLINKED"

    body = api.get("/api/v1/stats").json()
    dashboard = signed_in.get("/").text

    assert body["by_status"]["UNLINKED"] == body["by_status"]["REJECTED"] == 1
    assert body["acceptance_rate"] == 0.5
    assert body["alerts"] == []
    rate = re.search(r"Acceptance rate</span>\s*<span class=\"value\">([^<]*)<", dashboard)
    assert rate is not None
    assert rate.group(1) == "50%"
    assert "refusal" not in dashboard
