"""A signed-in user's token on gRPC: their accounts and their roles, through the library."""

from __future__ import annotations

from typing import Any

import pytest
from google.api_core.exceptions import PermissionDenied

from mcclink.emulator import Emulator
from tests.emulator.calls import (
    ACAI,
    MCC,
    PADARIA,
    answer,
    create_account,
    error_code,
    invite,
    manager_link_of,
    refusal,
    stream,
)
from tests.emulator.signin_flow import (
    ADWORDS,
    ANA,
    ANA_EMAIL,
    BETO,
    BETO_EMAIL,
    post_json,
    tokens_for,
)
from tests.fixtures.emulator import AdsClientFactory

CUSTOMER_QUERY = "SELECT customer.id FROM customer"
CARLA: dict[str, object] = {
    "email": "carla@padaria.com.br",
    "name": "Carla",
    "access": {PADARIA: "EMAIL_ONLY"},
}


@pytest.fixture
def people(fresh_emulator: Emulator) -> Emulator:
    """The demo with Ana (ADMIN of Padaria, READ_ONLY of Açaí), Beto (ADMIN of Açaí), Carla."""
    for user in (ANA, BETO, CARLA):
        assert post_json(fresh_emulator, "/_emulator/users", user).status == 200
    return fresh_emulator


def accessible(ads: Any) -> list[str]:
    """``ListAccessibleCustomers``: the ids."""
    response = ads.get_service("CustomerService").list_accessible_customers()
    return sorted(name.split("/")[1] for name in response.resource_names)


def user_client(
    emulator: Emulator, factory: AdsClientFactory, email: str, login: str | None, **params: str
) -> Any:
    """A ``GoogleAdsClient`` with the refresh token ``email`` got by signing in."""
    refresh = tokens_for(emulator, email, access_type="offline", **params)["refresh_token"]
    return factory(login, refresh_token=refresh)


def test_a_users_token_lists_only_that_users_accounts(
    people: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ana = user_client(people, ads_client_factory, ANA_EMAIL, None)

    assert accessible(ana) == sorted([PADARIA, ACAI])
    assert MCC in accessible(ads_client_factory())  # the manager's user, as before


def test_an_email_only_user_sees_no_account(
    people: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    carla = user_client(people, ads_client_factory, "carla@padaria.com.br", PADARIA)

    caught = refusal(lambda: stream(carla, PADARIA, CUSTOMER_QUERY))

    assert accessible(carla) == []
    assert error_code(caught) == "authorization_error.USER_PERMISSION_DENIED"


@pytest.mark.parametrize(
    ("email", "outcome"),
    [(ANA_EMAIL, "authorization_error.ACTION_NOT_PERMITTED"), (BETO_EMAIL, "ACTIVE")],
)
def test_only_an_admin_of_the_client_can_accept_a_manager_link(
    people: Emulator, ads_client_factory: AdsClientFactory, email: str, outcome: str
) -> None:
    link = manager_link_of(invite(ads_client_factory(MCC), MCC, ACAI))
    advertiser = user_client(people, ads_client_factory, email, ACAI)

    if outcome == "ACTIVE":
        assert answer(advertiser, ACAI, link, "ACTIVE") == [link]
    else:
        caught = refusal(lambda: answer(advertiser, ACAI, link, "ACTIVE"))
        assert error_code(caught) == outcome
    assert people.state.link_status(MCC, ACAI) == ("ACTIVE" if outcome == "ACTIVE" else "PENDING")


def test_a_read_only_user_can_still_read(
    people: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ana = user_client(people, ads_client_factory, ANA_EMAIL, ACAI)

    rows = stream(ana, ACAI, CUSTOMER_QUERY)

    assert [row.customer.id for row in rows] == [int(ACAI)]


def test_a_token_without_the_google_ads_scope_is_refused(
    people: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ana = user_client(people, ads_client_factory, ANA_EMAIL, PADARIA, scope="openid email")

    with pytest.raises(PermissionDenied, match="insufficient authentication scopes"):
        stream(ana, PADARIA, CUSTOMER_QUERY)
    assert ADWORDS not in tokens_for(people, ANA_EMAIL, scope="openid email")["scope"]


def test_an_account_made_by_create_customer_client_is_reached_through_the_manager_only(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    manager = ads_client_factory(MCC)
    new_id = create_account(manager).split("/")[1]

    assert new_id not in accessible(ads_client_factory())
    assert [r.customer.id for r in stream(manager, new_id, CUSTOMER_QUERY)] == [int(new_id)]
    caught = refusal(lambda: stream(ads_client_factory(new_id), new_id, CUSTOMER_QUERY))
    assert error_code(caught) == "authorization_error.USER_PERMISSION_DENIED"
