"""An archived client on each store (#14 item 4): gone from every listing, its history kept,
and never imported again by the monitor, which reads that history to know it."""

from __future__ import annotations

from mcclink.domain import CustomerId, LinkStatus, Operation
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from tests.fakes import FakeAds

MCC, SOL, LUA = (CustomerId.parse(x) for x in ("123-456-7890", "111-222-3333", "444-555-6666"))


def test_an_archived_client_stays_archived_through_monitor_cycles(store: Store) -> None:
    ads = FakeAds({SOL.digits, LUA.digits})
    service = GoogleAdsMCCService(store, ads, actor="test")
    service.register(MCC, Registration(SOL, "Sol"), invite=True)
    service.register(MCC, Registration(LUA, "Lua"), invite=True)
    service.respond(MCC, LUA, accept=True)

    service.archive(MCC, SOL, LUA, cancel_link=True)
    ads.send_invitation(MCC, SOL)  # invited again, outside mcclink
    report = service.sync(MCC, import_all=True)

    assert report.ok
    assert report.changes == []
    assert list(store.list_clients(MCC)) == []
    assert list(store.list_clients(MCC, LinkStatus.PENDING)) == []
    assert [e.operation for e in store.client_history(MCC, LUA)][:2] == [
        Operation.ARCHIVE,
        Operation.UNLINK,
    ]
    service.register(MCC, Registration(SOL, "Sol de novo"))
    assert service.sync(MCC).changes[0].status_after is LinkStatus.PENDING
    assert service.get(MCC, SOL).name == "Sol de novo"
