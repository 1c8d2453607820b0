"""Who may call, on which account, with what request: Google's answers to the rest."""

from __future__ import annotations

import grpc
import pytest

from mcclink.emulator import Emulator
from tests.emulator.calls import (
    MCC,
    PADARIA,
    UNKNOWN,
    answer,
    create_account,
    error_code,
    invite,
    manager_link_of,
    refusal,
    scenario,
    stream,
)
from tests.fixtures.emulator import AdsClientFactory


def test_accepting_as_the_manager_is_user_permission_denied(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    link = invite(ads, MCC, PADARIA)

    exc = refusal(lambda: answer(ads, PADARIA, manager_link_of(link), "ACTIVE"))

    assert error_code(exc) == "authorization_error.USER_PERMISSION_DENIED"
    assert exc.error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "PENDING"


def test_reading_a_client_outside_the_hierarchy_is_user_permission_denied(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)

    exc = refusal(lambda: stream(ads, PADARIA, "SELECT customer.id FROM customer"))

    assert error_code(exc) == "authorization_error.USER_PERMISSION_DENIED"
    assert "login-customer-id" in exc.failure.errors[0].message


def test_acting_as_an_inaccessible_client_is_user_permission_denied(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(scenario({"id": PADARIA, "name": "P", "accessible": False}))
    link = invite(ads_client_factory(MCC), MCC, PADARIA)

    exc = refusal(
        lambda: answer(ads_client_factory(PADARIA), PADARIA, manager_link_of(link), "ACTIVE")
    )

    assert error_code(exc) == "authorization_error.USER_PERMISSION_DENIED"


def test_an_unknown_request_customer_is_customer_not_found(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory()

    exc = refusal(lambda: stream(ads, UNKNOWN, "SELECT customer.id FROM customer"))

    assert error_code(exc) == "authentication_error.CUSTOMER_NOT_FOUND"
    assert exc.error.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_malformed_request_customer_is_invalid_customer_id(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory()

    exc = refusal(lambda: stream(ads, "123-456-7890", "SELECT customer.id FROM customer"))

    assert error_code(exc) == "request_error.INVALID_CUSTOMER_ID"


def test_inviting_an_unknown_account_is_invalid_customer_id(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    exc = refusal(lambda: invite(ads_client_factory(MCC), MCC, UNKNOWN))

    assert error_code(exc) == "request_error.INVALID_CUSTOMER_ID"


def test_inviting_a_cancelled_account_is_customer_not_enabled(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(scenario({"id": PADARIA, "name": "P", "status": "CANCELED"}))

    exc = refusal(lambda: invite(ads_client_factory(MCC), MCC, PADARIA))

    assert error_code(exc) == "authorization_error.CUSTOMER_NOT_ENABLED"


def test_a_manager_out_of_account_creations_is_at_max_customer_limit(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(scenario(managers=[{"id": MCC, "name": "M", "account_limit": 1}]))
    ads = ads_client_factory(MCC)
    create_account(ads)

    exc = refusal(lambda: create_account(ads))

    assert error_code(exc) == "customer_client_link_error.MAX_CUSTOMER_LIMIT_REACHED"


def test_a_suspended_manager_cannot_create_accounts(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(scenario(managers=[{"id": MCC, "name": "M", "can_manage_clients": False}]))

    exc = refusal(lambda: create_account(ads_client_factory(MCC)))

    assert error_code(exc) == "customer_error.CREATION_DENIED_INELIGIBLE_MCC"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("descriptive_name", "", "field_error.REQUIRED"),
        ("currency_code", "XXX", "currency_code_error.UNSUPPORTED"),
        ("time_zone", "Mars/Olympus", "time_zone_error.INVALID_TIME_ZONE"),
    ],
)
def test_a_new_account_needs_valid_fields(
    fresh_emulator: Emulator,
    ads_client_factory: AdsClientFactory,
    field: str,
    value: str,
    code: str,
) -> None:
    fields = {"descriptive_name": "Loja", "currency_code": "BRL", "time_zone": "America/Bahia"}
    fields[field] = value
    ads = ads_client_factory(MCC)

    exc = refusal(lambda: create_account(ads, *fields.values()))

    assert error_code(exc) == code
    path = [e.field_name for e in exc.failure.errors[0].location.field_path_elements]
    assert path == ["customer_client", field]


def test_search_with_a_page_size_is_page_size_not_supported(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    request = ads.get_type("SearchGoogleAdsRequest")
    request.customer_id = MCC
    request.query = "SELECT customer.id FROM customer"
    request.page_size = 100

    exc = refusal(lambda: ads.get_service("GoogleAdsService").search(request=request))

    assert error_code(exc) == "request_error.PAGE_SIZE_NOT_SUPPORTED"


def test_a_made_up_page_token_is_invalid(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    request = ads.get_type("SearchGoogleAdsRequest")
    request.customer_id = MCC
    request.query = "SELECT customer.id FROM customer"
    request.page_token = "not-a-token"

    exc = refusal(lambda: ads.get_service("GoogleAdsService").search(request=request))

    assert error_code(exc) == "request_error.INVALID_PAGE_TOKEN"


def test_a_dashed_login_customer_id_header_is_invalid(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory("123-456-7890")

    exc = refusal(lambda: stream(ads, MCC, "SELECT customer.id FROM customer"))

    assert error_code(exc) == "header_error.INVALID_LOGIN_CUSTOMER_ID"


def test_an_unknown_login_customer_is_user_permission_denied(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(UNKNOWN)

    exc = refusal(lambda: stream(ads, MCC, "SELECT customer.id FROM customer"))

    assert error_code(exc) == "authorization_error.USER_PERMISSION_DENIED"
