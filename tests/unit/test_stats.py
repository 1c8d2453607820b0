"""Statistics and alerts computed from the store."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from mcclink.domain import Client, CustomerId, LastError, LinkStatus, utcnow
from mcclink.errors import LinkRefused
from mcclink.service import GoogleAdsMCCService, Registration
from mcclink.stats import compute
from mcclink.store import open_store
from tests.fakes import FakeAds

MCC = CustomerId.parse("123-456-7890")


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
