"""The staff's side of onboarding links: the REST API and the client page."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.onboarding import OnboardingState, parse_token, secret_matches
from mcclink.service import Registration
from mcclink.web import api_models as m
from tests.web.conftest import PUBLIC_URL, csrf_token

PADARIA = CustomerId.parse("111-222-3333")
LINKS = f"/api/v1/clients/{PADARIA.digits}/onboarding-links"


@pytest.fixture
def registered(web_container: Container) -> Container:
    web_container.service.register(web_container.mcc, Registration(PADARIA, "Padaria São João"))
    return web_container


def _token(url: str) -> str:
    assert url.startswith(f"{PUBLIC_URL}/onboard/")
    return url.rsplit("/", 1)[1]


def test_a_new_link_is_201_with_its_url_once_and_the_store_keeps_only_a_hash(
    api: TestClient, registered: Container
) -> None:
    response = api.post(LINKS, json={"expires": "2d"})

    assert response.status_code == 201, response.text
    body = m.OnboardingLinkCreatedOut.model_validate(response.json())
    link_id, secret = parse_token(_token(body.url))
    stored = registered.store.get_onboarding_link(link_id)
    assert stored is not None
    assert (body.id, body.customer_id) == (link_id, PADARIA.digits)
    assert secret_matches(stored, secret)
    assert secret not in repr(stored)
    assert (stored.expires_at - stored.created_at).days == 2
    assert stored.created_by == "break-glass"  # the shared token; the test client has no IP


def test_a_link_without_a_body_works_for_14_days(api: TestClient, registered: Container) -> None:
    body = api.post(LINKS).json()

    stored = registered.store.get_onboarding_link(body["id"])
    assert stored is not None
    assert (stored.expires_at - stored.created_at).days == 14


def test_listing_shows_state_and_counts_and_never_the_url(
    api: TestClient, registered: Container
) -> None:
    made = api.post(LINKS).json()

    listed = api.get(LINKS)

    assert listed.status_code == 200
    [link] = [m.OnboardingLinkOut.model_validate(item) for item in listed.json()]
    assert (link.id, link.state, link.opened) == (made["id"], OnboardingState.ACTIVE, 0)
    assert _token(made["url"]) not in listed.text
    assert "secret_hash" not in listed.text


def test_revoking_stops_the_link_and_says_so(api: TestClient, registered: Container) -> None:
    made = api.post(LINKS).json()

    revoked = api.delete(f"/api/v1/onboarding-links/{made['id']}")

    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"
    assert api.get(LINKS).json()[0]["state"] == "revoked"


def test_an_unknown_link_is_a_404_problem(api: TestClient) -> None:
    response = api.delete("/api/v1/onboarding-links/AAAAAAAAAAAAAAAA")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "OnboardingLinkNotFound"


def test_a_link_for_an_unregistered_client_is_a_404_and_nothing_is_made(
    api: TestClient, web_container: Container
) -> None:
    response = api.post(LINKS)

    assert response.status_code == 404
    assert response.json()["code"] == "ClientNotFound"
    assert list(web_container.store.list_onboarding_links(web_container.mcc)) == []


@pytest.mark.parametrize("expires", ["0d", "91d", "soon"])
def test_a_bad_expiry_is_a_422_naming_the_fix(
    api: TestClient, registered: Container, expires: str
) -> None:
    response = api.post(LINKS, json={"expires": expires})

    assert response.status_code == 422
    assert list(registered.store.list_onboarding_links(registered.mcc)) == []


def test_the_client_page_makes_a_link_shows_it_once_to_copy_and_lists_it(
    signed_in: TestClient, registered: Container
) -> None:
    page = signed_in.get(f"/clients/{PADARIA.digits}")
    response = signed_in.post(
        f"/clients/{PADARIA.digits}/onboarding-links",
        data={"csrf_token": csrf_token(page.text), "expires": "7d"},
    )

    shown = html.unescape(response.text)
    match = re.search(r'<input id="copy-value" type="text" readonly value="([^"]+)"', shown)
    assert match, "the new link is not in a read-only field"
    link_id, _ = parse_token(_token(match[1]))
    assert re.search(rf"{link_id}</td>\s*<td[^>]*><span[^>]*>active", shown)
    again = signed_in.get(f"/clients/{PADARIA.digits}").text
    assert match[1] not in html.unescape(again)


def test_the_client_page_revokes_a_link(signed_in: TestClient, registered: Container) -> None:
    made = signed_in.post(
        f"/clients/{PADARIA.digits}/onboarding-links",
        data={"csrf_token": csrf_token(signed_in.get("/clients").text)},
    )
    [link] = registered.store.list_onboarding_links(registered.mcc, PADARIA)

    page = signed_in.post(
        f"/onboarding-links/{link.id}/revoke", data={"csrf_token": csrf_token(made.text)}
    )

    assert f"Onboarding link {link.id} revoked." in page.text
    [after] = registered.store.list_onboarding_links(registered.mcc, PADARIA)
    assert after.state() is OnboardingState.REVOKED
