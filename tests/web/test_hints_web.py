"""The fixes the hierarchy's errors name, in the REST API's and the dashboard's own words:
a JSON field, a query parameter, a route, the Manager list, a form; never the CLI's
``--to`` / ``--mcc``. Through the real app, over the emulator holding ``tests.hierarchy_tree``
(ROOT is the server's MCC, PADARIA its client, SUB_B a sub-manager of it)."""

from __future__ import annotations

import html

import httpx
import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import Client, CustomerId
from mcclink.emulator import Emulator
from tests.hierarchy_tree import ACAI, PADARIA, ROOT, SUB_B, load_tree
from tests.web.conftest import csrf_token

GHOST = CustomerId.parse("999-999-9999")
CLI_WORDS = ("--to", "--mcc", "mcclink --mcc")


@pytest.fixture
def web_env(web_env: dict[str, str], fresh_emulator: Emulator) -> dict[str, str]:
    """The app's environment with the emulator holding the tree, ROOT as the MCC."""
    load_tree(fresh_emulator)
    return {**web_env, "MCC_CUSTOMER_ID": ROOT.digits}


@pytest.fixture
def synced(web_container: Container) -> Container:
    """ROOT's links read into the store by one monitor cycle (PADARIA is an active client)."""
    web_container.service.sync(ROOT)
    return web_container


def detail(answer: httpx.Response) -> str:
    """The problem document's ``detail``, checked to be free of the CLI's words."""
    assert answer.headers["content-type"].startswith("application/problem+json")
    text = str(answer.json()["detail"])
    assert not any(word in text for word in CLI_WORDS), text
    return text


def shown(page: str) -> str:
    """A page's text as a reader sees it, checked to be free of the CLI's words."""
    text = html.unescape(page)
    assert not any(word in text for word in CLI_WORDS), text
    return text


# -- REST API -------------------------------------------------------------------------------


def test_api_move_to_its_own_manager_names_the_to_field(api: TestClient, synced: Container) -> None:
    answer = api.post(f"/api/v1/clients/{PADARIA.digits}/move", json={"to": ROOT.digits})

    assert answer.status_code == 422, answer.text
    assert detail(answer) == (
        f"cannot move {PADARIA} to {ROOT}: that is the manager it is under; "
        "give another manager of the tree as `to`"
    )


def test_api_move_over_another_record_names_the_route_that_clears_the_way(
    api: TestClient, synced: Container
) -> None:
    synced.store.create_client(Client(PADARIA, SUB_B, "Padaria (old record)"))

    refused = api.post(f"/api/v1/clients/{PADARIA.digits}/move", json={"to": SUB_B.digits})

    assert refused.status_code == 422, refused.text
    route = f"DELETE /api/v1/clients/{PADARIA.digits}?mcc={SUB_B.digits}"
    assert detail(refused) == (
        f"cannot move {PADARIA} to {SUB_B}: another record of it is registered under {SUB_B}; "
        f"archive that one first ({route}), then move again"
    )
    # Doing what it says works.
    method, path = route.split(" ")
    assert api.request(method, path).status_code == 204
    moved = api.post(f"/api/v1/clients/{PADARIA.digits}/move", json={"to": SUB_B.digits})
    assert moved.status_code == 200, moved.text
    assert moved.json()["mcc_customer_id"] == SUB_B.digits


def test_api_unknown_client_names_the_register_route_and_mcc(
    api: TestClient, synced: Container
) -> None:
    answer = api.post(f"/api/v1/clients/{GHOST.digits}/hide")

    assert answer.status_code == 404, answer.text
    assert detail(answer) == (
        f"client {GHOST.digits} is not registered under MCC {ROOT.digits}; "
        "register it with POST /api/v1/clients (or check mcc=)"
    )


@pytest.mark.parametrize(
    ("mcc", "said"),
    [
        (
            PADARIA,
            f"{PADARIA} is a client account, not a manager; give mcc= a manager account's id "
            "(without it, the server's MCC_CUSTOMER_ID must be one)",
        ),
        (
            CustomerId.parse("987-654-3210"),
            "; check mcc= (without it, the server's MCC_CUSTOMER_ID)",
        ),
    ],
    ids=["client-account", "no-account"],
)
def test_api_hierarchy_of_no_manager_names_the_mcc_parameter(
    api: TestClient, mcc: CustomerId, said: str
) -> None:
    answer = api.get("/api/v1/hierarchy", params={"mcc": mcc.dashed})

    assert answer.status_code == 422, answer.text
    assert said in detail(answer)


# -- the dashboard --------------------------------------------------------------------------


def test_page_move_to_its_own_manager_flashes_the_forms_words(
    signed_in: TestClient, synced: Container
) -> None:
    token = csrf_token(signed_in.get(f"/clients/{PADARIA.digits}").text)

    after = signed_in.post(
        f"/clients/{PADARIA.digits}/move", data={"csrf_token": token, "to": ROOT.dashed}
    )

    assert after.status_code == 200, after.text
    assert (
        f"cannot move {PADARIA} to {ROOT}: that is the manager it is under; "
        "enter another manager of the tree in Move to manager"
    ) in shown(after.text)
    assert "Move to manager" in after.text  # the form it names is on the page it returns to


def test_page_move_over_another_record_says_who_archives_it(
    signed_in: TestClient, synced: Container
) -> None:
    synced.store.create_client(Client(PADARIA, SUB_B, "Padaria (old record)"))
    token = csrf_token(signed_in.get(f"/clients/{PADARIA.digits}").text)

    after = signed_in.post(
        f"/clients/{PADARIA.digits}/move", data={"csrf_token": token, "to": SUB_B.digits}
    )

    # The dashboard does not archive: the flash names the two ways an admin can.
    text = html.unescape(after.text)
    assert (
        f"an admin archives that one first (mcclink --mcc {SUB_B} clients archive {PADARIA}, "
        f"or DELETE /api/v1/clients/{PADARIA.digits}?mcc={SUB_B.digits}), then move again"
    ) in text
    assert synced.store.get_client(ROOT, PADARIA) is not None


def test_page_of_an_unknown_client_points_to_the_manager_list(
    signed_in: TestClient, synced: Container
) -> None:
    page = signed_in.get(f"/clients/{GHOST.digits}")

    assert page.status_code == 404
    assert (
        f"client {GHOST.digits} is not registered under MCC {ROOT.digits}; register it "
        "(Import a CSV, or `mcclink clients add`), or choose another manager in the Manager list"
    ) in shown(page.text)


def test_hierarchy_page_of_a_client_account_points_to_the_manager_list(
    signed_in: TestClient, web_container: Container
) -> None:
    # A client stored under PADARIA (a client account) makes it one of the server's managers.
    web_container.store.create_client(Client(ACAI, PADARIA, "Açaí"))

    page = signed_in.get("/hierarchy", params={"mcc": PADARIA.dashed})

    assert page.status_code == 422, page.text
    assert (
        f"{PADARIA} is a client account, not a manager; choose a manager account in the "
        "Manager list (the server's MCC_CUSTOMER_ID and MCC_CUSTOMER_IDS must name managers)"
    ) in shown(page.text)


def test_api_refusal_of_a_move_to_a_client_account_names_no_cli_option(
    api: TestClient, synced: Container
) -> None:
    answer = api.post(f"/api/v1/clients/{PADARIA.digits}/move", json={"to": ACAI.digits})

    assert answer.status_code == 422, answer.text
    said = detail(answer)
    assert "it is a client account, not a manager" in said  # asked before the move
    assert "GET /api/v1/hierarchy" in said
    assert "--to" not in said
