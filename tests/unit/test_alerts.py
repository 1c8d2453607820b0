"""Alerts to the agency: each condition, once per condition and UTC day, digest, resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mcclink import alerts, stats
from mcclink.alerts import AlertKind, AlertSettings
from mcclink.bootstrap import Container
from mcclink.config import Secret, WebhookSettings
from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Operation, Outcome
from mcclink.errors import ConfigurationError, MailRejected, StoreUnavailable
from mcclink.mail import Mail
from mcclink.ports import Store
from tests.fixtures.webhook_receiver import Receiver
from tests.unit.conftest import LUA, MCC, SOL

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SETTINGS = AlertSettings(emails=("ops@agency.example", "ana@agency.example"))
SECRET = "a-shared-secret-of-32-characters"


@dataclass
class Outbox:
    """A Mailer that keeps what it is given; ``refuse`` makes it refuse every message."""

    sent: list[Mail] = field(default_factory=list)
    refuse: bool = False

    def send(self, mail: Mail) -> str:
        if self.refuse:
            raise MailRejected(f"the server refused the recipient {mail.to}")
        self.sent.append(mail)
        return mail.message_id

    def close(self) -> None:
        pass


def pending(store: Store, cid: CustomerId, invited_h: float) -> None:
    invited = NOW - timedelta(hours=invited_h)
    store.create_client(
        Client(cid, MCC, f"Client {cid}", status=LinkStatus.PENDING, invited_at=invited)
    )


def entry(operation: Operation, outcome: Outcome, at: datetime, **kwargs: object) -> HistoryEntry:
    return HistoryEntry(SOL, MCC, operation, outcome, timestamp=at, **kwargs)  # type: ignore[arg-type]


def answer(at: datetime, accepted: bool) -> HistoryEntry:
    after = LinkStatus.APPROVED if accepted else LinkStatus.REJECTED
    return entry(
        Operation.SYNC, Outcome.SUCCESS, at, status_before=LinkStatus.PENDING, status_after=after
    )


def kinds(store: Store, now: datetime = NOW, settings: AlertSettings = SETTINGS) -> set[str]:
    return {a.kind.value for a in alerts.evaluate(store, MCC, now, settings)}


def tell(store: Store, mailer: Outbox, now: datetime = NOW, **kw: object) -> alerts.NotifyReport:
    state = alerts.read_state(store, MCC, settings=SETTINGS, now=now)
    return alerts.notify(store, state, mailer=mailer, webhook=None, **kw)  # type: ignore[arg-type]


# -- the conditions ---------------------------------------------------------------------------


def test_an_invitation_pending_past_the_age_is_an_alert_and_a_younger_one_is_not(
    store: Store,
) -> None:
    pending(store, SOL, 49)
    pending(store, LUA, 47)

    found = alerts.evaluate(store, MCC, NOW, SETTINGS)

    assert [a.kind for a in found] == [AlertKind.PENDING_OVERDUE]
    assert found[0].summary == "1 invitation(s) pending for more than 48 h"
    assert found[0].lines[0].startswith("111-222-3333 Client 111-222-3333: invited 2026-11-18")
    assert kinds(store, settings=AlertSettings(pending_age=timedelta(hours=1))) == {
        "pending_overdue"
    }
    assert alerts.evaluate(store, MCC, NOW, AlertSettings(pending_age=timedelta(hours=1)))[
        0
    ].summary.startswith("2 invitation(s) pending for more than 1 h")


def test_the_refusal_rate_counts_only_the_last_answers_of_the_window(store: Store) -> None:
    answers = [False] * 6 + [True] * 4  # six refusals long ago, then four acceptances
    for i, accepted in enumerate(answers):
        store.append_history(answer(NOW - timedelta(days=30 - i), accepted))

    assert "refusal_rate" in kinds(store, settings=AlertSettings(refusal_window=10))
    assert "refusal_rate" not in kinds(store, settings=AlertSettings(refusal_window=5))
    assert "refusal_rate" not in kinds(
        store, settings=AlertSettings(refusal_window=10, refusal_rate=0.6)
    )
    (alert,) = alerts.evaluate(store, MCC, NOW, AlertSettings(refusal_window=10))
    assert alert.summary == (
        "high refusal rate: 6 of the last 10 answer(s) refused (60%; the threshold is 50%)"
    )


def test_permission_errors_and_other_google_failures_of_the_last_day_are_two_alerts(
    store: Store,
) -> None:
    failed = Outcome.FAILED
    store.append_history(
        entry(
            Operation.INVITE, failed, NOW - timedelta(hours=2), error_code="USER_PERMISSION_DENIED"
        )
    )
    store.append_history(
        entry(Operation.SYNC, failed, NOW - timedelta(hours=3), error_code="TRANSIENT")
    )
    store.append_history(
        entry(Operation.SYNC, failed, NOW - timedelta(hours=30), error_code="OLD_ONE")
    )
    # Mail and webhook failures are not Google Ads failures.
    for op in (Operation.ALERT, Operation.REMIND, Operation.WEBHOOK):
        store.append_history(entry(op, failed, NOW - timedelta(hours=1), error_code="MAIL"))

    found = {a.kind: a for a in alerts.evaluate(store, MCC, NOW, SETTINGS)}

    assert set(found) == {AlertKind.PERMISSION_ERRORS, AlertKind.API_FAILURES}
    assert found[AlertKind.PERMISSION_ERRORS].lines == ("USER_PERMISSION_DENIED: 1",)
    assert found[AlertKind.API_FAILURES].lines == ("TRANSIENT: 1",)
    assert kinds(store, NOW + timedelta(days=2)) == set()


def _monitor_runs(store: Store, last: datetime, every: timedelta, count: int = 4) -> None:
    for i in range(count):
        at = last - i * every
        store.append_history(
            HistoryEntry(MCC, MCC, Operation.MONITOR, Outcome.SUCCESS, timestamp=at)
        )


def test_a_monitor_silent_for_two_of_its_intervals_is_an_alert(store: Store) -> None:
    _monitor_runs(store, NOW - timedelta(minutes=25), timedelta(minutes=10))

    (alert,) = alerts.evaluate(store, MCC, NOW, SETTINGS)

    assert alert.kind is AlertKind.MONITOR_STALE
    assert "has not run for 25 min (it ran every 10 min" in alert.summary
    assert kinds(store, NOW - timedelta(minutes=6)) == set()


def test_runs_made_by_hand_seconds_apart_are_not_taken_for_the_interval(store: Store) -> None:
    _monitor_runs(store, NOW - timedelta(minutes=5), timedelta(seconds=5))

    assert kinds(store) == set()


def test_a_receiver_that_failed_its_last_three_deliveries_is_an_alert(store: Store) -> None:
    for minutes in (30, 20, 10):
        store.append_history(
            entry(
                Operation.WEBHOOK,
                Outcome.FAILED,
                NOW - timedelta(minutes=minutes),
                error_message="HTTP 503",
            )
        )
    assert kinds(store) == {"webhook_failing"}

    store.append_history(entry(Operation.WEBHOOK, Outcome.SUCCESS, NOW - timedelta(minutes=5)))
    assert kinds(store) == set()


def test_stats_alerts_are_the_summaries_of_evaluate(store: Store) -> None:
    pending(store, SOL, 49)

    assert stats.alerts(store, MCC, now=NOW) == ["1 invitation(s) pending for more than 48 h"]
    assert stats.compute(store, MCC, now=NOW).alerts == stats.alerts(store, MCC, now=NOW)


# -- settings ---------------------------------------------------------------------------------


def test_settings_read_from_the_environment() -> None:
    settings = AlertSettings.from_env(
        {
            "MCC_ALERT_EMAIL": " ops@agency.example , ana@agency.example ",
            "MCC_ALERT_PENDING_AGE": "3d",
            "MCC_ALERT_REFUSAL_RATE": "0.3",
            "MCC_ALERT_REFUSAL_WINDOW": "20",
        }
    )

    assert settings == AlertSettings(
        ("ops@agency.example", "ana@agency.example"), timedelta(days=3), 0.3, 20
    )
    assert AlertSettings.from_env({}) == AlertSettings()


def test_every_malformed_setting_is_named_in_one_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        AlertSettings.from_env(
            {
                "MCC_ALERT_EMAIL": "ops@agency.example,not-an-address",
                "MCC_ALERT_PENDING_AGE": "two days",
                "MCC_ALERT_REFUSAL_RATE": "50%",
                "MCC_ALERT_REFUSAL_WINDOW": "0",
            }
        )

    problems = caught.value.problems
    assert len(problems) == 4
    assert "MCC_ALERT_EMAIL holds 'not-an-address'" in problems[0]
    assert problems[1].startswith("MCC_ALERT_PENDING_AGE 'two days': invalid duration")
    assert problems[2].startswith("MCC_ALERT_REFUSAL_RATE '50%': expected the share")
    assert problems[3].startswith("MCC_ALERT_REFUSAL_WINDOW '0': expected how many")


# -- telling: once per day, digest, resolved --------------------------------------------------


def test_a_condition_is_mailed_once_per_day_to_each_address(store: Store) -> None:
    pending(store, SOL, 49)
    mailer = Outbox()

    first = tell(store, mailer)
    again = tell(store, mailer, NOW + timedelta(hours=11))
    next_day = tell(store, mailer, NOW + timedelta(hours=13))

    assert [a.kind for a in first.fired] == [AlertKind.PENDING_OVERDUE]
    assert again.fired == []
    assert next_day.fired != []
    assert [m.to for m in mailer.sent] == [*SETTINGS.emails, *SETTINGS.emails]
    assert mailer.sent[0].subject == "[mcclink] MCC 123-456-7890: Invitations pending too long"
    assert "111-222-3333 Client 111-222-3333: invited" in mailer.sent[0].text
    assert "<b>Invitations pending too long</b>" in mailer.sent[0].html


def test_of_two_processes_claiming_the_same_alert_only_one_mails(store: Store) -> None:
    pending(store, SOL, 49)
    # Both read before either claims: the store's claim decides.
    states = [alerts.read_state(store, MCC, settings=SETTINGS, now=NOW) for _ in range(2)]
    mailers = [Outbox(), Outbox()]

    reports = [
        alerts.notify(store, state, mailer=mailer, webhook=None)
        for state, mailer in zip(states, mailers, strict=True)
    ]

    assert [len(r.fired) for r in reports] == [1, 0]
    assert [len(m.sent) for m in mailers] == [2, 0]
    claims = [e for e in store.client_history(MCC, MCC) if e.operation is Operation.ALERT]
    assert len(claims) == 1
    assert claims[0].details["kind"] == "pending_overdue"


def test_several_conditions_at_once_make_one_digest(store: Store) -> None:
    pending(store, SOL, 49)
    store.append_history(
        entry(Operation.SYNC, Outcome.FAILED, NOW - timedelta(hours=1), error_code="TRANSIENT")
    )
    mailer = Outbox()

    tell(store, mailer, agency="Agência <Demo>")

    mail = mailer.sent[0]
    assert len(mailer.sent) == 2  # one per address, each the whole digest
    assert mail.subject == "[mcclink] MCC 123-456-7890: 2 alert(s)"
    assert "Invitations pending too long" in mail.text
    assert "Google Ads API failures" in mail.text
    assert "(Agência &lt;Demo&gt;)" in mail.html
    assert "(Agência <Demo>)" in mail.text


def test_a_cleared_condition_gets_one_resolved_note(store: Store) -> None:
    pending(store, SOL, 49)
    mailer = Outbox()
    tell(store, mailer)
    client = store.get_client(MCC, SOL)
    assert client is not None
    store.update_client(client.evolve(status=LinkStatus.APPROVED))

    cleared = tell(store, mailer, NOW + timedelta(hours=1))
    later = tell(store, mailer, NOW + timedelta(hours=2))

    assert cleared.resolved == [AlertKind.PENDING_OVERDUE]
    assert later.resolved == []
    assert mailer.sent[-1].subject == (
        "[mcclink] MCC 123-456-7890: resolved: Invitations pending too long"
    )
    assert len(mailer.sent) == 4
    state = alerts.read_state(store, MCC, settings=SETTINGS, now=NOW + timedelta(hours=2))
    assert state.alerts == ()
    assert state.notices[AlertKind.PENDING_OVERDUE].resolved_at == NOW + timedelta(hours=1)


def test_a_refused_mail_is_recorded_once_and_not_retried(store: Store) -> None:
    pending(store, SOL, 49)
    mailer = Outbox(refuse=True)

    report = tell(store, mailer)
    again = tell(store, mailer, NOW + timedelta(minutes=10))

    assert len(report.errors) == 2
    assert again.fired == []
    failures = [
        e
        for e in store.client_history(MCC, MCC)
        if e.operation is Operation.ALERT and e.outcome is Outcome.FAILED
    ]
    assert [f.error_code for f in failures] == ["MailRejected", "MailRejected"]
    assert failures[0].details["kinds"] == "pending_overdue"
    # Its own failures never raise an alert about Google Ads.
    assert "api_failures" not in kinds(store, NOW + timedelta(minutes=10))


def test_each_alert_and_resolution_is_a_signed_webhook_event(store: Store) -> None:
    receiver = Receiver(secret=SECRET).start()
    try:
        webhook = WebhookSettings(receiver.url, Secret(SECRET))
        pending(store, SOL, 49)
        state = alerts.read_state(store, MCC, settings=AlertSettings(), now=NOW)
        alerts.notify(store, state, mailer=None, webhook=webhook)
        client = store.get_client(MCC, SOL)
        assert client is not None
        store.update_client(client.evolve(status=LinkStatus.APPROVED))
        later = alerts.read_state(
            store, MCC, settings=AlertSettings(), now=NOW + timedelta(hours=1)
        )
        alerts.notify(store, later, mailer=None, webhook=webhook)
    finally:
        receiver.stop()

    events = [r.headers["X-Mcclink-Event"] for r in receiver.received]
    assert events == ["alert.pending_overdue", "alert.resolved"]
    assert all(r.answered == 200 and r.verified_with(SECRET) for r in receiver.received)
    fired, resolved = (r.json for r in receiver.received)
    assert fired["alert"]["summary"] == "1 invitation(s) pending for more than 48 h"
    assert fired["mcc_customer_id"] == MCC.digits
    assert resolved["resolved"] == {
        "kind": "pending_overdue",
        "title": "Invitations pending too long",
    }


def test_run_tells_nobody_and_writes_nothing_without_an_address_or_a_receiver(
    tmp_path: Path,
) -> None:
    store_url = f"sqlite:///{tmp_path / 'm.db'}"
    container = Container(store_url=store_url, environ={"MCC_CUSTOMER_ID": MCC.digits})
    pending(container.store, SOL, 49)
    try:
        assert alerts.run(container, now=NOW) is None
        assert list(container.store.client_history(MCC, MCC)) == []
    finally:
        container.close()


def test_a_claim_the_store_fails_to_write_is_skipped_and_the_others_still_go_out(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending(store, SOL, 49)
    store.append_history(
        entry(Operation.SYNC, Outcome.FAILED, NOW - timedelta(hours=1), error_code="TRANSIENT")
    )
    write = store.append_history

    def flaky(written: HistoryEntry) -> None:
        if written.details.get("kind") == "pending_overdue":
            raise StoreUnavailable("database is locked")
        write(written)

    monkeypatch.setattr(store, "append_history", flaky)
    mailer = Outbox()
    report = tell(store, mailer)
    monkeypatch.setattr(store, "append_history", write)
    retried = tell(store, mailer, NOW + timedelta(minutes=10))

    assert [a.kind for a in report.fired] == [AlertKind.API_FAILURES]
    assert report.errors == ["store: pending_overdue not claimed: database is locked"]
    assert mailer.sent[0].subject == "[mcclink] MCC 123-456-7890: Google Ads API failures"
    assert [a.kind for a in retried.fired] == [AlertKind.PENDING_OVERDUE]
