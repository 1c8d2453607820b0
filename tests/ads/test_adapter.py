"""Every ``GoogleAdsClientService`` operation, over gRPC/TLS against the emulator."""

from __future__ import annotations

import dataclasses

from mcclink.ads import GoogleAdsClientService
from mcclink.domain import CustomerId, LinkStatus
from mcclink.emulator import Emulator
from tests.ads.conftest import ACAI, INVITED, LINKED, MCC, PADARIA, PRIVATE, MakeAds

LINK_NAME = "customers/{m}/customerClientLinks/{c}~{id}"


def test_invitation_creates_a_pending_link_with_its_id_and_request_id(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    change = ads.send_invitation(MCC, PADARIA)

    link = change.link
    assert (link.manager, link.client, link.status) == (MCC, PADARIA, LinkStatus.PENDING)
    assert link.manager_link_id > 0
    assert link.resource_name == LINK_NAME.format(
        m=MCC.digits, c=PADARIA.digits, id=link.manager_link_id
    )
    assert change.already is False
    assert change.request_id
    assert emu.state.invitations_sent(PADARIA.digits, MCC.digits) == 1
    assert emu.state.link_status(MCC.digits, PADARIA.digits) == "PENDING"


def test_list_links_reads_every_link_in_one_search_stream(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    sent = ads.send_invitation(MCC, PADARIA).link
    calls_before = emu.state.calls["SearchStream"]

    listing = ads.list_links(MCC)

    by_client = {link.client: link for link in listing.links}
    assert by_client[PADARIA] == sent
    assert by_client[LINKED].status is LinkStatus.APPROVED
    assert by_client[INVITED].status is LinkStatus.PENDING
    assert listing.request_id
    assert emu.state.calls["SearchStream"] == calls_before + 1


def test_get_link_returns_the_newest_link_or_none(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    first = ads.send_invitation(MCC, PADARIA).link
    emu.state.respond(PADARIA.digits, MCC.digits, "refuse")
    second = ads.send_invitation(MCC, PADARIA).link

    assert second.manager_link_id > first.manager_link_id
    assert ads.get_link(MCC, PADARIA) == second
    assert ads.get_link(MCC, ACAI) is None


def test_cancel_invitation_leaves_the_link_canceled(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    link = ads.send_invitation(MCC, PADARIA).link

    change = ads.cancel_invitation(MCC, link)

    assert change.link == dataclasses.replace(link, status=LinkStatus.CANCELLED)
    assert change.request_id
    assert emu.state.link_status(MCC.digits, PADARIA.digits) == "CANCELED"


def test_client_accepts_then_manager_ends_the_link(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    link = ads.send_invitation(MCC, PADARIA).link

    accepted = ads.respond_as_client(link, accept=True)
    ended = ads.end_link(MCC, accepted.link)

    assert accepted.link.status is LinkStatus.APPROVED
    assert accepted.request_id
    assert ended.link.status is LinkStatus.UNLINKED
    assert emu.state.link_status(MCC.digits, PADARIA.digits) == "INACTIVE"


def test_client_refuses_an_invitation(ads: GoogleAdsClientService, emu: Emulator) -> None:
    link = ads.send_invitation(MCC, PADARIA).link

    refused = ads.respond_as_client(link, accept=False)

    assert refused.link.status is LinkStatus.REJECTED
    assert emu.state.link_status(MCC.digits, PADARIA.digits) == "REFUSED"


def test_validate_only_invitation_changes_nothing(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    change = ads.send_invitation(MCC, PADARIA, validate_only=True)

    assert (change.link.manager_link_id, change.link.resource_name) == (0, "")
    assert change.request_id
    assert emu.state.link_status(MCC.digits, PADARIA.digits) is None
    assert ads.get_link(MCC, PADARIA) is None


def test_created_account_appears_in_the_hierarchy(ads: GoogleAdsClientService) -> None:
    account = ads.create_client_account(
        MCC,
        "Sorveteria",
        "BRL",
        "America/Sao_Paulo",
        tracking_url_template="{lpurl}?src=ads",
        email="dono@sorveteria.example",
    )

    nodes = {node.customer_id: node for node in ads.hierarchy(MCC)}
    assert account.resource_name == f"customers/{account.customer_id.digits}"
    assert account.request_id
    assert nodes[account.customer_id].name == "Sorveteria"
    assert nodes[account.customer_id].level == 1
    assert nodes[account.customer_id].currency_code == "BRL"
    assert nodes[MCC].level == 0
    assert nodes[MCC].manager is True


def test_validate_only_account_creation_creates_nothing(ads: GoogleAdsClientService) -> None:
    before = ads.hierarchy(MCC)

    account = ads.create_client_account(MCC, "Nada", "BRL", "America/Sao_Paulo", validate_only=True)

    assert account.resource_name == ""
    assert account.customer_id == CustomerId("0000000000")
    assert ads.hierarchy(MCC) == before


def test_hierarchy_lists_the_manager_and_its_active_clients_only(
    ads: GoogleAdsClientService,
) -> None:
    levels = {node.customer_id: node.level for node in ads.hierarchy(MCC)}

    assert levels == {MCC: 0, LINKED: 1}


def test_accessible_customers_leave_out_accounts_the_user_cannot_open(
    ads: GoogleAdsClientService,
) -> None:
    accessible = ads.list_accessible_customers()

    assert {MCC, PADARIA} <= set(accessible)
    assert PRIVATE not in accessible


def test_missing_developer_token_is_accepted(make_ads: MakeAds) -> None:
    change = make_ads(developer_token=None).send_invitation(MCC, ACAI)

    assert change.link.status is LinkStatus.PENDING


def test_stats_count_one_call_per_request_when_nothing_fails(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    for _ in range(3):
        ads.list_links(MCC)
    ads.send_invitation(MCC, PADARIA)

    assert emu.state.calls["SearchStream"] == 3
    assert (ads.stats.calls, ads.stats.retries, ads.stats.waited) == (4, 0, 0.0)
