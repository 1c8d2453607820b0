"""The advertiser's pages through the ASGI client, signing in at the real emulator over HTTP."""

from __future__ import annotations

import html
import logging
import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, LinkStatus, Operation, utcnow
from mcclink.emulator import CLIENT_SECRET, Emulator, fetch_state
from mcclink.onboarding import new_link
from mcclink.web import api, onboard, signin
from mcclink.web import pages as staff_pages
from mcclink.web.app import API_PREFIX, create_app
from mcclink.web.security import WebSettings
from mcclink.web.throttle import AddressThrottle
from tests.fixtures.signin import add_user, consent
from tests.web.conftest import AGENCY, free_port

PADARIA, ACAI = CustomerId.parse("111-222-3333"), CustomerId.parse("222-333-4444")
ANA = "ana@padaria.com.br"
PT = {"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"}


@pytest.fixture
def ana(fresh_emulator: Emulator) -> str:
    """Ana: ADMIN of Padaria, READ_ONLY of Açaí."""
    add_user(fresh_emulator, ANA, {PADARIA.dashed: "ADMIN", ACAI.dashed: "READ_ONLY"})
    return ANA


@pytest.fixture
def pages(client: TestClient, ana: str) -> TestClient:
    """An advertiser's browser (no staff session) with Ana able to sign in."""
    return client


def _link(container: Container, customer: CustomerId | None = PADARIA) -> str:
    link, token = new_link(container.mcc, customer, timedelta(days=14), "test")
    container.store.create_onboarding_link(link)
    return token


def _at_google(
    client: TestClient, token: str, email: str | None, action: str = "allow"
) -> dict[str, str]:
    """Press "Sign in with Google" and answer at the provider: the query it sends back."""
    start = client.get(f"/onboard/{token}/signin", follow_redirects=False)
    assert start.status_code == 303, start.text
    return consent(start.headers["location"], email, action)


def _sign_in(client: TestClient, token: str, email: str | None, action: str = "allow") -> Response:
    """Sign in at the provider and come back to the callback."""
    answer: Response = client.get(
        "/onboard/callback", params=_at_google(client, token, email, action)
    )
    return answer


def _form(page: str) -> dict[str, str]:
    fields = dict(re.findall(r'name="(choice|csrf_token)" value="([^"]+)"', page))
    assert set(fields) == {"choice", "csrf_token"}, page
    return fields


def _choose(client: TestClient, page: str, *accounts: CustomerId) -> Response:
    data = {**_form(page), "account": [a.digits for a in accounts]}
    answer: Response = client.post("/onboard/choose", data=data)
    return answer


def _text(response: Response) -> str:
    return html.unescape(response.text)


# -- the whole way, and what is recorded ----------------------------------------------------


def test_an_advertiser_links_the_account_and_everything_is_recorded(
    pages: TestClient, web_container: Container, fresh_emulator: Emulator
) -> None:
    token = _link(web_container)

    start = pages.get(f"/onboard/{token}")
    choose = _sign_in(pages, token, ANA)
    done = _choose(pages, choose.text, PADARIA)

    assert start.status_code == 200
    assert f'href="/onboard/{token}/signin"' in start.text
    assert "<form" not in start.text  # a link: form-action 'self' would stop the redirect
    assert f"Signed in as {ANA}" in _text(choose)
    assert re.search(rf'value="{PADARIA.digits}" checked', choose.text)
    assert done.status_code == 200
    assert f"Done: {AGENCY} now manages this account." in _text(done)
    mcc = web_container.mcc
    client = web_container.service.get(mcc, PADARIA)
    assert client.status is LinkStatus.APPROVED
    assert client.email == ANA
    history = list(web_container.store.client_history(mcc, PADARIA))
    assert {e.operation for e in history} >= {Operation.INVITE, Operation.RESPOND}
    assert {e.actor for e in history} == {f"advertiser:{ANA}"}
    google = fetch_state(fresh_emulator.admin_url)["links"]
    at_google = [
        k["status"] for k in google if (k["manager"], k["client"]) == (mcc.digits, PADARIA.digits)
    ]
    assert at_google == ["ACTIVE"]
    [link] = web_container.store.list_onboarding_links(mcc, PADARIA)
    assert (link.opened, link.signed_in, link.accepted) == (1, 1, 1)


def test_the_page_speaks_portuguese_when_the_browser_asks(
    pages: TestClient, web_container: Container
) -> None:
    page = pages.get(f"/onboard/{_link(web_container)}", headers=PT)

    assert '<html lang="pt-BR">' in page.text
    assert "Fazer login com o Google" in page.text
    assert "Como remover depois" in page.text
    assert page.headers["content-language"] == "pt-BR"


def test_the_page_says_what_the_access_allows_and_how_to_remove_it(
    pages: TestClient, web_container: Container
) -> None:
    page = _text(pages.get(f"/onboard/{_link(web_container)}"))

    assert f"{AGENCY} (manager account {web_container.mcc}) asks for access" in page
    assert "Google Ads account 111-222-3333" in page
    assert "Managers tab, and choose Remove" in page


def test_a_general_link_offers_every_account_the_sign_in_reaches(
    pages: TestClient, web_container: Container
) -> None:
    token = _link(web_container, None)

    choose = _text(_sign_in(pages, token, ANA))

    assert "you choose which ones" in _text(pages.get(f"/onboard/{token}"))
    assert PADARIA.digits in choose
    assert ACAI.digits in choose


# -- each failure has its own page ----------------------------------------------------------


def test_unknown_malformed_and_wrong_secret_links_get_the_same_page(
    pages: TestClient, web_container: Container
) -> None:
    link_id = _link(web_container).split(".")[0]
    answers = [
        pages.get(f"/onboard/{token}")
        for token in ("nonsense", f"{link_id}.{'x' * 43}", f"{'A' * 16}.{'x' * 43}")
    ]

    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1
    assert "This link does not work" in answers[0].text


@pytest.mark.parametrize(
    ("state", "status", "title"),
    [("expired", 410, "This link has expired"), ("revoked", 410, "This link was withdrawn")],
)
def test_an_expired_or_revoked_link_says_so(
    pages: TestClient, web_container: Container, state: str, status: int, title: str
) -> None:
    if state == "expired":
        fortnight = timedelta(days=14)
        made = utcnow() - timedelta(days=15)
        link, token = new_link(web_container.mcc, PADARIA, fortnight, "test", now=made)
        web_container.store.create_onboarding_link(link)
    else:
        token = _link(web_container)
        web_container.store.revoke_onboarding_link(token.split(".")[0], utcnow())

    for path in (f"/onboard/{token}", f"/onboard/{token}/signin"):
        page = pages.get(path, follow_redirects=False)
        assert page.status_code == status
        assert title in page.text


def test_declining_at_google_changes_nothing_and_offers_to_try_again(
    pages: TestClient, web_container: Container
) -> None:
    token = _link(web_container)

    page = _sign_in(pages, token, None, action="deny")

    assert page.status_code == 403
    assert "You did not give access" in page.text
    assert f'href="/onboard/{token}"' in page.text
    assert list(web_container.store.list_clients(web_container.mcc)) == []


def test_a_callback_with_a_made_up_state_is_refused(
    pages: TestClient, web_container: Container
) -> None:
    query = _at_google(pages, _link(web_container), ANA)

    page = pages.get("/onboard/callback", params={**query, "state": "made-up"})

    assert page.status_code == 400
    assert "This sign-in expired" in page.text


def test_a_callback_in_another_browser_is_refused(
    pages: TestClient, web_container: Container
) -> None:
    query = _at_google(pages, _link(web_container), ANA)
    pages.cookies.clear()

    page = pages.get("/onboard/callback", params=query)

    assert page.status_code == 400
    assert "in the browser it started in" in page.text


def test_a_read_only_user_is_told_who_can_accept_and_the_invitation_stays_pending(
    pages: TestClient, web_container: Container
) -> None:
    token = _link(web_container, ACAI)

    done = _text(_choose(pages, _sign_in(pages, token, ANA).text, ACAI))

    assert "Not linked" in done
    assert "administrator" in done
    assert "ACTION_NOT_PERMITTED" in done
    assert f'href="/onboard/{token}"' in done
    assert web_container.service.get(web_container.mcc, ACAI).status is LinkStatus.PENDING


def test_google_unavailable_at_sign_in_says_try_again(
    web_env: dict[str, str], web_container: Container, ana: str
) -> None:
    env = {**web_env, "MCC_OIDC_ISSUER": f"http://127.0.0.1:{free_port()}"}  # nobody there
    app = create_app(Container(environ=env, actor="web"), WebSettings.from_env(env))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        page = client.get(f"/onboard/{_link(web_container)}/signin", follow_redirects=False)

    assert page.status_code == 503
    assert "Google is not answering right now" in page.text


def test_choosing_nothing_asks_again_and_the_choice_stays_usable(
    pages: TestClient, web_container: Container
) -> None:
    choose = _sign_in(pages, _link(web_container), ANA)

    again = _choose(pages, choose.text)
    done = _choose(pages, again.text, PADARIA)

    assert again.status_code == 422
    assert "Choose at least one account." in again.text
    assert "now manages this account" in done.text


# -- CSRF, single use, rate limit, secrets ------------------------------------------------


def test_the_choice_needs_its_csrf_token_and_its_browser(
    pages: TestClient, web_container: Container
) -> None:
    choose = _sign_in(pages, _link(web_container), ANA)
    fields = _form(choose.text)

    forged = pages.post(
        "/onboard/choose", data={**fields, "csrf_token": "forged", "account": PADARIA.digits}
    )
    cookie = pages.cookies.get("mcclink_onboard")
    pages.cookies.clear()
    foreign = pages.post("/onboard/choose", data={**fields, "account": PADARIA.digits})

    assert (forged.status_code, foreign.status_code) == (403, 403)
    assert "Nothing was changed" in forged.text
    assert list(web_container.store.list_clients(web_container.mcc)) == []
    assert cookie is not None


def test_a_tampered_choice_form_gets_a_plain_page_that_echoes_nothing(
    pages: TestClient, web_container: Container
) -> None:
    choose = _sign_in(pages, _link(web_container), ANA)
    oversized = {**_form(choose.text), "csrf_token": "x" * 65, "account": PADARIA.digits}

    page = pages.post("/onboard/choose", data=oversized)

    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "Nothing was changed" in page.text
    assert "x" * 65 not in page.text
    assert list(web_container.store.list_clients(web_container.mcc)) == []


def test_a_choice_is_used_once(pages: TestClient, web_container: Container) -> None:
    choose = _sign_in(pages, _link(web_container), ANA)
    _choose(pages, choose.text, PADARIA)

    replay = _choose(pages, choose.text, PADARIA)

    assert replay.status_code == 410
    assert "This page has expired" in replay.text


def test_the_public_routes_are_rate_limited_per_address(
    pages: TestClient, web_app: FastAPI, web_container: Container
) -> None:
    web_app.state.onboarding.throttle = AddressThrottle(capacity=2)
    token = _link(web_container)

    answers = [pages.get(f"/onboard/{token}") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["retry-after"]) >= 1
    assert "Too many attempts" in answers[2].text
    assert pages.get("/login").status_code == 200  # staff pages are not throttled


def test_no_token_code_or_secret_shows_in_a_page_or_a_log_record(
    pages: TestClient, web_container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    token = _link(web_container)
    with caplog.at_level(logging.DEBUG):
        query = _at_google(pages, token, ANA)
        choose = pages.get("/onboard/callback", params=query)
        done = _choose(pages, choose.text, PADARIA)
        replay = pages.get("/onboard/callback", params=query)

    seen = [choose.text, done.text, replay.text, caplog.text, str(done.headers)]
    for text in seen:
        for secret in (query["code"], CLIENT_SECRET, "ya29.", "id_token"):
            assert secret not in text


def test_every_route_but_the_sign_in_and_the_advertisers_needs_staff_credentials(
    client: TestClient, web_app: FastAPI
) -> None:
    public = {
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/login/google"),
        ("GET", "/login/callback"),
        ("GET", "/onboard/{token}"),
        ("GET", "/onboard/{token}/signin"),
        ("GET", "/onboard/callback"),
        ("POST", "/onboard/choose"),
        ("GET", "/onboard/done/{key}"),
        ("GET", "/onboard/{token}/unsubscribe"),  # a reminder's List-Unsubscribe (RFC 8058)
        ("POST", "/onboard/{token}/unsubscribe"),
    }
    mounted = [
        (API_PREFIX, api.router),
        ("", staff_pages.router),
        ("", signin.router),
        ("", onboard.router),
    ]
    routes = {
        (method, prefix + route.path)
        for prefix, router in [*mounted, ("", web_app.router)]
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    assert public <= routes
    for method, path in sorted(routes - public):
        url = re.sub(r"\{[a-z_]+\}", "1112223333", path)
        response = client.request(method, url, follow_redirects=False)
        assert response.status_code in (303, 401, 403), (method, path, response.status_code)
