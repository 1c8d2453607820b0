"""Each way an advertiser's link can fail at Google, over real HTTP against the emulator.

The advertiser (Bia, ADMIN of every account below) opens a link through the ASGI client, signs
in on the emulator's authorization page and chooses the account; the emulator refuses as Google
does. Each test checks the page (the problem in plain words, what to do, Google's code) and
that nothing else changed: the store's clients and history (actor ``advertiser:<email>``) and
the emulator's links.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from mcclink.ads.client import GoogleAdsClientService
from mcclink.ads.retry import RetryPolicy
from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, LinkStatus, Operation, Outcome
from mcclink.emulator import Emulator, Scenario, fetch_state
from mcclink.onboarding import new_link
from tests.emulator.signin_flow import post_json
from tests.fixtures.signin import consent
from tests.web.conftest import AGENCY

MCC = CustomerId.parse("123-456-7890")
#: A manager under the agency's MCC (linked at the start of the test that needs it).
BRANCH = CustomerId.parse("234-567-8901")
PADARIA = CustomerId.parse("111-222-3333")
PET_SHOP = CustomerId.parse("555-666-7777")  # already under 5 managers
TEST_SHOP = CustomerId.parse("444-000-1111")  # a test account
UNDER_BRANCH = CustomerId.parse("333-000-2222")  # ACTIVE under BRANCH
CANCELLED = CustomerId.parse("666-000-3333")
NOWHERE = CustomerId.parse("999-000-4444")  # no such account
BIA = "bia@lojas.com.br"
ACTOR = f"advertiser:{BIA}"
PT = {"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"}
#: Quick retries, so that Google unavailable costs milliseconds, not the default's seconds.
QUICK = RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.02, jitter=0.0)

WORLD = Scenario.from_dict(
    {
        "managers": [
            {"id": MCC.dashed, "name": AGENCY},
            {"id": BRANCH.dashed, "name": "Agência Demo Sul"},
        ],
        "clients": [
            {"id": PADARIA.dashed, "name": "Padaria São João"},
            {"id": PET_SHOP.dashed, "name": "Pet Shop Amigo Fiel", "existing_managers": 5},
            {"id": TEST_SHOP.dashed, "name": "Loja de Teste", "test_account": True},
            {"id": UNDER_BRANCH.dashed, "name": "Mercado Sul", "linked_to": [BRANCH.dashed]},
            {"id": CANCELLED.dashed, "name": "Bar Fechado", "status": "CANCELED"},
        ],
        "users": [
            {
                "email": BIA,
                "name": "Bia",
                "access": {
                    c.digits: "ADMIN"
                    for c in (PADARIA, PET_SHOP, TEST_SHOP, UNDER_BRANCH, CANCELLED)
                },
            }
        ],
    },
    "the onboarding failures' world",
)


@pytest.fixture
def pages(fresh_emulator: Emulator, client: TestClient) -> TestClient:
    """An advertiser's browser (no staff session); the emulator serves ``WORLD``."""
    fresh_emulator.reset(WORLD)
    return client


def _link(container: Container, customer: CustomerId) -> str:
    link, token = new_link(container.mcc, customer, timedelta(days=14), "test")
    container.store.create_onboarding_link(link)
    return token


def _sign_in(client: TestClient, token: str) -> Response:
    """Open the link, press "Sign in with Google", allow as Bia: the page back at the callback."""
    assert client.get(f"/onboard/{token}").status_code == 200
    start = client.get(f"/onboard/{token}/signin", follow_redirects=False)
    assert start.status_code == 303, start.text
    answer: Response = client.get(
        "/onboard/callback", params=consent(start.headers["location"], BIA)
    )
    return answer


def _choose(client: TestClient, page: Response, *accounts: CustomerId) -> Response:
    fields = dict(re.findall(r'name="(choice|csrf_token)" value="([^"]+)"', page.text))
    assert set(fields) == {"choice", "csrf_token"}, page.text
    data = {**fields, "account": [a.digits for a in accounts]}
    answer: Response = client.post("/onboard/choose", data=data)
    return answer


def _link_and_choose(client: TestClient, token: str, customer: CustomerId) -> str:
    """The whole way for one account: the text of the result page."""
    return _text(_choose(client, _sign_in(client, token), customer))


def _text(response: Response) -> str:
    assert response.status_code == 200, response.text
    return html.unescape(response.text)


def _links_at_google(emulator: Emulator) -> list[dict[str, Any]]:
    links: list[dict[str, Any]] = fetch_state(emulator.admin_url)["links"]
    return links


def _with_mcc(emulator: Emulator, customer: CustomerId) -> list[tuple[str, int]]:
    """The MCC's links to ``customer`` at Google: (status, invitations sent)."""
    pair = (MCC.digits, customer.digits)
    return [
        (k["status"], k["invitations_sent"])
        for k in _links_at_google(emulator)
        if (k["manager"], k["client"]) == pair
    ]


def _history(container: Container, customer: CustomerId) -> list[tuple[str, str, str | None]]:
    """(operation, outcome, Google's code) of each history entry, oldest first; every entry
    must be the advertiser's."""
    entries = list(container.store.client_history(MCC, customer))[::-1]  # newest first
    assert {e.actor for e in entries} <= {ACTOR}
    return [(e.operation.value, e.outcome.value, e.error_code) for e in entries]


def _refused_at_invitation(container: Container, customer: CustomerId, code: str) -> None:
    """The store holds the attempt only: the account registered, its invitation refused."""
    [stored] = container.store.list_clients(MCC)
    assert stored.customer_id == customer
    assert stored.status is LinkStatus.NOT_LINKED
    assert stored.email == BIA
    assert stored.last_error is not None
    assert stored.last_error.code == code
    assert _history(container, customer) == [
        (Operation.REGISTER.value, Outcome.SUCCESS.value, None),
        (Operation.INVITE.value, Outcome.FAILED.value, code),
    ]


# -- refused at the invitation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        (
            {},
            [
                "Not linked",
                "Account 555-666-7777 already has 5 managers, the most Google allows.",
                "Remove one it no longer needs (Google Ads: Admin > Access and security > "
                "Managers, then Remove), then open this link again.",
                "Google's code: ManagerLinkError.TOO_MANY_MANAGERS",
            ],
        ),
        (
            PT,
            [
                "Não vinculada",
                "A conta 555-666-7777 já tem 5 administradores, o máximo que o Google permite.",
                "Remova um de que ela não precisa mais",
                "Código do Google: ManagerLinkError.TOO_MANY_MANAGERS",
            ],
        ),
    ],
    ids=["en", "pt-BR"],
)
def test_an_account_with_five_managers_is_told_how_to_remove_one(
    pages: TestClient,
    web_container: Container,
    fresh_emulator: Emulator,
    headers: dict[str, str],
    words: list[str],
) -> None:
    token = _link(web_container, PET_SHOP)
    pages.headers.update(headers)
    before = _links_at_google(fresh_emulator)

    page = _link_and_choose(pages, token, PET_SHOP)

    for phrase in words:
        assert phrase in page
    assert f'href="/onboard/{token}"' in page  # try again
    _refused_at_invitation(web_container, PET_SHOP, "ManagerLinkError.TOO_MANY_MANAGERS")
    assert _links_at_google(fresh_emulator) == before


def test_a_test_account_is_told_it_cannot_join_a_production_manager(
    pages: TestClient, web_container: Container, fresh_emulator: Emulator
) -> None:
    token = _link(web_container, TEST_SHOP)
    before = _links_at_google(fresh_emulator)

    page = _link_and_choose(pages, token, TEST_SHOP)

    assert "Not linked" in page
    assert "one is a test account and the other a real one, and Google never links the two" in page
    assert (
        "Choose a real account, or ask the agency for a link from its test manager account." in page
    )
    assert "Google's code: ManagerLinkError.INVALID_CHANGE" in page
    _refused_at_invitation(web_container, TEST_SHOP, "ManagerLinkError.INVALID_CHANGE")
    assert _links_at_google(fresh_emulator) == before


def test_an_account_under_a_manager_of_the_agency_is_told_nothing_is_needed(
    pages: TestClient, web_container: Container, fresh_emulator: Emulator
) -> None:
    web_container.ads.send_invitation(MCC, BRANCH)
    post_json(fresh_emulator, "/_emulator/respond", {"client": BRANCH.digits, "action": "accept"})
    token = _link(web_container, UNDER_BRANCH)
    before = _links_at_google(fresh_emulator)

    page = _link_and_choose(pages, token, UNDER_BRANCH)

    assert "Not linked" in page
    assert (
        "Account 333-000-2222 is already managed by another manager account of this agency, "
        "so the agency already reaches it. Nothing to do here" in page
    )
    assert "Google's code: ManagerLinkError.ALREADY_MANAGED_IN_HIERARCHY" in page
    _refused_at_invitation(
        web_container, UNDER_BRANCH, "ManagerLinkError.ALREADY_MANAGED_IN_HIERARCHY"
    )
    assert _links_at_google(fresh_emulator) == before
    assert ("ACTIVE", BRANCH.digits) in {
        (k["status"], k["manager"]) for k in before if k["client"] == UNDER_BRANCH.digits
    }


# -- refused before anything is sent ------------------------------------------------------------


@pytest.mark.parametrize(
    ("customer", "words", "code"),
    [
        (
            CANCELLED,
            "Account 666-000-3333 is cancelled or not set up yet, so it cannot be linked. An "
            "administrator can reactivate it in Google Ads; then open this link again.",
            "Google's code: AuthorizationError.CUSTOMER_NOT_ENABLED",
        ),
        (
            NOWHERE,
            "The Google account you signed in with cannot open account 999-000-4444. Sign in "
            "with a Google account that is an administrator of it.",
            None,
        ),
    ],
    ids=["cancelled", "no-such-account"],
)
def test_a_cancelled_or_missing_account_cannot_be_chosen_and_nothing_is_sent(
    pages: TestClient,
    web_container: Container,
    fresh_emulator: Emulator,
    customer: CustomerId,
    words: str,
    code: str | None,
) -> None:
    token = _link(web_container, customer)
    before = _links_at_google(fresh_emulator)

    choose = _sign_in(pages, token)
    forced = _choose(pages, choose, customer)  # a hand-made form: the box is disabled

    page = _text(choose)
    assert words in page
    assert re.search(rf'value="{customer.digits}" disabled', page)
    assert 'type="submit"' not in page
    if code is None:
        assert "Google's code" not in page
    else:
        assert code in page
    assert forced.status_code == 422
    assert "Choose at least one account." in forced.text
    assert list(web_container.store.list_clients(MCC)) == []
    assert _history(web_container, customer) == []
    assert _links_at_google(fresh_emulator) == before


# -- Google unavailable while accepting ---------------------------------------------------------


def test_google_unavailable_while_accepting_leaves_the_invitation_pending_and_a_retry_accepts(
    pages: TestClient, web_container: Container, fresh_emulator: Emulator
) -> None:
    web_container.ads = GoogleAdsClientService(web_container.google_ads_settings, QUICK)
    token = _link(web_container, PADARIA)
    every_attempt = {"method": "MutateCustomerManagerLink", "count": QUICK.max_attempts}
    assert post_json(fresh_emulator, "/_emulator/faults", every_attempt).status == 200
    others = _links_at_google(fresh_emulator)

    failed = _link_and_choose(pages, token, PADARIA)
    pending = web_container.service.get(MCC, PADARIA).status
    at_google = _with_mcc(fresh_emulator, PADARIA)
    history = _history(web_container, PADARIA)
    done = _link_and_choose(pages, token, PADARIA)

    assert "Not linked" in failed
    assert "Google Ads did not answer in time for account 111-222-3333." in failed
    assert "Nothing is lost: what was done is recorded. Open this link again" in failed
    assert "Google's code: StatusCode.UNAVAILABLE" in failed
    assert f'href="/onboard/{token}"' in failed
    assert pending is LinkStatus.PENDING
    assert at_google == [("PENDING", 1)]
    assert history == [
        ("REGISTER", "SUCCESS", None),
        ("INVITE", "SUCCESS", None),
        ("RESPOND", "FAILED", "StatusCode.UNAVAILABLE"),
    ]
    assert f"Done: {AGENCY} now manages this account." in done
    assert web_container.service.get(MCC, PADARIA).status is LinkStatus.APPROVED
    assert _with_mcc(fresh_emulator, PADARIA) == [("ACTIVE", 1)]  # no second invitation
    assert _history(web_container, PADARIA) == [*history, ("RESPOND", "SUCCESS", None)]
    assert fetch_state(fresh_emulator.admin_url)["faults_injected"] == QUICK.max_attempts
    assert [k for k in _links_at_google(fresh_emulator) if k["client"] != PADARIA.digits] == others
    [link] = web_container.store.list_onboarding_links(MCC, PADARIA)
    assert (link.signed_in, link.accepted) == (2, 1)
