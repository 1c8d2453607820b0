"""A monitor cycle imports a link even when Google's account name is one mcclink cannot
store (#14 item 9): the client gets a name of mcclink's own instead."""

from __future__ import annotations

import pytest

from mcclink.domain import CustomerId, LinkStatus
from mcclink.ports import AccountInfo, Store
from mcclink.service import GoogleAdsMCCService
from tests.fakes import FakeAds
from tests.unit.conftest import MCC

ACTIVE = CustomerId.parse("100-000-0002")


@pytest.mark.parametrize(
    "google_name",
    # a control character, too long, blank, and invisible format characters (a bidi override
    # that makes a name read backwards, a zero-width space, a lone joiner)
    ["Padaria\x00Sol", "N" * 300, "   ", "\u202eloS airadaP", "\u200b", "\u200d"],
)
def test_a_name_out_of_bounds_is_replaced_and_the_link_imported(
    store: Store, google_name: str
) -> None:
    ads = FakeAds({ACTIVE.digits})
    ads.send_invitation(MCC, ACTIVE)
    ads.advertiser(MCC.digits, ACTIVE.digits, LinkStatus.APPROVED)
    ads.infos[ACTIVE] = AccountInfo(
        ACTIVE, google_name, "BRL", "America/Sao_Paulo", False, False, "ENABLED"
    )
    service = GoogleAdsMCCService(store, ads, actor="test")

    report = service.sync(MCC)

    assert report.errors == []
    client = store.get_client(MCC, ACTIVE)
    assert client is not None
    assert (client.status, client.name) == (LinkStatus.APPROVED, f"Imported {ACTIVE}")
