"""Alerts over the web: GET /api/v1/alerts (documented in the OpenAPI) and the dashboard's
Alerts panel, both with the MCC_ALERT_* settings the server runs with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from mcclink import alerts
from mcclink.bootstrap import Container
from mcclink.domain import Client, CustomerId, LinkStatus, utcnow

PADARIA = CustomerId.parse("111-222-3333")
OPS = "ops@agency.example"


@pytest.fixture
def web_env(web_env: dict[str, str]) -> dict[str, str]:
    """The server's environment with alert settings of its own."""
    return {**web_env, "MCC_ALERT_EMAIL": OPS, "MCC_ALERT_PENDING_AGE": "2h"}


def _overdue(container: Container) -> None:
    container.store.create_client(
        Client(
            PADARIA,
            container.mcc,
            "Padaria <Sol>",
            status=LinkStatus.PENDING,
            invited_at=utcnow() - timedelta(hours=3),
        )
    )


def test_the_api_answers_the_current_alerts_and_when_each_was_last_notified(
    api: TestClient, web_container: Container
) -> None:
    assert api.get("/api/v1/alerts").json()["alerts"] == []
    _overdue(web_container)

    before = api.get("/api/v1/alerts").json()
    settings = alerts.AlertSettings.from_env(web_container.environ)
    state = alerts.read_state(web_container.store, web_container.mcc, settings=settings)
    alerts.notify(web_container.store, state, mailer=None, webhook=None)
    after = api.get("/api/v1/alerts").json()

    assert before["settings"] == {
        "emails": [OPS],
        "pending_age_s": 7200.0,
        "refusal_rate": 0.5,
        "refusal_window": 10,
    }
    (alert,) = before["alerts"]
    assert alert["kind"] == "pending_overdue"
    assert alert["event"] == "alert.pending_overdue"
    assert alert["summary"] == "1 invitation(s) pending for more than 2 h"
    assert alert["last_notified_at"] is None
    assert after["alerts"][0]["last_notified_at"] is not None
    assert after["mcc_customer_id"] == web_container.mcc.digits


def test_the_alerts_route_needs_the_token_and_is_documented(
    client: TestClient, api: TestClient
) -> None:
    assert client.get("/api/v1/alerts").status_code == 401
    document = api.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/alerts"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AlertsOut"
    }
    shape = document["components"]["schemas"]["AlertOut"]["properties"]
    assert {"kind", "event", "summary", "lines", "last_notified_at"} <= set(shape)


def test_the_dashboard_shows_the_alerts_panel_with_its_settings(
    signed_in: TestClient, web_container: Container
) -> None:
    quiet = signed_in.get("/").text
    _overdue(web_container)
    page = signed_in.get("/").text

    assert "No alerts: nothing needs a person now." in quiet
    assert '<h2 id="alerts">Alerts</h2>' in page
    assert "<strong>Invitations pending too long</strong>: 1 invitation(s) pending for more" in page
    assert "last notified never" in page
    assert "111-222-3333 Padaria &lt;Sol&gt;: invited" in page
    assert f"<dt>Mailed to</dt><dd>{OPS}</dd>" in page
    assert "<dt>Invitations pending over</dt><dd>2 h" in page
