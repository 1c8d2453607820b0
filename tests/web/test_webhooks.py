"""Webhooks from the web server: its background worker delivers what the API changed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, Operation, Outcome
from mcclink.web.app import create_app
from mcclink.web.background import WebhookWorker
from mcclink.web.security import WebSettings
from tests.fixtures.webhook_receiver import Receiver, closed_port
from tests.web.conftest import TOKEN

SECRET = "web-webhook-secret-0123456789abcdef"
PADARIA = CustomerId.parse("111-222-3333")


@contextmanager
def hooked_api(web_env: dict[str, str], url: str) -> Iterator[tuple[TestClient, Container]]:
    env = {**web_env, "MCC_WEBHOOK_URL": url, "MCC_WEBHOOK_SECRET": SECRET}
    container = Container(environ=env, actor="web")
    app = create_app(container, WebSettings.from_env(env))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with TestClient(app, base_url="http://127.0.0.1", headers=headers) as api:
            yield api, container
    finally:
        container.close()


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_changes_made_through_the_api_reach_the_receiver_signed(
    web_env: dict[str, str], receiver: Receiver
) -> None:
    with hooked_api(web_env, receiver.url) as (api, _):
        created = api.post("/api/v1/clients", json={"customer_id": PADARIA.dashed, "name": "Sol"})
        assert created.status_code == 201, created.text
        wait_for(lambda: len(receiver.delivered()) == 2)

    operations = sorted(r.json["entry"]["operation"] for r in receiver.received)
    assert operations == ["INVITE", "REGISTER"]
    for request in receiver.received:
        assert request.verified_with(SECRET)
        assert request.json["client"]["customer_id"] == PADARIA.digits


def test_a_dead_receiver_neither_blocks_nor_undoes_the_change(web_env: dict[str, str]) -> None:
    dead = Receiver(port=closed_port())
    with hooked_api(web_env, dead.url) as (api, container):
        created = api.post("/api/v1/clients", json={"customer_id": PADARIA.dashed, "name": "Sol"})
        assert created.status_code == 201, created.text
        assert created.json()["status"] == "PENDING"
        worker = api.app.state.webhooks  # type: ignore[attr-defined]
        assert isinstance(worker, WebhookWorker)
        wait_for(lambda: worker.last_report is not None and worker.last_report.failed > 0)
        history = list(container.store.client_history(container.mcc, PADARIA))
        stored = container.store.get_client(container.mcc, PADARIA)

    assert stored is not None
    assert stored.status.value == "PENDING"
    attempts = [e for e in history if e.operation is Operation.WEBHOOK]
    assert attempts
    assert {e.outcome for e in attempts} == {Outcome.FAILED}
