"""Each rule Google checks answers its real error code, status and a request id."""

from __future__ import annotations

from typing import Any

import grpc

from mcclink.emulator import Emulator
from tests.emulator.calls import (
    MCC,
    OTHER_MANAGER,
    PADARIA,
    PET_SHOP,
    answer,
    error_code,
    invite,
    manager_link_of,
    move,
    refusal,
    scenario,
    set_client_link_status,
)
from tests.fixtures.emulator import AdsClientFactory


def test_inviting_twice_is_already_invited_by_this_manager(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    invite(ads, MCC, PADARIA)

    exc = refusal(lambda: invite(ads, MCC, PADARIA))

    assert error_code(exc) == "manager_link_error.ALREADY_INVITED_BY_THIS_MANAGER"
    assert exc.error.code() == grpc.StatusCode.INVALID_ARGUMENT
    path = [e.field_name for e in exc.failure.errors[0].location.field_path_elements]
    assert path == ["operation", "create", "client_customer"]
    assert fresh_emulator.state.invitations_sent(PADARIA, MCC) == 1


def test_inviting_an_active_client_is_already_managed_by_this_manager(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    invite(ads, MCC, PADARIA)
    fresh_emulator.state.respond(PADARIA, MCC, "accept")

    exc = refusal(lambda: invite(ads, MCC, PADARIA))

    assert error_code(exc) == "manager_link_error.ALREADY_MANAGED_BY_THIS_MANAGER"


def test_client_with_five_managers_refuses_a_sixth(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    exc = refusal(lambda: invite(ads_client_factory(MCC), MCC, PET_SHOP))

    assert error_code(exc) == "manager_link_error.TOO_MANY_MANAGERS"
    assert fresh_emulator.state.link_status(MCC, PET_SHOP) is None


def test_client_with_twenty_pending_invitations_refuses_another(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(scenario({"id": PADARIA, "name": "P", "pending_invitations": 20}))

    exc = refusal(lambda: invite(ads_client_factory(MCC), MCC, PADARIA))

    assert error_code(exc) == "customer_client_link_error.CLIENT_HAS_TOO_MANY_INVITATIONS"


def test_manager_cannot_invite_itself(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    exc = refusal(lambda: invite(ads_client_factory(MCC), MCC, MCC))

    assert error_code(exc) == "manager_link_error.CUSTOMER_CANNOT_MANAGE_SELF"


def test_creating_a_link_as_active_is_refused(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    operation = ads.get_type("CustomerClientLinkOperation")
    operation.create.client_customer = f"customers/{PADARIA}"
    operation.create.status = ads.enums.ManagerLinkStatusEnum.ACTIVE
    service = ads.get_service("CustomerClientLinkService")

    exc = refusal(lambda: service.mutate_customer_client_link(customer_id=MCC, operation=operation))

    assert error_code(exc) == "manager_link_error.CREATING_ENABLED_LINK_NOT_ALLOWED"


def test_cancelling_an_active_link_is_an_invalid_status_change(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    link = invite(ads, MCC, PADARIA)
    fresh_emulator.state.respond(PADARIA, MCC, "accept")

    exc = refusal(lambda: set_client_link_status(ads, MCC, link, "CANCELED"))

    assert error_code(exc) == "manager_link_error.INVALID_STATUS_CHANGE"
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "ACTIVE"


def test_ending_a_pending_link_is_an_invalid_status_change(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    link = invite(ads, MCC, PADARIA)

    exc = refusal(lambda: set_client_link_status(ads, MCC, link, "INACTIVE"))

    assert error_code(exc) == "manager_link_error.INVALID_STATUS_CHANGE"


def test_accepting_a_refused_invitation_is_no_pending_invite(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    link = invite(ads_client_factory(MCC), MCC, PADARIA)
    fresh_emulator.state.respond(PADARIA, MCC, "refuse")
    client = ads_client_factory(PADARIA)

    exc = refusal(lambda: answer(client, PADARIA, manager_link_of(link), "ACTIVE"))

    assert error_code(exc) == "customer_manager_link_error.NO_PENDING_INVITE"


def test_linking_a_test_account_to_a_production_manager_is_invalid_change(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(scenario({"id": PADARIA, "name": "P", "test_account": True}))

    exc = refusal(lambda: invite(ads_client_factory(MCC), MCC, PADARIA))

    assert error_code(exc) == "manager_link_error.INVALID_CHANGE"


def test_a_suspended_manager_cannot_add_clients(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(
        scenario(
            {"id": PADARIA, "name": "P"},
            managers=[{"id": MCC, "name": "M", "can_manage_clients": False}],
        )
    )

    exc = refusal(lambda: invite(ads_client_factory(MCC), MCC, PADARIA))

    assert error_code(exc) == "manager_link_error.SUSPENDED_ACCOUNT_CANNOT_ADD_CLIENTS"


def test_a_link_that_would_close_a_cycle_is_refused(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(
        scenario(managers=[{"id": MCC, "name": "Top"}, {"id": OTHER_MANAGER, "name": "Sub"}])
    )
    invite(ads_client_factory(MCC), MCC, OTHER_MANAGER)
    fresh_emulator.state.respond(OTHER_MANAGER, MCC, "accept")

    exc = refusal(lambda: invite(ads_client_factory(OTHER_MANAGER), OTHER_MANAGER, MCC))

    assert error_code(exc) == "manager_link_error.CYCLE_NOT_ALLOWED"


def test_an_update_without_a_field_mask_is_field_mask_missing(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    link = invite(ads, MCC, PADARIA)
    operation = ads.get_type("CustomerClientLinkOperation")
    operation.update.resource_name = link
    operation.update.status = ads.enums.ManagerLinkStatusEnum.CANCELED
    service = ads.get_service("CustomerClientLinkService")

    exc = refusal(lambda: service.mutate_customer_client_link(customer_id=MCC, operation=operation))

    assert error_code(exc) == "field_mask_error.FIELD_MASK_MISSING"


def test_a_refused_batch_of_answers_changes_nothing(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(
        scenario(
            {"id": PADARIA, "name": "P"},
            managers=[{"id": MCC, "name": "A"}, {"id": OTHER_MANAGER, "name": "B"}],
        )
    )
    first = invite(ads_client_factory(MCC), MCC, PADARIA)
    second = invite(ads_client_factory(OTHER_MANAGER), OTHER_MANAGER, PADARIA)
    fresh_emulator.state.respond(PADARIA, OTHER_MANAGER, "refuse")
    client = ads_client_factory(PADARIA)
    operations = [
        _answer_operation(client, first, "ACTIVE"),
        _answer_operation(client, second, "ACTIVE"),
    ]
    service = client.get_service("CustomerManagerLinkService")

    exc = refusal(
        lambda: service.mutate_customer_manager_link(customer_id=PADARIA, operations=operations)
    )

    assert error_code(exc) == "customer_manager_link_error.NO_PENDING_INVITE"
    assert exc.failure.errors[0].location.field_path_elements[0].index == 1
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "PENDING"


def _answer_operation(ads: Any, client_link: str, status: str) -> Any:
    operation = ads.get_type("CustomerManagerLinkOperation")
    operation.update.resource_name = manager_link_of(client_link)
    operation.update.status = ads.enums.ManagerLinkStatusEnum[status]
    operation.update_mask.paths.append("status")
    return operation


def test_moving_a_client_to_a_manager_outside_the_login_tree_is_refused(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(
        scenario(
            {"id": PADARIA, "name": "P", "linked_to": [MCC]},
            managers=[{"id": MCC, "name": "A"}, {"id": OTHER_MANAGER, "name": "B"}],
        )
    )
    ads = ads_client_factory(MCC)
    link = fresh_emulator.state.newest_link(MCC, PADARIA)
    assert link is not None

    exc = refusal(lambda: move(ads, PADARIA, link.manager_link_name, OTHER_MANAGER))

    assert error_code(exc) == "manager_link_error.CLIENT_OUTSIDE_TREE"
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "ACTIVE"


def test_answering_the_same_link_twice_in_one_call_is_refused(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    link = invite(ads_client_factory(MCC), MCC, PADARIA)
    client = ads_client_factory(PADARIA)
    operations = [
        _answer_operation(client, link, "ACTIVE"),
        _answer_operation(client, link, "REFUSED"),
    ]
    service = client.get_service("CustomerManagerLinkService")

    exc = refusal(
        lambda: service.mutate_customer_manager_link(customer_id=PADARIA, operations=operations)
    )

    assert error_code(exc) == "customer_manager_link_error.SAME_CLIENT_MORE_THAN_ONCE_PER_CALL"


def test_validate_only_cancel_checks_but_changes_nothing(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    link = invite(ads, MCC, PADARIA)
    request = ads.get_type("MutateCustomerClientLinkRequest")
    request.customer_id = MCC
    request.operation.update.resource_name = link
    request.operation.update.status = ads.enums.ManagerLinkStatusEnum.CANCELED
    request.operation.update_mask.paths.append("status")
    request.validate_only = True

    response = ads.get_service("CustomerClientLinkService").mutate_customer_client_link(
        request=request
    )

    assert response.result.resource_name == ""
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "PENDING"


def test_inviting_a_client_already_under_a_sub_manager_is_refused(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(
        scenario(
            {"id": PADARIA, "name": "P", "linked_to": [OTHER_MANAGER]},
            managers=[{"id": MCC, "name": "A"}, {"id": OTHER_MANAGER, "name": "B"}],
        )
    )
    ads = ads_client_factory(MCC)
    invite(ads, MCC, OTHER_MANAGER)
    fresh_emulator.state.respond(OTHER_MANAGER, MCC, "accept")

    exc = refusal(lambda: invite(ads, MCC, PADARIA))

    assert error_code(exc) == "manager_link_error.ALREADY_MANAGED_IN_HIERARCHY"
    assert fresh_emulator.state.link_status(MCC, PADARIA) is None


def test_moving_a_client_to_a_manager_that_is_not_enabled_is_refused(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(
        scenario(
            {"id": PADARIA, "name": "P", "linked_to": [MCC]},
            managers=[
                {"id": MCC, "name": "A"},
                {"id": OTHER_MANAGER, "name": "B", "managed_by": MCC, "status": "CANCELED"},
            ],
        )
    )
    ads = ads_client_factory(MCC)
    link = fresh_emulator.state.newest_link(MCC, PADARIA)
    assert link is not None

    exc = refusal(lambda: move(ads, PADARIA, link.manager_link_name, OTHER_MANAGER))

    assert error_code(exc) == "authorization_error.CUSTOMER_NOT_ENABLED"
    path = [e.field_name for e in exc.failure.errors[0].location.field_path_elements]
    assert path == ["new_manager"]
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "ACTIVE"
    assert fresh_emulator.state.link_status(OTHER_MANAGER, PADARIA) is None
