"""Statistics and alerts computed from the store."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcclink.cli import app
from mcclink.domain import Client, CustomerId, LastError, LinkStatus, utcnow
from mcclink.errors import LinkRefused
from mcclink.onboarding import DEFAULT_EXPIRY, OnboardingEvent, new_link
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from mcclink.stats import OnboardingFunnel, compute
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

    def put(cid: CustomerId, status: LinkStatus, invited_h: float | None, changed_h: float) -> None:
        store.create_client(
            Client(
                cid,
                MCC,
                f"C {cid}",
                status=status,
                invited_at=now - timedelta(hours=invited_h) if invited_h is not None else None,
                status_changed_at=now - timedelta(hours=changed_h),
            )
        )

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
