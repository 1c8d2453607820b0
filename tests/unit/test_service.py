"""GoogleAdsMCCService's rules, on a fake Google Ads and a real SQLite store in a temp dir."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome, utcnow
from mcclink.errors import (
    AccountNotFound,
    ClientExists,
    InvalidTransition,
    TransientError,
    VersionConflict,
)
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL

GHOST = CustomerId.parse("999-999-9999")


class Crash(BaseException):
    """Stands for the process dying (not an Exception, so nothing catches it)."""


def register(service: GoogleAdsMCCService, cid: CustomerId, invite: bool = False) -> None:
    service.register(MCC, Registration(cid, f"Cliente {cid}"), invite=invite)


def operations(store: Store, cid: CustomerId) -> list[tuple[Operation, Outcome]]:
    return [(e.operation, e.outcome) for e in reversed(list(store.client_history(MCC, cid)))]


def test_register_stores_not_linked_with_its_history(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL)
    client = service.get(MCC, SOL)
    assert client.status is LinkStatus.NOT_LINKED
    assert operations(store, SOL) == [(Operation.REGISTER, Outcome.SUCCESS)]
    assert ads.calls.total() == 0


def test_register_twice_raises_and_changes_nothing(
    service: GoogleAdsMCCService, store: Store
) -> None:
    register(service, SOL)
    with pytest.raises(ClientExists):
        register(service, SOL)
    assert len(operations(store, SOL)) == 1


def test_register_with_invite_records_the_pending_link(
    service: GoogleAdsMCCService, store: Store
) -> None:
    register(service, SOL, invite=True)
    client = service.get(MCC, SOL)
    assert client.status is LinkStatus.PENDING
    assert client.manager_link_id is not None
    assert client.invited_at is not None
    assert client.pending_operation is None
    history = list(store.client_history(MCC, SOL))
    assert history[0].operation is Operation.INVITE
    assert history[0].status_before is LinkStatus.NOT_LINKED
    assert history[0].request_id
    assert history[0].request_id.startswith("req-")


def test_failed_invitation_keeps_status_and_records_the_error(
    service: GoogleAdsMCCService, store: Store
) -> None:
    service.register(MCC, Registration(GHOST, "Fantasma"))
    with pytest.raises(AccountNotFound):
        service.invite(MCC, GHOST)
    client = service.get(MCC, GHOST)
    assert client.status is LinkStatus.NOT_LINKED
    assert client.last_error is not None
    assert client.last_error.code == "CUSTOMER_NOT_FOUND"
    assert client.pending_operation is None
    failed = next(iter(store.client_history(MCC, GHOST)))
    assert (failed.outcome, failed.error_code) == (Outcome.FAILED, "CUSTOMER_NOT_FOUND")
    assert failed.request_id is not None


def test_inviting_a_pending_client_is_a_noop_and_sends_nothing(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=True)
    service.invite(MCC, SOL)
    assert ads.invitations[SOL] == 1
    assert operations(store, SOL)[-1] == (Operation.INVITE, Outcome.NOOP)


def test_crash_after_google_answered_is_recovered_without_a_second_invitation(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL)

    def die() -> None:
        raise Crash

    ads.after_change = die
    with pytest.raises(Crash):
        service.invite(MCC, SOL)
    ads.after_change = None
    assert service.get(MCC, SOL).pending_operation is Operation.INVITE
    ads.advertiser(MCC.digits, SOL.digits, LinkStatus.REJECTED)  # refused while we were down

    client = service.invite(MCC, SOL)

    assert ads.invitations[SOL] == 1
    assert client.status is LinkStatus.REJECTED
    assert client.pending_operation is None
    last = next(iter(store.client_history(MCC, SOL)))
    assert "recovered" in last.details["note"]


def test_transient_failure_keeps_the_write_ahead_mark(
    service: GoogleAdsMCCService, ads: FakeAds
) -> None:
    register(service, SOL)
    ads.fail_next = TransientError("unavailable", code="UNAVAILABLE")
    with pytest.raises(TransientError):
        service.invite(MCC, SOL)
    client = service.get(MCC, SOL)
    assert client.pending_operation is Operation.INVITE
    assert client.last_error is not None
    assert service.invite(MCC, SOL).status is LinkStatus.PENDING
    assert ads.invitations[SOL] == 1


def test_cancel_needs_a_pending_link_and_changes_nothing_otherwise(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL)
    with pytest.raises(InvalidTransition, match="NOT_LINKED"):
        service.cancel(MCC, SOL)
    assert ads.calls.total() == 0
    service.invite(MCC, SOL)
    assert service.cancel(MCC, SOL).status is LinkStatus.CANCELLED


def test_reinvite_after_refusal_creates_a_new_link(
    service: GoogleAdsMCCService, ads: FakeAds
) -> None:
    register(service, SOL, invite=True)
    first = service.respond(MCC, SOL, accept=False)
    assert first.status is LinkStatus.REJECTED
    second = service.invite(MCC, SOL)
    assert second.status is LinkStatus.PENDING
    assert second.manager_link_id != first.manager_link_id
    assert ads.invitations[SOL] == 2


def test_accept_then_unlink(service: GoogleAdsMCCService) -> None:
    register(service, SOL, invite=True)
    assert service.respond(MCC, SOL, accept=True).status is LinkStatus.APPROVED
    assert service.unlink(MCC, SOL).status is LinkStatus.UNLINKED


def test_create_account_registers_it_linked(service: GoogleAdsMCCService, store: Store) -> None:
    client = service.create_account(MCC, "Loja Nova", "brl", "America/Sao_Paulo")
    assert client.status is LinkStatus.APPROVED
    assert client.manager_link_id is not None
    assert client.attributes["currency_code"] == "BRL"
    assert operations(store, client.customer_id) == [(Operation.CREATE_ACCOUNT, Outcome.SUCCESS)]


def test_a_conflicting_writer_is_absorbed_by_a_fresh_read(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL)

    def other_writer() -> None:
        stored = store.get_client(MCC, SOL)
        assert stored is not None
        store.update_client(stored.evolve(email="outro@example.com"))

    ads.after_change = other_writer
    client = service.invite(MCC, SOL)
    assert client.status is LinkStatus.PENDING
    assert client.email == "outro@example.com"
    assert operations(store, SOL).count((Operation.INVITE, Outcome.SUCCESS)) == 1


def test_sync_writes_only_what_changed(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=True)
    register(service, LUA, invite=True)
    ads.advertiser(MCC.digits, SOL.digits, LinkStatus.APPROVED)

    report = service.sync(MCC)

    assert [(c.customer_id, c.status_after) for c in report.changes] == [(SOL, LinkStatus.APPROVED)]
    assert report.counts[LinkStatus.APPROVED] == 1
    assert report.counts[LinkStatus.PENDING] == 1
    assert ads.calls["list_links"] == 1
    before = list(store.history_between(service.get(MCC, SOL).created_at, _later(), MCC))
    again = service.sync(MCC)
    after = list(store.history_between(service.get(MCC, SOL).created_at, _later(), MCC))
    assert again.changes == []
    # Nothing changed: the only new entry is the cycle's own MONITOR record, under the MCC.
    assert [(e.customer_id, e.operation) for e in after[len(before) :]] == [
        (MCC, Operation.MONITOR)
    ]


def test_sync_imports_unknown_links_and_resets_vanished_ones(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    register(service, SOL, invite=True)
    other = GoogleAdsMCCService(store, ads)
    ads.send_invitation(MCC, LUA)  # sent outside mcclink
    del ads.links[(MCC, SOL)]  # vanished at Google

    report = other.sync(MCC)

    imported = service.get(MCC, LUA)
    assert imported.status is LinkStatus.PENDING
    assert operations(store, LUA) == [(Operation.IMPORT, Outcome.SUCCESS)]
    assert service.get(MCC, SOL).status is LinkStatus.NOT_LINKED
    assert {c.customer_id: c.imported for c in report.changes} == {LUA: True, SOL: False}


def test_sync_flags_invitations_pending_too_long(service: GoogleAdsMCCService) -> None:
    register(service, SOL, invite=True)
    assert service.sync(MCC, pending_age=timedelta(hours=24)).stale_pending == []
    stale = service.sync(MCC, pending_age=timedelta(0)).stale_pending
    assert [c.customer_id for c in stale] == [SOL]


def test_sync_failure_is_recorded_under_the_mcc(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    ads.fail_next = TransientError("unavailable", code="UNAVAILABLE", request_id="r-9")
    with pytest.raises(TransientError):
        service.sync(MCC)
    entry = next(iter(store.client_history(MCC, MCC)))
    assert (entry.operation, entry.outcome, entry.request_id) == (
        Operation.MONITOR,
        Outcome.FAILED,
        "r-9",
    )


def _later() -> datetime:
    return utcnow() + timedelta(seconds=5)


def test_a_mark_whose_answer_was_lost_is_read_again_not_failed(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(service, SOL)
    real_update = store.update_client
    lost: list[Client] = []

    def update_then_lose_the_answer(client: Client, entry: HistoryEntry | None = None) -> Client:
        written = real_update(client, entry)
        if not lost:  # the write landed, the answer did not: a retry sees a newer version
            lost.append(written)
            raise VersionConflict(MCC.digits, SOL.digits, client.version)
        return written

    monkeypatch.setattr(store, "update_client", update_then_lose_the_answer)
    client = service.invite(MCC, SOL)
    assert lost
    assert client.status is LinkStatus.PENDING
    assert ads.invitations[SOL] == 1
