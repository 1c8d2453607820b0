"""The link state machine from both sides, driven by the unmodified google-ads library."""

from __future__ import annotations

from typing import Any

from mcclink.emulator import Emulator
from tests.emulator.calls import (
    MCC,
    OTHER_MANAGER,
    PADARIA,
    answer,
    client_link_statuses,
    create_account,
    invite,
    link_id_of,
    manager_link_of,
    move,
    scenario,
    set_client_link_status,
    stream,
)
from tests.fixtures.emulator import AdsClientFactory


def test_invitation_creates_a_pending_link_named_as_google_names_it(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    name = invite(ads_client_factory(MCC), MCC, PADARIA)

    assert name == f"customers/{MCC}/customerClientLinks/{PADARIA}~{link_id_of(name)}"
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "PENDING"
    assert fresh_emulator.state.invitations_sent(PADARIA, MCC) == 1
    assert fresh_emulator.state.calls["MutateCustomerClientLink"] == 1


def test_client_accepts_an_invitation_and_the_manager_sees_it_active(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    manager = ads_client_factory(MCC)
    link = invite(manager, MCC, PADARIA)

    accepted = answer(ads_client_factory(PADARIA), PADARIA, manager_link_of(link), "ACTIVE")

    assert accepted == [manager_link_of(link)]
    assert client_link_statuses(manager, MCC)[PADARIA] == "ACTIVE"


def test_client_refuses_an_invitation(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    link = invite(ads_client_factory(MCC), MCC, PADARIA)

    answer(ads_client_factory(PADARIA), PADARIA, manager_link_of(link), "REFUSED")

    assert fresh_emulator.state.link_status(MCC, PADARIA) == "REFUSED"


def test_manager_cancels_a_pending_invitation(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    manager = ads_client_factory(MCC)
    link = invite(manager, MCC, PADARIA)

    assert set_client_link_status(manager, MCC, link, "CANCELED") == link
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "CANCELED"


def test_manager_ends_an_active_link(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    manager = ads_client_factory(MCC)
    link = invite(manager, MCC, PADARIA)
    fresh_emulator.state.respond(PADARIA, MCC, "accept")

    set_client_link_status(manager, MCC, link, "INACTIVE")

    assert client_link_statuses(manager, MCC)[PADARIA] == "INACTIVE"


def test_client_ends_an_active_link(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    link = invite(ads_client_factory(MCC), MCC, PADARIA)
    fresh_emulator.state.respond(PADARIA, MCC, "accept")

    answer(ads_client_factory(PADARIA), PADARIA, manager_link_of(link), "INACTIVE")

    assert fresh_emulator.state.link_status(MCC, PADARIA) == "INACTIVE"


def test_reinviting_after_a_refusal_creates_a_new_link_and_lists_only_the_newest(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    manager = ads_client_factory(MCC)
    first = invite(manager, MCC, PADARIA)
    fresh_emulator.state.respond(PADARIA, MCC, "refuse")

    second = invite(manager, MCC, PADARIA)

    assert link_id_of(second) > link_id_of(first)
    rows = [
        r.customer_client_link
        for r in stream(
            manager,
            MCC,
            "SELECT customer_client_link.manager_link_id, customer_client_link.status "
            f"FROM customer_client_link WHERE customer_client_link.client_customer = "
            f"'customers/{PADARIA}'",
        )
    ]
    assert [(r.manager_link_id, r.status.name) for r in rows] == [(link_id_of(second), "PENDING")]
    assert fresh_emulator.state.invitations_sent(PADARIA, MCC) == 2


def test_validate_only_invitation_checks_but_changes_nothing(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    name = invite(ads_client_factory(MCC), MCC, PADARIA, validate_only=True)

    assert name == ""
    assert fresh_emulator.state.link_status(MCC, PADARIA) is None
    assert fresh_emulator.state.invitations_sent(PADARIA, MCC) == 0


def test_client_side_query_lists_its_managers(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    link = invite(ads_client_factory(MCC), MCC, PADARIA)

    rows = stream(
        ads_client_factory(PADARIA),
        PADARIA,
        "SELECT customer_manager_link.manager_customer, customer_manager_link.manager_link_id, "
        "customer_manager_link.status FROM customer_manager_link",
    )

    assert [
        (r.customer_manager_link.manager_customer, r.customer_manager_link.status.name)
        for r in rows
    ] == [(f"customers/{MCC}", "PENDING")]
    assert rows[0].customer_manager_link.resource_name == manager_link_of(link)


def test_auto_respond_trait_answers_at_once(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(scenario({"id": PADARIA, "name": "P", "auto_respond": "accept"}))

    invite(ads_client_factory(MCC), MCC, PADARIA)

    assert fresh_emulator.state.link_status(MCC, PADARIA) == "ACTIVE"


def test_created_account_is_active_under_the_manager_and_in_its_hierarchy(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    created = create_account(ads, "Nova Loja")
    new_id = created.removeprefix("customers/")

    assert fresh_emulator.state.link_status(MCC, new_id) == "ACTIVE"
    rows = stream(
        ads,
        MCC,
        "SELECT customer_client.id, customer_client.level, customer_client.descriptive_name, "
        "customer_client.currency_code, customer_client.manager FROM customer_client "
        "WHERE customer_client.level <= 1",
    )
    by_id = {str(r.customer_client.id): r.customer_client for r in rows}
    assert by_id[MCC].level == 0
    assert by_id[MCC].manager is True
    assert (by_id[new_id].level, by_id[new_id].descriptive_name) == (1, "Nova Loja")
    assert by_id[new_id].currency_code == "BRL"


def test_validate_only_account_creation_creates_nothing(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    before = len(list(fresh_emulator.state.accounts()))

    assert create_account(ads_client_factory(MCC), "Loja Teste", validate_only=True) == ""
    assert len(list(fresh_emulator.state.accounts())) == before


def test_accessible_customers_leave_out_inaccessible_accounts(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    fresh_emulator.reset(scenario({"id": PADARIA, "name": "P", "accessible": False}))
    service = ads_client_factory().get_service("CustomerService")

    names = service.list_accessible_customers().resource_names

    assert list(names) == [f"customers/{MCC}"]


def test_move_manager_link_moves_an_active_client_to_another_manager(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    other = OTHER_MANAGER
    fresh_emulator.reset(
        scenario(
            {"id": PADARIA, "name": "P", "linked_to": [MCC]},
            managers=[{"id": MCC, "name": "A"}, {"id": other, "name": "B"}],
        )
    )
    ads = ads_client_factory(MCC)
    _link_sub_manager(fresh_emulator, ads, other)
    old = fresh_emulator.state.newest_link(MCC, PADARIA)
    assert old is not None

    moved = move(ads, PADARIA, old.manager_link_name, other)

    assert moved.startswith(f"customers/{PADARIA}/customerManagerLinks/{other}~")
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "INACTIVE"
    assert fresh_emulator.state.link_status(other, PADARIA) == "ACTIVE"


def _link_sub_manager(emulator: Emulator, ads: Any, sub_manager: str) -> None:
    invite(ads, MCC, sub_manager)
    emulator.state.respond(sub_manager, MCC, "accept")


def test_validate_only_answer_checks_but_changes_nothing(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    link = invite(ads_client_factory(MCC), MCC, PADARIA)
    client = ads_client_factory(PADARIA)
    request = client.get_type("MutateCustomerManagerLinkRequest")
    request.customer_id = PADARIA
    operation = client.get_type("CustomerManagerLinkOperation")
    operation.update.resource_name = manager_link_of(link)
    operation.update.status = client.enums.ManagerLinkStatusEnum.ACTIVE
    operation.update_mask.paths.append("status")
    request.operations.append(operation)
    request.validate_only = True

    service = client.get_service("CustomerManagerLinkService")
    response = service.mutate_customer_manager_link(request=request)

    assert list(response.results) == []
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "PENDING"
