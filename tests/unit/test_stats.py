"""Statistics and alerts computed from the store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcclink.cli import app
from mcclink.domain import (
    Client,
    CustomerId,
    HistoryEntry,
    LastError,
    LinkStatus,
    Operation,
    Outcome,
    utcnow,
)
from mcclink.errors import LinkRefused
from mcclink.onboarding import DEFAULT_EXPIRY, OnboardingEvent, OnboardingFunnel, new_link
from mcclink.outcomes import InvitationOutcomes
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from mcclink.stats import compute
from mcclink.store import open_store
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL

OPENED, SIGNED_IN, ACCEPTED = (
    OnboardingEvent.OPENED,
    OnboardingEvent.SIGNED_IN,
    OnboardingEvent.ACCEPTED,
)


def test_rates_times_stale_invitations_errors_and_alerts(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}", {})
    now = utcnow()
    ids = [CustomerId(f"111222333{i}") for i in range(5)]

    def put(cid: CustomerId, status: LinkStatus, invited_h: float, changed_h: float) -> None:
        invited, changed = now - timedelta(hours=invited_h), now - timedelta(hours=changed_h)
        store.create_client(
            Client(
                cid, MCC, f"C {cid}", status=status, invited_at=invited, status_changed_at=changed
            )
        )
        store.append_history(_change(cid, LinkStatus.NOT_LINKED, LinkStatus.PENDING, invited))
        if status is not LinkStatus.PENDING:
            store.append_history(_change(cid, LinkStatus.PENDING, status, changed))

    put(ids[0], LinkStatus.APPROVED, 10, 8)  # accepted after 2 h
    put(ids[1], LinkStatus.APPROVED, 10, 6)  # accepted after 4 h
    put(ids[2], LinkStatus.REJECTED, 10, 9)
    put(ids[3], LinkStatus.PENDING, 50, 50)  # stale, and past the 48 h alert
    put(ids[4], LinkStatus.PENDING, 1, 1)
    ads = FakeAds()
    ads.fail_next = LinkRefused("too many", code="CLIENT_HAS_TOO_MANY_MANAGERS")
    service = GoogleAdsMCCService(store, ads)
    extra = CustomerId.parse("999-888-7777")
    service.register(MCC, Registration(extra, "Falha"))
    with pytest.raises(LinkRefused):
        service.invite(MCC, extra)

    stats = compute(store, MCC, pending_age=timedelta(hours=24), now=utcnow())

    assert stats.total == 6
    assert stats.by_status["APPROVED"] == 2
    assert stats.acceptance_rate is not None
    assert round(stats.acceptance_rate, 3) == round(2 / 3, 3)
    assert stats.mean_time_to_acceptance == timedelta(hours=3)
    assert stats.pending == 2
    assert stats.stale_pending == [ids[3].digits]
    assert stats.errors_by_code == {"CLIENT_HAS_TOO_MANY_MANAGERS": 1}
    assert any("48 h" in a for a in stats.alerts)
    assert stats.to_dict()["mean_time_to_acceptance_s"] == 3 * 3600
    assert service.get(MCC, extra).last_error == LastError(
        "CLIENT_HAS_TOO_MANY_MANAGERS", "too many", None
    )
    store.close()


def _change(
    cid: CustomerId, before: LinkStatus | None, after: LinkStatus, at: datetime
) -> HistoryEntry:
    """A status change recorded by the monitor at ``at``."""
    return HistoryEntry(cid, MCC, Operation.SYNC, Outcome.SUCCESS, before, after, timestamp=at)


# -- invitation outcomes come from history, not from the statuses clients have now -------------


def test_an_acceptance_later_unlinked_still_counts_one_refusal_one_accept_is_50_percent(
    service: GoogleAdsMCCService, store: Store
) -> None:
    for cid, name in ((SOL, "Padaria Sol"), (LUA, "Lua Café")):
        service.register(MCC, Registration(cid, name), invite=True)
    service.respond(MCC, SOL, accept=True)
    service.unlink(MCC, SOL)
    service.respond(MCC, LUA, accept=False)

    stats = compute(store, MCC)

    assert stats.by_status["UNLINKED"] == 1
    assert stats.acceptance_rate == 0.5
    assert stats.mean_time_to_acceptance is not None
    assert not any("refusal" in alert for alert in stats.alerts)
    assert stats.to_dict()["acceptance_rate"] == 0.5


def test_a_refusal_then_an_accepted_new_invitation_counts_one_of_each(
    service: GoogleAdsMCCService, store: Store
) -> None:
    service.register(MCC, Registration(SOL, "Padaria Sol"), invite=True)
    service.respond(MCC, SOL, accept=False)
    service.invite(MCC, SOL)
    service.respond(MCC, SOL, accept=True)

    assert compute(store, MCC).acceptance_rate == 0.5


def test_answers_the_monitor_saw_at_google_count_even_when_it_missed_the_acceptance(
    service: GoogleAdsMCCService, ads: FakeAds, store: Store
) -> None:
    for cid, name in ((SOL, "Padaria Sol"), (LUA, "Lua Café")):
        service.register(MCC, Registration(cid, name), invite=True)
    # Sol accepted and ended the link between two cycles; Lua refused.
    ads.advertiser(MCC.dashed, SOL.dashed, LinkStatus.UNLINKED)
    ads.advertiser(MCC.dashed, LUA.dashed, LinkStatus.REJECTED)
    service.sync(MCC)

    stats = compute(store, MCC)

    assert (stats.by_status["UNLINKED"], stats.by_status["REJECTED"]) == (1, 1)
    assert stats.acceptance_rate == 0.5
    assert stats.mean_time_to_acceptance is None  # when Sol accepted is not known


def test_high_refusal_rate_alert_counts_answers_from_history(
    service: GoogleAdsMCCService, store: Store
) -> None:
    for cid, name in ((SOL, "Padaria Sol"), (LUA, "Lua Café")):
        service.register(MCC, Registration(cid, name), invite=True)
        service.respond(MCC, cid, accept=False)
    service.invite(MCC, SOL)
    service.respond(MCC, SOL, accept=True)
    service.unlink(MCC, SOL)

    stats = compute(store, MCC)

    assert stats.acceptance_rate == 1 / 3
    assert any(
        a.startswith("high refusal rate: 2 of the last 3 answer(s) refused (67%")
        for a in stats.alerts
    )


def test_outcomes_time_each_acceptance_from_its_own_invitation_and_skip_the_never_invited() -> None:
    t0 = utcnow() - timedelta(days=10)
    hours = [t0 + timedelta(hours=h) for h in range(100)]
    other = CustomerId.parse("777-888-9999")
    created = HistoryEntry(
        other, MCC, Operation.CREATE_ACCOUNT, Outcome.SUCCESS, None, LinkStatus.APPROVED
    )
    history = [
        _change(SOL, LinkStatus.NOT_LINKED, LinkStatus.PENDING, hours[0]),
        _change(SOL, LinkStatus.PENDING, LinkStatus.REJECTED, hours[5]),
        _change(SOL, LinkStatus.REJECTED, LinkStatus.PENDING, hours[20]),
        _change(SOL, LinkStatus.PENDING, LinkStatus.APPROVED, hours[26]),  # 6 h after
        _change(SOL, LinkStatus.APPROVED, LinkStatus.UNLINKED, hours[40]),
        _change(LUA, None, LinkStatus.PENDING, hours[50]),
        _change(LUA, LinkStatus.PENDING, LinkStatus.CANCELLED, hours[51]),  # not an answer
        _change(LUA, LinkStatus.CANCELLED, LinkStatus.PENDING, hours[60]),
        _change(LUA, LinkStatus.PENDING, LinkStatus.APPROVED, hours[62]),  # 2 h after
        created,
        _change(other, LinkStatus.APPROVED, LinkStatus.UNLINKED, hours[90]),
    ]

    outcomes = InvitationOutcomes.of(history)

    assert (outcomes.accepted, outcomes.refused) == (2, 1)
    assert outcomes.waits == (timedelta(hours=6), timedelta(hours=2))
    assert outcomes.mean_time_to_acceptance == timedelta(hours=4)
    assert outcomes.acceptance_rate == 2 / 3
    assert InvitationOutcomes.of([]).acceptance_rate is None
    assert InvitationOutcomes.of([created]).mean_time_to_acceptance is None


def test_the_onboarding_funnel_sums_the_mccs_links_counts(store: Store) -> None:
    other_mcc = CustomerId.parse("987-654-3210")
    general, _ = new_link(MCC, None, DEFAULT_EXPIRY, "test")
    for_sol, _ = new_link(MCC, SOL, DEFAULT_EXPIRY, "test")
    revoked, _ = new_link(MCC, LUA, DEFAULT_EXPIRY, "test")
    elsewhere, _ = new_link(other_mcc, SOL, DEFAULT_EXPIRY, "test")
    for link in (general, for_sol, revoked, elsewhere):
        store.create_onboarding_link(link)
    store.revoke_onboarding_link(revoked.id, utcnow())
    steps = {
        general.id: [OPENED, OPENED, OPENED, SIGNED_IN, SIGNED_IN, ACCEPTED, ACCEPTED, ACCEPTED],
        for_sol.id: [OPENED],
        revoked.id: [OPENED, SIGNED_IN],
        elsewhere.id: [OPENED, SIGNED_IN, ACCEPTED],
    }
    for link_id, events in steps.items():
        for event in events:
            store.count_onboarding_event(link_id, event)

    stats = compute(store, MCC)

    assert stats.onboarding == OnboardingFunnel(links_created=3, opened=5, signed_in=3, accepted=3)
    assert stats.to_dict()["onboarding"] == {
        "links_created": 3,
        "opened": 5,
        "signed_in": 3,
        "accepted": 3,
    }


def test_an_mcc_without_onboarding_links_has_an_empty_funnel(store: Store) -> None:
    assert compute(store, MCC).to_dict()["onboarding"] == {
        "links_created": 0,
        "opened": 0,
        "signed_in": 0,
        "accepted": 0,
    }


def test_mcclink_stats_prints_the_funnel_in_its_table_and_its_json(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link, _ = new_link(MCC, SOL, DEFAULT_EXPIRY, "test")
    store.create_onboarding_link(link)
    store.count_onboarding_event(link.id, OPENED)
    monkeypatch.setenv("MCC_STORE", f"sqlite:///{tmp_path / 'mcclink.db'}")
    monkeypatch.setenv("MCC_CUSTOMER_ID", MCC.dashed)
    runner = CliRunner()

    table = runner.invoke(app, ["stats"], catch_exceptions=False)
    as_json = runner.invoke(app, ["stats", "--json"], catch_exceptions=False)

    assert "onboarding: 1 link(s), opened 1, signed in 0, accepted 0" in table.stdout
    assert json.loads(as_json.stdout)["onboarding"] == {
        "links_created": 1,
        "opened": 1,
        "signed_in": 0,
        "accepted": 0,
    }
