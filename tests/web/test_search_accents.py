"""The dashboard's and the API's search ignore accents, as the CLI's does (#14 item 25)."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.service import Registration

PADARIA, ACAI = CustomerId.parse("111-222-3333"), CustomerId.parse("222-333-4444")


def _register(container: Container) -> None:
    for cid, name in ((PADARIA, "Padaria São João"), (ACAI, "Açaí & Cia")):
        container.service.register(container.mcc, Registration(cid, name))


def test_the_api_finds_acai_without_its_accents(api: TestClient, web_container: Container) -> None:
    _register(web_container)

    for q, expected in (("acai", ACAI), ("sao joao", PADARIA)):
        body = api.get("/api/v1/clients", params={"q": q}).json()
        assert [c["customer_id"] for c in body["items"]] == [expected.digits], q


def test_the_clients_page_finds_acai_without_its_accents(
    signed_in: TestClient, web_container: Container
) -> None:
    _register(web_container)

    page = html.unescape(signed_in.get("/clients?q=ACAI").text)

    assert "222-333-4444" in page
    assert "111-222-3333" not in page
