"""What a monitor cycle imports (#14 item 5): live links only by default, named as Google
names the account; the rest only when asked (``import_all``, ``MCC_IMPORT_ALL_LINKS``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mcclink.config import Settings
from mcclink.domain import CustomerId, LinkStatus, Operation
from mcclink.errors import ConfigurationError, TransientError
from mcclink.ports import AccountInfo, Store
from mcclink.service import GoogleAdsMCCService
from tests.fakes import FakeAds
from tests.unit.conftest import MCC

#: One client per status a link can have at Google, none of them in the store.
AT_GOOGLE = {
    CustomerId.parse("100-000-0001"): LinkStatus.PENDING,
    CustomerId.parse("100-000-0002"): LinkStatus.APPROVED,
    CustomerId.parse("100-000-0003"): LinkStatus.REJECTED,
    CustomerId.parse("100-000-0004"): LinkStatus.CANCELLED,
    CustomerId.parse("100-000-0005"): LinkStatus.UNLINKED,
}
PENDING, ACTIVE = CustomerId.parse("100-000-0001"), CustomerId.parse("100-000-0002")


@pytest.fixture
def ads() -> FakeAds:
    """Google with one link of each status, made outside mcclink; the active one named."""
    fake = FakeAds({c.digits for c in AT_GOOGLE})
    for cid, status in AT_GOOGLE.items():
        fake.send_invitation(MCC, cid)
        fake.advertiser(MCC.digits, cid.digits, status)
    fake.infos[ACTIVE] = AccountInfo(
        ACTIVE, "Padaria Sol", "BRL", "America/Sao_Paulo", False, False, "ENABLED"
    )
    fake.calls.clear()
    return fake


def imported(store: Store) -> dict[CustomerId, tuple[LinkStatus, str]]:
    return {c.customer_id: (c.status, c.name) for c in store.list_clients(MCC)}


def test_a_fresh_store_imports_only_live_links_named_as_google_names_them(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    report = service.sync(MCC)

    assert imported(store) == {
        PENDING: (LinkStatus.PENDING, f"Imported {PENDING}"),
        ACTIVE: (LinkStatus.APPROVED, "Padaria Sol"),
    }
    assert {c.customer_id for c in report.changes if c.imported} == {PENDING, ACTIVE}
    assert [e.operation for e in store.client_history(MCC, ACTIVE)] == [Operation.IMPORT]
    assert ads.calls["hierarchy"] == 1


def test_import_all_imports_the_ended_links_too(service: GoogleAdsMCCService, store: Store) -> None:
    service.sync(MCC, import_all=True)

    assert {cid: status for cid, (status, _) in imported(store).items()} == AT_GOOGLE
    assert imported(store)[ACTIVE][1] == "Padaria Sol"


def test_the_service_setting_imports_the_ended_links_on_every_cycle(
    store: Store, ads: FakeAds
) -> None:
    service = GoogleAdsMCCService(store, ads, actor="test", import_all_links=True)

    service.sync(MCC)

    assert {cid: status for cid, (status, _) in imported(store).items()} == AT_GOOGLE


def test_names_are_not_read_when_no_active_link_is_imported(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    del ads.links[(MCC, ACTIVE)]

    service.sync(MCC)

    assert set(imported(store)) == {PENDING}
    assert ads.calls["hierarchy"] == 0


def test_names_that_cannot_be_read_leave_the_import_to_the_next_cycle(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    ads.failures["hierarchy"] = TransientError("unavailable", code="UNAVAILABLE")

    first = service.sync(MCC)

    assert imported(store) == {}
    assert not first.ok
    assert "their names could not be read" in first.errors[0]
    assert service.sync(MCC).ok
    assert imported(store)[ACTIVE] == (LinkStatus.APPROVED, "Padaria Sol")


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, False), ("1", True), ("yes", True), ("0", False), ("off", False)]
)
def test_mcc_import_all_links_reads_yes_and_no(raw: str | None, expected: bool) -> None:
    environ = {} if raw is None else {"MCC_IMPORT_ALL_LINKS": raw}
    assert Settings.from_env(environ).import_all_links is expected


def test_mcc_import_all_links_refuses_anything_else_naming_the_fix() -> None:
    settings = Settings.from_env({"MCC_IMPORT_ALL_LINKS": "sometimes"})
    with pytest.raises(ConfigurationError, match=r"MCC_IMPORT_ALL_LINKS 'sometimes'.*set it to 1"):
        _ = settings.import_all_links


def test_a_live_link_to_a_sub_manager_is_counted_not_imported(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    ads.infos[ACTIVE] = AccountInfo(
        ACTIVE, "Team Brazil", "BRL", "America/Sao_Paulo", False, True, "ENABLED"
    )

    report = service.sync(MCC)

    assert set(imported(store)) == {PENDING}
    assert report.skipped_managers == 1
    assert report.ok
    assert store.get_client(MCC, ACTIVE) is None


def test_an_imported_client_keeps_hidden_on_the_client_only(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    ads.links[(MCC, ACTIVE)] = replace(ads.links[(MCC, ACTIVE)], hidden=True)

    service.sync(MCC)

    client = store.get_client(MCC, ACTIVE)
    assert client is not None
    assert client.hidden
    assert client.attributes == {"imported_from": "google_ads"}
