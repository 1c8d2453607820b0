"""Google Ads calls the emulator tests make, written as the library's examples make them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from google.ads.googleads.errors import GoogleAdsException

from mcclink.emulator import Scenario

MCC = "1234567890"
PADARIA, ACAI, OFICINA, FARMACIA = "1112223333", "2223334444", "3334445555", "4445556666"
PET_SHOP = "5556667777"
UNKNOWN = "9876543210"
OTHER_MANAGER = "2468013579"

CLIENT_LINKS_QUERY = """
    SELECT customer_client_link.client_customer, customer_client_link.manager_link_id,
           customer_client_link.status, customer_client_link.hidden
    FROM customer_client_link"""


def invite(ads: Any, manager: str, client: str, *, validate_only: bool = False) -> str:
    """Send an invitation; the new link's resource name ('' when validate_only)."""
    operation = ads.get_type("CustomerClientLinkOperation")
    operation.create.client_customer = f"customers/{client}"
    operation.create.status = ads.enums.ManagerLinkStatusEnum.PENDING
    request = ads.get_type("MutateCustomerClientLinkRequest")
    request.customer_id = manager
    request.operation = operation
    request.validate_only = validate_only
    service = ads.get_service("CustomerClientLinkService")
    return str(service.mutate_customer_client_link(request=request).result.resource_name)


def set_client_link_status(ads: Any, manager: str, link_name: str, status: str) -> str:
    """The manager updates its customer_client_link (CANCELED, INACTIVE)."""
    operation = ads.get_type("CustomerClientLinkOperation")
    operation.update.resource_name = link_name
    operation.update.status = ads.enums.ManagerLinkStatusEnum[status]
    operation.update_mask.paths.append("status")
    service = ads.get_service("CustomerClientLinkService")
    response = service.mutate_customer_client_link(customer_id=manager, operation=operation)
    return str(response.result.resource_name)


def answer(ads: Any, client: str, manager_link: str, status: str) -> list[str]:
    """The client updates its customer_manager_link (ACTIVE, REFUSED, INACTIVE)."""
    operation = ads.get_type("CustomerManagerLinkOperation")
    operation.update.resource_name = manager_link
    operation.update.status = ads.enums.ManagerLinkStatusEnum[status]
    operation.update_mask.paths.append("status")
    service = ads.get_service("CustomerManagerLinkService")
    response = service.mutate_customer_manager_link(customer_id=client, operations=[operation])
    return [r.resource_name for r in response.results]


def move(ads: Any, client: str, manager_link: str, new_manager: str) -> str:
    """MoveManagerLink: the client's active ``manager_link`` ended, a link with
    ``new_manager`` made active in the same call; the new link's resource name."""
    request = ads.get_type("MoveManagerLinkRequest")
    request.customer_id = client
    request.previous_customer_manager_link = manager_link
    request.new_manager = f"customers/{new_manager}"
    service = ads.get_service("CustomerManagerLinkService")
    return str(service.move_manager_link(request=request).resource_name)


def manager_link_of(client_link: str) -> str:
    """``customers/M/customerClientLinks/C~id`` -> ``customers/C/customerManagerLinks/M~id``."""
    _, manager, _, rest = client_link.split("/")
    client, link_id = rest.split("~")
    return f"customers/{client}/customerManagerLinks/{manager}~{link_id}"


def link_id_of(link_name: str) -> int:
    return int(link_name.rsplit("~", 1)[1])


def stream(ads: Any, customer: str, query: str) -> list[Any]:
    """Every row of a SearchStream."""
    service = ads.get_service("GoogleAdsService")
    return [
        row
        for batch in service.search_stream(customer_id=customer, query=query)
        for row in batch.results
    ]


def client_link_statuses(ads: Any, manager: str) -> dict[str, str]:
    """Client id -> link status name, as the manager lists them."""
    rows = stream(ads, manager, CLIENT_LINKS_QUERY)
    return {
        r.customer_client_link.client_customer.split("/")[1]: r.customer_client_link.status.name
        for r in rows
    }


def error_code(exc: Any) -> str:
    """The first error of a ``GoogleAdsException`` as ``kind.NAME``."""
    code = exc.failure.errors[0].error_code
    kind = type(code).pb(code).WhichOneof("error_code")
    return f"{kind}.{getattr(code, kind).name}"


def scenario(*clients: dict[str, Any], managers: list[dict[str, Any]] | None = None) -> Scenario:
    """A scenario with these clients, under the demo's manager unless ``managers`` is given."""
    return Scenario.from_dict(
        {"managers": managers or [{"id": MCC, "name": "Agência"}], "clients": list(clients)}
    )


def create_account(
    ads: Any,
    descriptive_name: str = "Loja Nova",
    currency_code: str = "BRL",
    time_zone: str = "America/Sao_Paulo",
    *,
    validate_only: bool = False,
) -> str:
    """Create an account under the demo manager; its resource name ('' when validate_only)."""
    request = ads.get_type("CreateCustomerClientRequest")
    request.customer_id = MCC
    request.customer_client.descriptive_name = descriptive_name
    request.customer_client.currency_code = currency_code
    request.customer_client.time_zone = time_zone
    request.validate_only = validate_only
    response = ads.get_service("CustomerService").create_customer_client(request=request)
    return str(response.resource_name)


def refusal(call: Callable[[], Any]) -> GoogleAdsException:
    """The GoogleAdsException a call raises; checks the request id Google always sends."""
    with pytest.raises(GoogleAdsException) as caught:
        call()
    assert len(caught.value.request_id) == 22
    assert caught.value.failure.request_id == caught.value.request_id
    return caught.value
