"""Webhooks: signing, the payload, the retry schedule, and which changes a pass delivers.

Passes run over a real SQLite store with a fake clock (``now``); the receiver is a fake
``_post`` that answers as scripted and keeps what it was sent (the HTTP side is in
``tests/e2e/test_webhooks.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcclink import webhooks
from mcclink.cli import app
from mcclink.config import Secret, Settings, WebhookSettings
from mcclink.domain import CustomerId, HistoryEntry, LinkStatus, Operation, Outcome, utcnow
from mcclink.errors import ConfigurationError, LinkRefused
from mcclink.onboard_service import OnboardingService
from mcclink.onboarding import DEFAULT_EXPIRY, new_link
from mcclink.ports import AccountInfo, Store
from mcclink.serialization import client_to_dict, history_to_dict
from mcclink.service import GoogleAdsMCCService, Registration
from mcclink.stats import compute
from mcclink.web.background import WebhookWorker
from mcclink.webhooks import (
    DeliveryReport,
    backoff,
    deliver_pending,
    delivery_problems,
    payload,
    sign,
    signature_mac,
    verify,
)
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL

SECRET = "a-shared-secret-of-32-characters"
SETTINGS = WebhookSettings("https://crm.example.com/hooks/mcclink?token=t0k3n", Secret(SECRET))

# -- signing, payload, schedule --------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_the_time_the_delivery_id_and_the_raw_body() -> None:
    message = b"1800000000.d1.what do ya want for nothing?"
    expected = hmac.new(b"Jefe", message, hashlib.sha256).hexdigest()
    assert signature_mac("Jefe", "1800000000", "d1", b"what do ya want for nothing?") == expected


def test_sign_stamps_the_current_time() -> None:
    before = int(time.time())
    header = sign(SECRET, "d1", b"{}")
    sent, mac = header.removeprefix("t=").split(",v1=")

    assert before <= int(sent) <= time.time()
    assert mac == signature_mac(SECRET, sent, "d1", b"{}")


BODY = b'{"event":"client.status_changed"}'
NOW = 1_800_000_000
FULLWIDTH = "".join(chr(0xFF10 + int(d)) for d in "18") + "00000000"  # not ASCII digits


@pytest.mark.parametrize(
    ("secret", "body", "delivery_id", "now"),
    [
        ("another-secret-0123456789", BODY, "d1", NOW),
        (SECRET, BODY + b" ", "d1", NOW),
        (SECRET, BODY, "d2", NOW),  # replayed under a new delivery id
        (SECRET, BODY, "d1", NOW + 301),  # replayed after the tolerance
        (SECRET, BODY, "d1", NOW - 301),  # from the future
    ],
    ids=["secret", "body", "delivery-id", "too-old", "too-new"],
)
def test_verify_refuses_anything_but_that_delivery_signed_recently(
    secret: str, body: bytes, delivery_id: str, now: int
) -> None:
    header = f"t={NOW},v1={signature_mac(SECRET, str(NOW), 'd1', BODY)}"

    assert verify(SECRET, BODY, "d1", header, now=NOW + 300)
    assert not verify(secret, body, delivery_id, header, now=now)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "sha256=" + "0" * 64,
        f"v1={signature_mac(SECRET, str(NOW), 'd1', BODY)}",  # no time
        f"t=,v1={signature_mac(SECRET, '', 'd1', BODY)}",
        f"t={'9' * 5000},v1=00",  # too long to be a time (int() would refuse it anyway)
        f"t={FULLWIDTH},v1={signature_mac(SECRET, FULLWIDTH, 'd1', BODY)}",
        f"t={NOW}",
    ],
)
def test_verify_refuses_a_malformed_signature_header(header: str) -> None:
    assert not verify(SECRET, BODY, "d1", header, now=NOW)


def test_the_tolerance_can_be_widened() -> None:
    header = f"t={NOW},v1={signature_mac(SECRET, str(NOW), 'd1', BODY)}"

    assert verify(SECRET, BODY, "d1", header, now=NOW + 3600, tolerance_s=3600)


def test_the_documented_verify_is_this_very_function() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    snippet = docs.split("```python\n", 1)[1].split("```", 1)[0]

    assert inspect.getsource(webhooks.signature_mac) in snippet
    assert inspect.getsource(webhooks.verify) in snippet
    namespace: dict[str, object] = {}
    exec(snippet, namespace)  # the receiver's copy runs on the standard library alone
    copied = namespace["verify"]
    assert callable(copied)
    header = sign(SECRET, "d1", BODY)
    assert copied(SECRET, BODY, "d1", header)
    assert not copied(SECRET, BODY, "d2", header)


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://crm.example.com/hooks/mcclink?token=t0k3n", True),
        ("HTTP://10.0.0.5:8080/h", True),
        ("https://crm.example.com/hooks", False),
        ("http://127.0.0.1:9000/h", False),
        ("http://localhost/h", False),
        ("http://[::1]:9000/h", False),
    ],
)
def test_a_plain_http_receiver_beyond_loopback_is_warned_about(url: str, warned: bool) -> None:
    warning = webhooks.plain_http_warning(WebhookSettings(url, Secret(SECRET)))

    assert (warning is not None) == warned
    if warning:
        assert "https://" in warning
        assert "t0k3n" not in warning
        assert "/hooks" not in warning


def test_the_web_servers_worker_logs_a_plain_http_receiver(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    settings = WebhookSettings("http://192.0.2.1/hooks", Secret(SECRET))
    worker = WebhookWorker(store, settings, MCC)

    with caplog.at_level(logging.WARNING, logger="mcclink.web.background"):
        worker.start()
        worker.stop()

    assert any("over plain http://" in r.getMessage() for r in caplog.records)


def test_backoff_doubles_from_thirty_seconds_and_stops_at_an_hour() -> None:
    schedule = [backoff(n).total_seconds() for n in range(1, 11)]
    assert schedule == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert backoff(10_000) == timedelta(hours=1)


def test_the_payload_is_the_entry_and_the_client_in_their_json_shapes(
    service: GoogleAdsMCCService, store: Store
) -> None:
    client = service.register(MCC, Registration(SOL, "Sol Padaria"))
    change = next(iter(store.client_history(MCC, SOL)))

    body = payload(change, client)

    assert body == {
        "delivery_id": change.id,
        "event": "client.status_changed",
        "entry": history_to_dict(change),
        "client": client_to_dict(client),
    }
    assert payload(change, None)["client"] is None
    assert json.loads(json.dumps(body)) == body


# -- settings --------------------------------------------------------------------------------


def test_no_webhook_url_means_no_webhooks() -> None:
    assert Settings.from_env({"MCC_WEBHOOK_SECRET": SECRET}).webhook is None


def test_webhook_settings_are_read_and_the_secret_never_shown() -> None:
    settings = Settings.from_env(
        {"MCC_WEBHOOK_URL": " https://crm.example.com/h?token=t0k3n ", "MCC_WEBHOOK_SECRET": SECRET}
    )
    webhook = settings.webhook
    assert webhook is not None
    assert webhook.url == "https://crm.example.com/h?token=t0k3n"
    assert webhook.secret.reveal() == SECRET
    for shown in (repr(settings), repr(webhook), str(webhook)):
        assert SECRET not in shown
        assert "t0k3n" not in shown


def test_a_url_without_a_secret_names_the_variable_and_how_to_make_one() -> None:
    with pytest.raises(ConfigurationError) as caught:
        _ = Settings.from_env({"MCC_WEBHOOK_URL": "https://crm.example.com/h"}).webhook
    [problem] = caught.value.problems
    assert "MCC_WEBHOOK_SECRET is not set" in problem
    assert "secrets.token_hex(32)" in problem


def test_a_short_secret_is_refused_without_showing_it() -> None:
    env = {"MCC_WEBHOOK_URL": "https://crm.example.com/h", "MCC_WEBHOOK_SECRET": "hunter2"}
    with pytest.raises(ConfigurationError) as caught:
        _ = Settings.from_env(env).webhook
    assert "MCC_WEBHOOK_SECRET is too short (7 characters, at least 16)" in str(caught.value)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("aaaaaaaaaaaaaaaa", "does not look random (1 different characters, at least 10)"),
        ("abcabcabcabcabcabc", "does not look random (3 different"),
        ("segredo-compartilhado-ção", "must be printable ASCII without spaces"),
        ("shared secret 0123456789", "must be printable ASCII without spaces"),
    ],
)
def test_a_weak_or_non_ascii_secret_is_refused_without_showing_it(
    secret: str, problem: str
) -> None:
    env = {"MCC_WEBHOOK_URL": "https://crm.example.com/h", "MCC_WEBHOOK_SECRET": secret}
    with pytest.raises(ConfigurationError) as caught:
        _ = Settings.from_env(env).webhook
    assert problem in str(caught.value)
    assert "secrets.token_hex(32)" in str(caught.value)
    assert secret not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://crm.example.com/h",
        "crm.example.com/h",
        "https://",
        "https://crm.example.com:99999/h",
        "http://crm.example.com/a b",
        "https://user:s3cr3t@crm.example.com/h",
    ],
)
def test_only_plain_http_urls_with_a_host_are_accepted(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _ = Settings.from_env({"MCC_WEBHOOK_URL": url, "MCC_WEBHOOK_SECRET": SECRET}).webhook
    assert str(caught.value).count("MCC_WEBHOOK_URL") == 1
    assert "s3cr3t" not in str(caught.value)


# -- passes over a real store, with a fake clock and a fake receiver -------------------------


@dataclass
class FakeReceiver:
    """Answers each POST with the next scripted HTTP status (None: no answer), then 200."""

    script: list[int | None] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def post(
        self, settings: WebhookSettings, headers: dict[str, str], body: bytes
    ) -> webhooks.Answer:
        self.received.append((dict(headers), body))
        status = self.script.pop(0) if self.script else 200
        if status is None:
            return webhooks.Answer(None, "WEBHOOK_UNREACHABLE", "receiver could not be reached")
        error = None if 200 <= status < 300 else f"receiver answered HTTP {status}"
        return webhooks.Answer(status, None if error is None else f"WEBHOOK_HTTP_{status}", error)

    def ids(self) -> list[str]:
        return [headers["X-Mcclink-Delivery"] for headers, _ in self.received]


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> FakeReceiver:
    fake = FakeReceiver()
    monkeypatch.setattr(webhooks, "_post", fake.post)
    return fake


def changes(store: Store, cid: CustomerId) -> list[HistoryEntry]:
    """The client's status changes, oldest first."""
    history = reversed(list(store.client_history(MCC, cid)))
    return [e for e in history if e.status_before != e.status_after]


def attempts(store: Store, cid: CustomerId) -> list[HistoryEntry]:
    history = reversed(list(store.client_history(MCC, cid)))
    return [e for e in history if e.operation is Operation.WEBHOOK]


def deliver(store: Store, at: datetime) -> DeliveryReport:
    return deliver_pending(store, SETTINGS, now=at)


def test_each_status_change_is_delivered_once_oldest_first_signed_and_named(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds, receiver: FakeReceiver
) -> None:
    service.register(MCC, Registration(SOL, "Sol"), invite=True)
    service.register(MCC, Registration(LUA, "Lua"))
    service.invite(MCC, SOL)  # a NOOP: already PENDING
    ads.advertiser(MCC.digits, SOL.digits, LinkStatus.APPROVED)
    service.sync(MCC)  # one change, and the MONITOR entry of the run

    first = deliver(store, utcnow())
    second = deliver(store, utcnow() + timedelta(hours=2))

    both = changes(store, SOL) + changes(store, LUA)
    expected = [c.id for c in sorted(both, key=lambda c: c.timestamp)]
    assert [c.status_after for c in changes(store, SOL)] == [
        LinkStatus.NOT_LINKED,
        LinkStatus.PENDING,
        LinkStatus.APPROVED,
    ]
    assert receiver.ids() == expected
    assert (first.delivered, first.failed, second.delivered, len(second.attempts)) == (4, 0, 0, 0)
    for headers, body in receiver.received:
        assert headers["X-Mcclink-Event"] == "client.status_changed"
        assert verify(SECRET, body, headers["X-Mcclink-Delivery"], headers["X-Mcclink-Signature"])
        assert json.loads(body)["delivery_id"] == headers["X-Mcclink-Delivery"]


def test_each_attempt_is_a_webhook_entry_that_changes_no_status(
    service: GoogleAdsMCCService, store: Store, receiver: FakeReceiver
) -> None:
    service.register(MCC, Registration(SOL, "Sol"))
    receiver.script = [503]
    at = utcnow()
    deliver(store, at)
    deliver(store, at + timedelta(seconds=31))

    [change] = changes(store, SOL)
    failed, delivered = attempts(store, SOL)
    assert (failed.outcome, delivered.outcome) == (Outcome.FAILED, Outcome.SUCCESS)
    assert dict(failed.details) == {
        "delivery_id": change.id,
        "entry_id": change.id,
        "attempt": "1",
        "http_status": "503",
    }
    assert delivered.details["attempt"] == "2"
    assert (failed.error_code, failed.error_message) == (
        "WEBHOOK_HTTP_503",
        "receiver answered HTTP 503",
    )
    assert all(a.status_before is a.status_after is None for a in (failed, delivered))
    assert failed.timestamp >= at
    client = store.get_client(MCC, SOL)
    assert client is not None
    assert client.version == 1  # the attempts wrote history only


def test_a_failed_delivery_is_retried_only_when_its_backoff_is_over(
    service: GoogleAdsMCCService, store: Store, receiver: FakeReceiver
) -> None:
    service.register(MCC, Registration(SOL, "Sol"))
    receiver.script = [500, 500]
    t0 = utcnow()

    assert deliver(store, t0).failed == 1
    assert deliver(store, t0 + timedelta(seconds=29)).waiting == 1
    assert deliver(store, t0 + timedelta(seconds=31)).failed == 1
    assert deliver(store, t0 + timedelta(seconds=31 + 59)).waiting == 1
    assert deliver(store, t0 + timedelta(seconds=31 + 61)).delivered == 1
    assert deliver(store, t0 + timedelta(hours=5)).attempts == []

    [change] = changes(store, SOL)
    assert receiver.ids() == [change.id] * 3


def test_a_receiver_that_gives_no_answer_stops_the_pass_and_the_rest_wait(
    service: GoogleAdsMCCService, store: Store, receiver: FakeReceiver
) -> None:
    service.register(MCC, Registration(SOL, "Sol"), invite=True)
    service.register(MCC, Registration(LUA, "Lua"))
    receiver.script = [None]
    t0 = utcnow()

    stopped = deliver(store, t0)
    later = deliver(store, t0 + timedelta(seconds=1))
    after_backoff = deliver(store, t0 + timedelta(seconds=31))

    assert (len(stopped.attempts), stopped.deferred, stopped.stopped) == (
        1,
        2,
        "receiver could not be reached",
    )
    assert (later.delivered, later.waiting) == (2, 1)
    assert (after_backoff.delivered, after_backoff.waiting) == (1, 0)
    oldest = changes(store, SOL)[0]
    assert receiver.ids().count(oldest.id) == 2
    assert len(set(receiver.ids())) == 3


def test_after_ten_failures_a_change_is_given_up_and_stays_a_problem(
    service: GoogleAdsMCCService, store: Store, receiver: FakeReceiver
) -> None:
    service.register(MCC, Registration(SOL, "Sol"))
    receiver.script = [500] * 10
    at = utcnow()
    for failures in range(10):
        at += backoff(failures) + timedelta(seconds=1)
        assert deliver(store, at).failed == 1

    final = deliver(store, at + timedelta(days=1))

    assert (final.attempts, final.given_up) == ([], 1)
    [problem] = delivery_problems(store, now=at)
    assert (problem.attempts, problem.given_up, problem.http_status) == (10, True, 500)
    assert problem.to_dict()["next_attempt_at"] is None


def test_delivery_problems_are_failed_changes_not_yet_delivered(
    service: GoogleAdsMCCService, store: Store, receiver: FakeReceiver
) -> None:
    service.register(MCC, Registration(SOL, "Sol"))
    service.register(MCC, Registration(LUA, "Lua"))
    receiver.script = [502]
    t0 = utcnow()
    deliver(store, t0)

    [problem] = delivery_problems(store, now=t0)

    [sol] = changes(store, SOL)
    assert problem.change.id == sol.id
    assert (problem.attempts, problem.http_status, problem.given_up) == (1, 502, False)
    assert problem.last_error == "receiver answered HTTP 502"
    assert problem.next_attempt_at is not None
    assert problem.next_attempt_at - problem.last_attempt_at == timedelta(seconds=30)
    shown = problem.to_dict()
    assert (shown["customer_id"], shown["status_before"], shown["status_after"]) == (
        SOL.digits,
        None,
        "NOT_LINKED",
    )
    deliver(store, t0 + timedelta(minutes=1))
    assert delivery_problems(store, now=t0 + timedelta(minutes=1)) == []


def test_changes_older_than_seven_days_are_neither_delivered_nor_problems(
    service: GoogleAdsMCCService, store: Store, receiver: FakeReceiver
) -> None:
    service.register(MCC, Registration(SOL, "Sol"))
    a_week_on = utcnow() + timedelta(days=7, seconds=2)

    assert deliver(store, a_week_on).attempts == []
    assert receiver.received == []


def test_failed_deliveries_are_not_counted_as_google_ads_errors(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds, receiver: FakeReceiver
) -> None:
    service.register(MCC, Registration(SOL, "Sol"))
    ads.fail_next = LinkRefused("too many", code="CLIENT_HAS_TOO_MANY_MANAGERS")
    with pytest.raises(LinkRefused):
        service.invite(MCC, SOL)
    receiver.script = [500]
    deliver(store, utcnow())

    stats = compute(store, MCC)

    assert stats.errors_by_code == {"CLIENT_HAS_TOO_MANY_MANAGERS": 1}
    assert [e.error_code for e in attempts(store, SOL)] == ["WEBHOOK_HTTP_500"]


def test_an_archived_client_is_delivered_with_a_null_client(
    service: GoogleAdsMCCService, store: Store, receiver: FakeReceiver
) -> None:
    service.register(MCC, Registration(SOL, "Sol"))
    service.archive(MCC, SOL)

    deliver(store, utcnow())

    bodies = [json.loads(body) for _, body in receiver.received]
    assert [(b["entry"]["operation"], b["client"]) for b in bodies] == [
        ("REGISTER", None),
        ("ARCHIVE", None),
    ]


def test_the_mcc_filter_delivers_only_that_mccs_changes(
    store: Store, ads: FakeAds, receiver: FakeReceiver
) -> None:
    other = CustomerId.parse("222-333-4444")
    service = GoogleAdsMCCService(store, ads)
    service.register(MCC, Registration(SOL, "Sol"))
    service.register(other, Registration(SOL, "Sol elsewhere"))

    report = deliver_pending(store, SETTINGS, mcc=other)

    assert report.delivered == 1
    assert json.loads(receiver.received[0][1])["entry"]["mcc_customer_id"] == other.digits


def test_signing_uses_the_secret_as_given() -> None:
    body = b"{}"
    header = webhooks._headers(SETTINGS, "d1", body)["X-Mcclink-Signature"]
    sent = header.removeprefix("t=").split(",")[0]
    expected = hmac.new(SECRET.encode(), f"{sent}.d1.".encode() + body, hashlib.sha256)
    assert header == f"t={sent},v1={expected.hexdigest()}"


def test_an_acceptance_through_onboarding_is_delivered_by_mcclink_webhooks_deliver(
    store: Store,
    ads: FakeAds,
    receiver: FakeReceiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ads.infos[SOL] = AccountInfo(
        SOL, "Sol Padaria", "BRL", "America/Sao_Paulo", False, False, "ENABLED"
    )
    link, _ = new_link(MCC, SOL, DEFAULT_EXPIRY, "test")
    store.create_onboarding_link(link)
    ana = ads.as_user({SOL.digits: "ADMIN"})
    [outcome] = OnboardingService(store, ads).accept(link, "ana@sol.com.br", ana, [SOL])
    assert outcome.ok
    for name, value in {
        "MCC_STORE": f"sqlite:///{tmp_path / 'mcclink.db'}",  # the ``store`` fixture's file
        "MCC_CUSTOMER_ID": MCC.dashed,
        "MCC_WEBHOOK_URL": SETTINGS.url,
        "MCC_WEBHOOK_SECRET": SECRET,
    }.items():
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(app, ["webhooks", "deliver", "--json"], catch_exceptions=False)

    assert result.exit_code == 0
    assert json.loads(result.stdout)["delivered"] == 3
    bodies = [json.loads(body) for _, body in receiver.received]
    entries = [b["entry"] for b in bodies]
    assert [(e["operation"], e["status_after"], e["actor"]) for e in entries] == [
        ("REGISTER", "NOT_LINKED", "advertiser:ana@sol.com.br"),
        ("INVITE", "PENDING", "advertiser:ana@sol.com.br"),
        ("RESPOND", "APPROVED", "advertiser:ana@sol.com.br"),
    ]
    assert bodies[-1]["client"]["status"] == "APPROVED"
    assert receiver.ids() == [e["id"] for e in entries]
