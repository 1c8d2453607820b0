"""A Google Ads program that knows nothing of mcclink: it links a client to a manager.

Written only against the ``google-ads`` library's public API, the way Google's published
examples are (API v24, ``GoogleAdsClient.load_from_storage``, ``get_service`` / ``get_type`` /
``enums``, path helpers, ``protobuf_helpers.field_mask``). Its configuration comes from the
environment alone (``GOOGLE_ADS_CONFIGURATION_FILE_PATH`` and what that file points to); the
emulator tests run it in a subprocess. Prints one JSON object with what it saw.

Usage: python google_ads_program.py MANAGER_CUSTOMER_ID CLIENT_CUSTOMER_ID
"""

from __future__ import annotations

import json
import sys
from typing import Any

from google.ads.googleads.client import GoogleAdsClient
from google.api_core import protobuf_helpers

CLIENT_LINK_QUERY = """
    SELECT customer_client_link.manager_link_id, customer_client_link.status
    FROM customer_client_link
    WHERE customer_client_link.resource_name = '{resource_name}'"""


def invite(client: Any, manager_customer_id: str, client_customer_id: str) -> str:
    """The manager invites the client; the new customer_client_link's resource name."""
    service = client.get_service("CustomerClientLinkService")
    operation = client.get_type("CustomerClientLinkOperation")
    link = operation.create
    link.client_customer = client.get_service("CustomerService").customer_path(client_customer_id)
    link.status = client.enums.ManagerLinkStatusEnum.PENDING
    response = service.mutate_customer_client_link(
        customer_id=manager_customer_id, operation=operation
    )
    return str(response.result.resource_name)


def find_link(client: Any, manager_customer_id: str, resource_name: str) -> Any:
    """The customer_client_link row of ``resource_name``, by a GAQL search."""
    service = client.get_service("GoogleAdsService")
    query = CLIENT_LINK_QUERY.format(resource_name=resource_name)
    rows = list(service.search(customer_id=manager_customer_id, query=query))
    return rows[0].customer_client_link


def accept(
    client: Any, manager_customer_id: str, client_customer_id: str, manager_link_id: int
) -> str:
    """The client accepts the invitation, logged in as itself."""
    client.login_customer_id = client_customer_id
    service = client.get_service("CustomerManagerLinkService")
    operation = client.get_type("CustomerManagerLinkOperation")
    link = operation.update
    link.resource_name = service.customer_manager_link_path(
        client_customer_id, manager_customer_id, manager_link_id
    )
    link.status = client.enums.ManagerLinkStatusEnum.ACTIVE
    client.copy_from(
        operation.update_mask,
        protobuf_helpers.field_mask(None, link._pb),  # type: ignore[no-untyped-call]
    )
    response = service.mutate_customer_manager_link(
        customer_id=client_customer_id, operations=[operation]
    )
    return str(response.results[0].resource_name)


def main(client: Any, manager_customer_id: str, client_customer_id: str) -> dict[str, Any]:
    """Invite, look the link up, accept, look it up again (logged in as the manager)."""
    invited = invite(client, manager_customer_id, client_customer_id)
    pending = find_link(client, manager_customer_id, invited)
    accepted = accept(client, manager_customer_id, client_customer_id, pending.manager_link_id)
    client.login_customer_id = manager_customer_id
    active = find_link(client, manager_customer_id, invited)
    return {
        "invited": invited,
        "status_after_invite": pending.status.name,
        "accepted": accepted,
        "status_after_accept": active.status.name,
    }


if __name__ == "__main__":
    googleads_client = GoogleAdsClient.load_from_storage(version="v24")
    print(json.dumps(main(googleads_client, sys.argv[1], sys.argv[2])))
