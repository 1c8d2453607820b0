"""The emulator through the ``google-ads`` library's documented helpers only, as published
examples call Google: ``get_service``, ``get_type``, ``enums``, ``protobuf_helpers.field_mask``,
pagers and streams, ``GoogleAdsException``. Separate from mcclink's adapter tests on purpose:
a program that is not mcclink must work against the emulator too.
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.ads.googleads.client import _VALID_API_VERSIONS
from google.api_core import protobuf_helpers

from mcclink.emulator import Emulator, failures, protos
from tests.emulator.calls import (
    CLIENT_LINKS_QUERY,
    MCC,
    PADARIA,
    UNKNOWN,
    error_code,
    invite,
    manager_link_of,
    refusal,
    stream,
)
from tests.fixtures.emulator import AdsClientFactory

SERVED_VERSIONS = protos.versions()


def _accept_as_published(client: Any, client_id: str, manager_link: str) -> Any:
    """Accept the way Google's ``link_manager_to_client.py`` does: mask from the message."""
    operation = client.get_type("CustomerManagerLinkOperation")
    link = operation.update
    link.resource_name = manager_link
    link.status = client.enums.ManagerLinkStatusEnum.ACTIVE
    client.copy_from(operation.update_mask, protobuf_helpers.field_mask(None, link._pb))  # type: ignore[no-untyped-call]
    service = client.get_service("CustomerManagerLinkService")
    return service.mutate_customer_manager_link(customer_id=client_id, operations=[operation])


@pytest.fixture
def manager(ads_client_factory: AdsClientFactory) -> Any:
    """A ``GoogleAdsClient`` with the demo manager as its login customer."""
    return ads_client_factory(MCC)


@pytest.fixture
def pending_link(fresh_emulator: Emulator, manager: Any) -> str:
    """The manager's PENDING invitation to Padaria: its customer_client_link resource name."""
    return invite(manager, MCC, PADARIA)


def _update_client_link(client: Any, link_name: str, paths: list[str], **values: Any) -> Any:
    operation = client.get_type("CustomerClientLinkOperation")
    operation.update.resource_name = link_name
    for name, value in values.items():
        setattr(operation.update, name, value)
    operation.update_mask.paths.extend(paths)
    service = client.get_service("CustomerClientLinkService")
    return service.mutate_customer_client_link(customer_id=MCC, operation=operation)


def test_the_emulator_serves_every_api_version_the_installed_library_accepts() -> None:
    assert sorted(SERVED_VERSIONS) == sorted(_VALID_API_VERSIONS)


@pytest.mark.parametrize("version", SERVED_VERSIONS)
def test_each_version_links_and_refuses_with_its_own_messages(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory, version: str
) -> None:
    manager = ads_client_factory(MCC, version=version)
    link = invite(manager, MCC, PADARIA)
    _accept_as_published(
        ads_client_factory(PADARIA, version=version), PADARIA, manager_link_of(link)
    )

    exc = refusal(lambda: invite(manager, MCC, UNKNOWN))

    assert fresh_emulator.state.link_status(MCC, PADARIA) == "ACTIVE"
    # The library decodes only a failure under its own version's key, into that version's class.
    assert type(exc.failure).__module__.startswith(f"google.ads.googleads.{version}.")
    assert exc.failure.errors[0].error_code.request_error.name == "INVALID_CUSTOMER_ID"


def test_an_accept_with_the_librarys_own_field_mask_is_applied(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory, pending_link: str
) -> None:
    accept = manager_link_of(pending_link)

    response = _accept_as_published(ads_client_factory(PADARIA), PADARIA, accept)

    assert [result.resource_name for result in response.results] == [accept]
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "ACTIVE"


def test_a_manager_hides_an_active_link_with_a_mask_of_hidden_alone(
    ads_client_factory: AdsClientFactory, manager: Any, pending_link: str
) -> None:
    link = pending_link
    _accept_as_published(ads_client_factory(PADARIA), PADARIA, manager_link_of(link))

    _update_client_link(manager, link, ["resource_name", "hidden"], hidden=True)

    row = next(
        row
        for row in manager.get_service("GoogleAdsService").search(
            customer_id=MCC, query=CLIENT_LINKS_QUERY
        )
        if row.customer_client_link.resource_name == link
    )
    assert row.customer_client_link.hidden is True
    assert row.customer_client_link.status.name == "ACTIVE"


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["status", "no_such_field"], "field_mask_error.FIELD_NOT_FOUND"),
        (["status", "client_customer"], "field_error.IMMUTABLE_FIELD"),
        (["manager_link_id"], "field_error.IMMUTABLE_FIELD"),
        (["resource_name"], "field_mask_error.FIELD_MASK_MISSING"),
    ],
)
def test_a_mask_naming_an_unknown_or_immutable_field_is_refused(
    fresh_emulator: Emulator, manager: Any, pending_link: str, paths: list[str], expected: str
) -> None:
    canceled = manager.enums.ManagerLinkStatusEnum.CANCELED

    exc = refusal(lambda: _update_client_link(manager, pending_link, paths, status=canceled))

    assert error_code(exc) == expected
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "PENDING"


def test_hiding_a_pending_link_is_refused(manager: Any, pending_link: str) -> None:
    exc = refusal(lambda: _update_client_link(manager, pending_link, ["hidden"], hidden=True))

    assert error_code(exc) == "manager_link_error.INVALID_CHANGE"
    message = exc.failure.errors[0].message
    assert message == "Only an ACTIVE link can be hidden or shown; this link is PENDING."


@pytest.mark.usefixtures("pending_link")
def test_search_pages_and_search_stream_batches_yield_the_same_rows(manager: Any) -> None:
    service = manager.get_service("GoogleAdsService")

    paged = [
        row.customer_client_link.client_customer
        for row in service.search(customer_id=MCC, query=CLIENT_LINKS_QUERY)
    ]
    streamed = [
        row.customer_client_link.client_customer
        for batch in service.search_stream(customer_id=MCC, query=CLIENT_LINKS_QUERY)
        for row in batch.results
    ]

    assert paged == streamed
    assert paged


@pytest.mark.usefixtures("pending_link")
def test_search_returns_the_total_results_count_when_asked(manager: Any) -> None:
    request = manager.get_type("SearchGoogleAdsRequest")
    request.customer_id = MCC
    request.query = CLIENT_LINKS_QUERY
    service = manager.get_service("GoogleAdsService")
    unasked = service.search(request=request)
    request.search_settings.return_total_results_count = True

    asked = service.search(request=request)

    assert asked.total_results_count == len(list(asked)) > 0
    assert unasked.total_results_count == 0


def test_the_customer_resource_answers_what_an_account_description_reads(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    # The fields and types of Google's reference
    # (https://developers.google.com/google-ads/api/fields/v26/customer): id INT64,
    # descriptive_name / currency_code / time_zone STRING, test_account / manager BOOLEAN,
    # status ENUM CustomerStatus; one row, the request's own customer.
    query = (
        "SELECT customer.id, customer.descriptive_name, customer.currency_code, "
        "customer.time_zone, customer.test_account, customer.manager, customer.status "
        "FROM customer"
    )
    padaria = fresh_emulator.state.account(PADARIA)
    assert padaria is not None

    [row] = stream(ads_client_factory(PADARIA), PADARIA, query)

    customer = row.customer
    assert (customer.id, customer.descriptive_name) == (int(PADARIA), padaria.name)
    assert (customer.currency_code, customer.time_zone) == (
        padaria.currency_code,
        padaria.time_zone,
    )
    assert (customer.test_account, customer.manager) == (False, False)
    assert customer.status.name == "ENABLED"
    assert customer.resource_name == f"customers/{PADARIA}"


def test_a_google_ads_exception_carries_code_message_location_and_request_id(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    client = ads_client_factory(MCC)
    operation = client.get_type("CustomerClientLinkOperation")
    operation.create.client_customer = client.get_service("CustomerService").customer_path(PADARIA)
    operation.create.status = client.enums.ManagerLinkStatusEnum.ACTIVE
    service = client.get_service("CustomerClientLinkService")

    exc = refusal(lambda: service.mutate_customer_client_link(customer_id=MCC, operation=operation))

    error = exc.failure.errors[0]
    errors = client.get_type("ManagerLinkErrorEnum").ManagerLinkError
    assert error.error_code.manager_link_error == errors.CREATING_ENABLED_LINK_NOT_ALLOWED
    assert [e.field_name for e in error.location.field_path_elements] == [
        "operation",
        "create",
        "status",
    ]
    assert exc.error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert exc.request_id


@pytest.mark.parametrize("version", SERVED_VERSIONS)
def test_an_unserved_method_is_a_google_ads_exception_naming_it(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory, version: str
) -> None:
    client = ads_client_factory(MCC, version=version)
    service = client.get_service("CampaignService")

    exc = refusal(lambda: service.mutate_campaigns(customer_id=MCC, operations=[]))

    assert exc.error.code() == grpc.StatusCode.UNIMPLEMENTED
    assert error_code(exc) == "request_error.UNKNOWN"
    message = exc.failure.errors[0].message
    assert "CampaignService.MutateCampaigns" in message
    assert "CustomerClientLinkService.MutateCustomerClientLink" in message


@pytest.mark.parametrize("version", SERVED_VERSIONS)
def test_every_error_code_the_emulator_sends_exists_in_each_served_version(version: str) -> None:
    error_code_fields = protos.load("errors.types.errors", version).ErrorCode.meta.fields
    sent = [code for code in vars(failures).values() if isinstance(code, failures.Code)]

    missing = [
        str(code)
        for code in sent
        if code.name not in {member.name for member in error_code_fields[code.kind].enum}
    ]

    assert sent
    assert missing == []
