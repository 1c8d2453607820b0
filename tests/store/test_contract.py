"""The Store contract: every test runs on SQLite and on DynamoDB (the moto server)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from mcclink.domain import (
    CustomerId,
    LastError,
    LinkStatus,
    Operation,
    Outcome,
    utcnow,
)
from mcclink.errors import (
    ClientExists,
    ClientNotFound,
    HistoryEntryExists,
    OnboardingLinkNotFound,
    StoreError,
    VersionConflict,
)
from mcclink.onboarding import OnboardingEvent, OnboardingState
from mcclink.ports import Store
from tests.store.conftest import Backend
from tests.store.records import (
    MCC,
    NOON,
    OTHER_MCC,
    a_client,
    a_link,
    an_entry,
    customer,
    minutes,
    race,
)


def history_of(store: Store, client_n: int = 1, mcc: CustomerId = MCC) -> list[str]:
    """The ids of a client's history entries, newest first."""
    return [entry.id for entry in store.client_history(mcc, customer(client_n))]


# --- create / get ---------------------------------------------------------------------------


def test_created_client_reads_back_equal_with_version_one(store: Store) -> None:
    stored = store.create_client(a_client(version=7))

    assert stored.version == 1
    assert store.get_client(MCC, customer(1)) == stored


def test_create_with_entry_records_the_entry(store: Store) -> None:
    client = a_client()
    entry = an_entry(client, operation=Operation.REGISTER)

    store.create_client(client, entry)

    assert list(store.client_history(MCC, customer(1))) == [entry]


def test_duplicate_create_raises_client_exists_and_writes_nothing(store: Store) -> None:
    first = store.create_client(a_client())
    again = a_client(name="Someone Else")

    with pytest.raises(ClientExists) as caught:
        store.create_client(again, an_entry(again))

    assert (caught.value.mcc, caught.value.customer_id) == (MCC.digits, customer(1).digits)
    assert store.get_client(MCC, customer(1)) == first
    assert history_of(store) == []


def test_missing_client_reads_as_none(store: Store) -> None:
    store.create_client(a_client(1))

    assert store.get_client(MCC, customer(2)) is None
    assert store.get_client(OTHER_MCC, customer(1)) is None


def test_every_field_round_trips(store: Store) -> None:
    client = a_client(
        email="ops@example.com",
        attributes={"segment": "retail", "owner": "ana"},
        status=LinkStatus.PENDING,
        manager_link_id=987654321012,
        link_resource_name="customers/1000000001/customerClientLinks/2000000001~987654321012",
        invited_at=NOON,
        status_changed_at=NOON + minutes(1),
        last_checked_at=NOON + minutes(2),
        last_error=LastError("TOO_MANY_INVITES", "too many", "req-1"),
        pending_operation=Operation.INVITE,
        created_at=NOON - minutes(5),
        updated_at=NOON + minutes(3),
    )
    entry = an_entry(
        client,
        at=NOON,
        operation=Operation.INVITE,
        outcome=Outcome.FAILED,
        status_before=LinkStatus.NOT_LINKED,
        status_after=LinkStatus.PENDING,
        error_code="TOO_MANY_INVITES",
        error_message="too many",
        request_id="req-1",
        actor="cli:ana",
        duration_ms=12.5,
        details={"attempt": "2"},
    )

    stored = store.create_client(client, entry)

    assert store.get_client(MCC, customer(1)) == stored == replace(client, version=1)
    assert list(store.client_history(MCC, customer(1))) == [entry]


@pytest.mark.parametrize("name", ["Padaria São João", "Açaí & Cia", "Ñandú — “Übersee” 東京"])
def test_accented_text_round_trips(store: Store, name: str) -> None:
    client = a_client(name=name, attributes={"cidade": "São Paulo", name: name})
    entry = an_entry(client, error_message=f"não foi possível: {name}", details={"nome": name})

    store.create_client(client, entry)

    assert store.get_client(MCC, customer(1)) == replace(client, version=1)
    assert list(store.client_history(MCC, customer(1))) == [entry]


# --- list -----------------------------------------------------------------------------------


def test_list_returns_only_the_mccs_clients_in_customer_id_order(store: Store) -> None:
    for n in (3, 1, 2):
        store.create_client(a_client(n))
    store.create_client(a_client(4, mcc=OTHER_MCC))

    listed = [c.customer_id for c in store.list_clients(MCC)]

    assert listed == [customer(1), customer(2), customer(3)]
    assert [c.customer_id for c in store.list_clients(OTHER_MCC)] == [customer(4)]


def test_list_by_status_filters_within_the_mcc(store: Store) -> None:
    store.create_client(a_client(1, status=LinkStatus.PENDING))
    store.create_client(a_client(2, status=LinkStatus.APPROVED))
    store.create_client(a_client(3, status=LinkStatus.PENDING))
    store.create_client(a_client(4, mcc=OTHER_MCC, status=LinkStatus.PENDING))

    pending = [c.customer_id for c in store.list_clients(MCC, LinkStatus.PENDING)]

    assert pending == [customer(1), customer(3)]
    assert [c.customer_id for c in store.list_clients(MCC, LinkStatus.REJECTED)] == []


def test_list_by_status_follows_status_changes(store: Store) -> None:
    stored = store.create_client(a_client(1, status=LinkStatus.PENDING))

    store.update_client(stored.evolve(status=LinkStatus.APPROVED))

    assert list(store.list_clients(MCC, LinkStatus.PENDING)) == []
    assert [c.version for c in store.list_clients(MCC, LinkStatus.APPROVED)] == [2]


def test_ten_thousand_clients_list_each_exactly_once_across_pages(backend: Backend) -> None:
    count = 10_000
    backend.load([replace(a_client(n), version=1) for n in range(count)])
    backend.load([replace(a_client(n, mcc=OTHER_MCC), version=1) for n in range(50)])
    started = time.perf_counter()

    listed = [c.customer_id for c in backend.store.list_clients(MCC)]

    print(
        f"\n{backend.name}: listed {len(listed)} clients in {time.perf_counter() - started:.2f} s"
    )
    assert listed == [customer(n) for n in range(count)]
    if backend.name == "dynamodb":
        assert backend.requests["Query"] > 1, "10,000 clients should not fit in one page"


# --- update / delete ------------------------------------------------------------------------


def test_update_bumps_version_and_records_entry(store: Store) -> None:
    stored = store.create_client(a_client())
    changed = stored.evolve(status=LinkStatus.PENDING, invited_at=NOON)
    entry = an_entry(changed, operation=Operation.INVITE)

    updated = store.update_client(changed, entry)

    assert updated == replace(changed, version=2)
    assert store.get_client(MCC, customer(1)) == updated
    assert history_of(store) == [entry.id]


def test_stale_version_raises_conflict_and_writes_nothing(store: Store) -> None:
    stored = store.create_client(a_client())
    winner = store.update_client(stored.evolve(status=LinkStatus.PENDING))
    late = stored.evolve(name="Late Writer")

    with pytest.raises(VersionConflict) as caught:
        store.update_client(late, an_entry(late))

    assert caught.value.expected_version == 1
    assert store.get_client(MCC, customer(1)) == winner
    assert history_of(store) == []


def test_update_of_missing_client_raises_not_found_and_writes_nothing(store: Store) -> None:
    ghost = replace(a_client(), version=1)

    with pytest.raises(ClientNotFound):
        store.update_client(ghost, an_entry(ghost))

    assert store.get_client(MCC, customer(1)) is None
    assert history_of(store) == []


def test_delete_removes_the_client_but_keeps_its_history(store: Store) -> None:
    stored = store.create_client(a_client(), an_entry(a_client(), at=NOON))
    goodbye = an_entry(stored, at=NOON + minutes(1), operation=Operation.ARCHIVE)

    store.delete_client(stored, goodbye)

    assert store.get_client(MCC, customer(1)) is None
    assert list(store.list_clients(MCC)) == []
    assert len(history_of(store)) == 2
    assert history_of(store)[0] == goodbye.id


def test_delete_with_stale_version_raises_conflict_and_keeps_the_client(store: Store) -> None:
    stored = store.create_client(a_client())
    newer = store.update_client(stored.evolve(name="Renamed"))

    with pytest.raises(VersionConflict):
        store.delete_client(stored, an_entry(stored))

    assert store.get_client(MCC, customer(1)) == newer
    assert history_of(store) == []


def test_delete_of_missing_client_raises_not_found(store: Store) -> None:
    with pytest.raises(ClientNotFound):
        store.delete_client(replace(a_client(), version=1))


# --- history --------------------------------------------------------------------------------


def test_append_history_needs_no_client(store: Store) -> None:
    entry = an_entry(a_client(), outcome=Outcome.FAILED, error_code="CUSTOMER_NOT_FOUND")

    store.append_history(entry)

    assert list(store.client_history(MCC, customer(1))) == [entry]
    assert store.get_client(MCC, customer(1)) is None


def test_appending_the_same_entry_twice_records_it_once(store: Store) -> None:
    entry = an_entry(a_client())
    store.append_history(entry)

    store.append_history(entry)

    assert list(store.client_history(MCC, customer(1))) == [entry]


def test_appending_another_entry_under_a_recorded_id_raises_history_entry_exists(
    store: Store,
) -> None:
    entry = an_entry(a_client())
    store.append_history(entry)
    clash = replace(entry, outcome=Outcome.FAILED, error_code="CUSTOMER_NOT_FOUND")

    with pytest.raises(HistoryEntryExists):
        store.append_history(clash)

    assert list(store.client_history(MCC, customer(1))) == [entry]


def test_client_history_is_newest_first_and_honours_limit(store: Store) -> None:
    client = a_client()
    entries = [an_entry(client, at=NOON + minutes(n)) for n in (2, 0, 3, 1)]
    for entry in entries:
        store.append_history(entry)
    store.append_history(an_entry(a_client(2), at=NOON + minutes(9)))
    newest_first = sorted(entries, key=lambda e: e.timestamp, reverse=True)

    assert list(store.client_history(MCC, customer(1))) == newest_first
    assert list(store.client_history(MCC, customer(1), limit=2)) == newest_first[:2]
    assert list(store.client_history(MCC, customer(1), limit=10)) == newest_first


def test_history_between_includes_start_and_excludes_end(store: Store) -> None:
    client = a_client()
    at = {n: an_entry(client, at=NOON + minutes(n)) for n in (-1, 0, 1, 2)}
    for entry in at.values():
        store.append_history(entry)

    between = list(store.history_between(NOON, NOON + minutes(2)))

    assert between == [at[0], at[1]]


def test_history_between_spans_days_oldest_first_and_filters_by_mcc(store: Store) -> None:
    mine, theirs = a_client(1), a_client(2, mcc=OTHER_MCC)
    days = [NOON - minutes(60 * 24 * n) for n in (3, 2, 1, 0)]
    for moment in days:
        store.append_history(an_entry(mine, at=moment))
        store.append_history(an_entry(theirs, at=moment + minutes(1)))
    start, end = days[1] - minutes(1), days[3]

    everything = list(store.history_between(start, end))
    only_mine = list(store.history_between(start, end, MCC))

    assert [e.timestamp for e in everything] == [
        days[1],
        days[1] + minutes(1),
        days[2],
        days[2] + minutes(1),
    ]
    assert [e.timestamp for e in only_mine] == [days[1], days[2]]
    assert {e.mcc_customer_id for e in only_mine} == {MCC}


def test_history_between_an_empty_or_reversed_range_is_empty(store: Store) -> None:
    store.append_history(an_entry(a_client(), at=NOON))

    assert list(store.history_between(NOON, NOON)) == []
    assert list(store.history_between(NOON + minutes(1), NOON - minutes(1))) == []


# --- atomicity and races --------------------------------------------------------------------


def test_interrupted_update_leaves_neither_the_status_change_nor_its_entry(store: Store) -> None:
    stored = store.create_client(a_client())
    recorded = an_entry(stored, at=NOON)
    store.append_history(recorded)
    # The entry collides with one already recorded: the client write comes first in the
    # transaction and must be undone when the entry cannot be written.
    clash = replace(an_entry(stored), id=recorded.id, timestamp=recorded.timestamp)

    with pytest.raises(HistoryEntryExists):
        store.update_client(stored.evolve(status=LinkStatus.PENDING), clash)

    assert store.get_client(MCC, customer(1)) == stored
    assert list(store.client_history(MCC, customer(1))) == [recorded]


def test_interrupted_create_leaves_no_client(store: Store) -> None:
    recorded = an_entry(a_client(), at=NOON)
    store.append_history(recorded)

    with pytest.raises(HistoryEntryExists):
        store.create_client(a_client(), recorded)

    assert store.get_client(MCC, customer(1)) is None
    assert list(store.client_history(MCC, customer(1))) == [recorded]


def test_interrupted_delete_keeps_the_client(store: Store) -> None:
    stored = store.create_client(a_client())
    recorded = an_entry(stored, at=NOON)
    store.append_history(recorded)

    with pytest.raises(StoreError):
        store.delete_client(stored, recorded)

    assert store.get_client(MCC, customer(1)) == stored


def test_racing_writers_on_one_client_one_wins_per_version(backend: Backend) -> None:
    writers, rounds = 4, 8
    start = backend.store.create_client(a_client())
    stores = [backend.reopen() for _ in range(writers)]
    barrier = threading.Barrier(writers)

    with ThreadPoolExecutor(writers) as pool:
        runs = [pool.submit(race, s, start, w, rounds, barrier) for w, s in enumerate(stores)]
        won = {w: run.result() for w, run in enumerate(runs)}

    versions = sorted(v for versions in won.values() for v in versions)
    assert versions == list(range(1, rounds + 1)), "exactly one writer wins each version"
    winner_of = {v: str(w) for w, versions in won.items() for v in versions}
    history = list(backend.store.client_history(MCC, customer(1)))
    assert sorted(int(e.details["from"]) for e in history) == versions
    assert all(winner_of[int(e.details["from"])] == e.details["by"] for e in history)
    final = backend.store.get_client(MCC, customer(1))
    assert final is not None
    assert final.version == rounds + 1
    assert final.attributes == {"by": winner_of[rounds]}


# --- idempotent writes: an answer lost after the write committed ------------------------------


def test_a_registration_whose_answer_was_lost_succeeds_once(backend: Backend) -> None:
    client = a_client()
    entry = an_entry(client, operation=Operation.REGISTER)

    with backend.lose_answer("TransactWriteItems"):
        stored = backend.store.create_client(client, entry)

    assert stored.version == 1
    assert backend.store.get_client(MCC, customer(1)) == stored
    assert list(backend.store.client_history(MCC, customer(1))) == [entry]


def test_a_status_change_whose_answer_was_lost_succeeds_once(backend: Backend) -> None:
    stored = backend.store.create_client(a_client())
    entry = an_entry(stored)

    with backend.lose_answer("TransactWriteItems"):
        changed = backend.store.update_client(stored.evolve(status=LinkStatus.PENDING), entry)

    assert changed.version == 2
    assert backend.store.get_client(MCC, customer(1)) == changed
    assert list(backend.store.client_history(MCC, customer(1))) == [entry]


def test_an_archive_whose_answer_was_lost_succeeds_once(backend: Backend) -> None:
    stored = backend.store.create_client(a_client())
    entry = an_entry(stored, operation=Operation.ARCHIVE)

    with backend.lose_answer("TransactWriteItems"):
        backend.store.delete_client(stored, entry)

    assert backend.store.get_client(MCC, customer(1)) is None
    assert list(backend.store.client_history(MCC, customer(1))) == [entry]


def test_writes_without_an_entry_whose_answer_was_lost_succeed(backend: Backend) -> None:
    with backend.lose_answer("PutItem"):
        stored = backend.store.create_client(a_client())
    with backend.lose_answer("PutItem"):
        marked = backend.store.update_client(stored.evolve(pending_operation=Operation.INVITE))

    assert marked.version == 2
    assert backend.store.get_client(MCC, customer(1)) == marked


def test_an_appended_entry_whose_answer_was_lost_is_recorded_once(backend: Backend) -> None:
    entry = an_entry(a_client(), outcome=Outcome.NOOP)

    with backend.lose_answer("PutItem"):
        backend.store.append_history(entry)

    assert list(backend.store.client_history(MCC, customer(1))) == [entry]


def test_a_real_conflict_is_still_a_conflict_when_its_answer_was_lost(backend: Backend) -> None:
    stale = backend.store.create_client(a_client())
    theirs = an_entry(stale)
    other_writer = backend.reopen()
    other_writer.update_client(stale.evolve(status=LinkStatus.PENDING), theirs)
    ours = an_entry(stale)

    with backend.lose_answer("TransactWriteItems"), pytest.raises(VersionConflict):
        backend.store.update_client(stale.evolve(status=LinkStatus.CANCELLED), ours)

    stored = backend.store.get_client(MCC, customer(1))
    assert stored is not None
    assert (stored.status, stored.version) == (LinkStatus.PENDING, 2)
    assert history_of(backend.store) == [theirs.id]


def test_a_real_duplicate_registration_is_still_refused_when_its_answer_was_lost(
    backend: Backend,
) -> None:
    first = backend.reopen().create_client(a_client(), an_entry(a_client()))
    again = a_client(name="Someone Else")

    with backend.lose_answer("TransactWriteItems"), pytest.raises(ClientExists):
        backend.store.create_client(again, an_entry(again))

    assert backend.store.get_client(MCC, customer(1)) == first
    assert len(history_of(backend.store)) == 1


# --- onboarding links -----------------------------------------------------------------------


def links_of(
    store: Store, mcc: CustomerId = MCC, customer_id: CustomerId | None = None
) -> list[str]:
    """The ids of an MCC's onboarding links as listed (newest first)."""
    return [link.id for link in store.list_onboarding_links(mcc, customer_id)]


def test_a_created_link_reads_back_equal(store: Store) -> None:
    link = a_link()

    assert store.create_onboarding_link(link) == link
    assert store.get_onboarding_link(link.id) == link


def test_every_link_field_round_trips(store: Store) -> None:
    general = a_link(None, at=NOON, revoked_at=NOON + minutes(5), opened=7, signed_in=3, accepted=2)

    store.create_onboarding_link(general)

    assert store.get_onboarding_link(general.id) == general
    assert links_of(store) == [general.id]


def test_an_unknown_link_reads_as_none(store: Store) -> None:
    store.create_onboarding_link(a_link())

    assert store.get_onboarding_link("nosuchlink000000") is None


def test_links_are_listed_newest_first_within_the_mcc(store: Store) -> None:
    links = [a_link(n, at=NOON + minutes(n)) for n in (2, 1, 3)]
    for link in links:
        store.create_onboarding_link(link)
    store.create_onboarding_link(a_link(4, mcc=OTHER_MCC, at=NOON + minutes(9)))

    listed = list(store.list_onboarding_links(MCC))

    assert listed == sorted(links, key=lambda link: link.created_at, reverse=True)
    assert len(links_of(store, OTHER_MCC)) == 1


def test_links_are_filtered_by_customer(store: Store) -> None:
    mine = [a_link(1, at=NOON), a_link(1, at=NOON + minutes(2))]
    for link in [*mine, a_link(2, at=NOON + minutes(1)), a_link(None, at=NOON + minutes(3))]:
        store.create_onboarding_link(link)
    store.create_onboarding_link(a_link(1, mcc=OTHER_MCC, at=NOON))

    assert links_of(store, MCC, customer(1)) == [mine[1].id, mine[0].id]
    assert links_of(store, MCC, customer(3)) == []
    assert len(links_of(store, MCC)) == 4


def test_creating_the_same_link_twice_stores_it_once(store: Store) -> None:
    link = a_link()
    store.create_onboarding_link(link)

    assert store.create_onboarding_link(link) == link

    assert links_of(store) == [link.id]


def test_another_link_under_a_stored_id_is_refused(store: Store) -> None:
    link = store.create_onboarding_link(a_link(1))
    clash = replace(a_link(2), id=link.id)

    with pytest.raises(StoreError, match=link.id):
        store.create_onboarding_link(clash)

    assert store.get_onboarding_link(link.id) == link


def test_revoking_keeps_the_first_time(store: Store) -> None:
    link = store.create_onboarding_link(a_link(at=NOON))

    first = store.revoke_onboarding_link(link.id, NOON + minutes(1))
    again = store.revoke_onboarding_link(link.id, NOON + minutes(2))

    assert first == again == replace(link, revoked_at=NOON + minutes(1))
    assert store.get_onboarding_link(link.id) == first
    assert first.state(NOON + minutes(3)) is OnboardingState.REVOKED


def test_an_unknown_link_cannot_be_revoked_or_counted(store: Store) -> None:
    store.create_onboarding_link(a_link())

    with pytest.raises(OnboardingLinkNotFound) as caught:
        store.revoke_onboarding_link("nosuchlink000000", NOON)
    with pytest.raises(OnboardingLinkNotFound):
        store.count_onboarding_event("nosuchlink000000", OnboardingEvent.OPENED)

    assert caught.value.link_id == "nosuchlink000000"
    assert store.get_onboarding_link("nosuchlink000000") is None


def test_each_event_is_counted_on_its_own(store: Store) -> None:
    link = store.create_onboarding_link(a_link())
    for event, times in zip(OnboardingEvent, (3, 2, 1), strict=True):
        for _ in range(times):
            store.count_onboarding_event(link.id, event)

    counted = store.get_onboarding_link(link.id)

    assert counted == replace(link, opened=3, signed_in=2, accepted=1)


def test_concurrent_counts_from_several_store_objects_all_land(backend: Backend) -> None:
    writers, rounds = 4, 15
    link = backend.store.create_onboarding_link(a_link())
    stores = [backend.reopen() for _ in range(writers)]
    barrier = threading.Barrier(writers)

    def count(store: Store) -> None:
        barrier.wait(timeout=60)
        for _ in range(rounds):
            for event in OnboardingEvent:
                store.count_onboarding_event(link.id, event)

    with ThreadPoolExecutor(writers) as pool:
        for run in [pool.submit(count, s) for s in stores]:
            run.result()

    counted = backend.store.get_onboarding_link(link.id)
    assert counted is not None
    assert [counted.count(e) for e in OnboardingEvent] == [writers * rounds] * 3


def test_a_stored_link_expires_and_revokes_as_its_times_say(store: Store) -> None:
    old = store.create_onboarding_link(a_link(1, at=utcnow() - minutes(60 * 24 * 30)))
    fresh = store.create_onboarding_link(a_link(2))
    revoked = store.create_onboarding_link(a_link(3))
    store.revoke_onboarding_link(revoked.id, utcnow())

    states = {link.id: link.state() for link in store.list_onboarding_links(MCC)}

    assert states == {
        old.id: OnboardingState.EXPIRED,
        fresh.id: OnboardingState.ACTIVE,
        revoked.id: OnboardingState.REVOKED,
    }


def test_a_link_whose_answer_was_lost_is_stored_once(backend: Backend) -> None:
    link = a_link()

    with backend.lose_answer("PutItem"):
        backend.store.create_onboarding_link(link)

    assert backend.store.get_onboarding_link(link.id) == link
    assert links_of(backend.store) == [link.id]


def test_a_revocation_whose_answer_was_lost_keeps_its_time(backend: Backend) -> None:
    link = backend.store.create_onboarding_link(a_link(at=NOON))

    with backend.lose_answer("UpdateItem"):
        revoked = backend.store.revoke_onboarding_link(link.id, NOON + minutes(1))

    assert revoked == replace(link, revoked_at=NOON + minutes(1))
    assert backend.store.get_onboarding_link(link.id) == revoked


# --- check ----------------------------------------------------------------------------------


def test_check_passes_and_leaves_no_trace(store: Store) -> None:
    stored = store.create_client(a_client(), an_entry(a_client(), at=NOON))
    link = store.create_onboarding_link(a_link())

    store.check()

    now = utcnow()
    assert [c.customer_id for c in store.list_clients(MCC)] == [stored.customer_id]
    assert len(history_of(store)) == 1
    assert list(store.history_between(now - minutes(60), now + minutes(60))) == []
    assert links_of(store) == [link.id]
    # The SQLite probe's link is under the probe client's MCC; DynamoDB's is never indexed.
    assert links_of(store, CustomerId("0000000001")) == []
