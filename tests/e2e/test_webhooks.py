"""Webhooks over real HTTP: a receiver on 127.0.0.1 in a thread, real stores, the real CLI.

In-process passes move their clock (``now``) past the backoff instead of waiting; the CLI
runs ``mcclink monitor`` and ``mcclink webhooks`` against ``mcclink emulator serve``. The
receiver holds the shared secret: it verifies every request with ``mcclink.webhooks.verify``
and answers 401 to one that does not verify, so every delivery counted here verified.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from mcclink import webhooks
from mcclink.config import Secret, WebhookSettings
from mcclink.domain import CustomerId, LinkStatus, Operation, Outcome, utcnow
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from mcclink.store import open_store
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.webhooks import DeliveryReport, deliver_pending
from tests.e2e.conftest import Cli
from tests.fakes import FakeAds
from tests.fixtures.webhook_receiver import Receiver, closed_port

SECRET = "e2e-webhook-secret-0123456789abcdef"
MCC = CustomerId.parse("123-456-7890")
SOL, LUA = CustomerId.parse("111-222-3333"), CustomerId.parse("444-555-6666")
PADARIA = "1112223333"


@pytest.fixture
def receiver(receiver: Receiver) -> Receiver:
    """The receiver, checking signatures with the shared secret."""
    receiver.secret = SECRET
    return receiver


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'mcclink.db'}", {})
    yield s
    s.close()


def three_changes(store: Store, ads: FakeAds | None = None) -> GoogleAdsMCCService:
    """SOL registered and invited, LUA registered: three status changes."""
    ads = ads or FakeAds({SOL.digits, LUA.digits})
    service = GoogleAdsMCCService(store, ads, actor="e2e")
    service.register(MCC, Registration(SOL, "Sol Padaria"), invite=True)
    service.register(MCC, Registration(LUA, "Lua Oficina"))
    return service


def settings(url: str) -> WebhookSettings:
    return WebhookSettings(url, Secret(SECRET))


def passes(store: Store, url: str, *offsets_s: float) -> list[DeliveryReport]:
    """One pass at each offset (seconds) from now: the clock jumps past the backoff."""
    start = utcnow()
    return [
        deliver_pending(store, settings(url), now=start + timedelta(seconds=s)) for s in offsets_s
    ]


def webhook_outcomes(store: Store, cid: CustomerId) -> list[Outcome]:
    history = reversed(list(store.client_history(MCC, cid)))
    return [e.outcome for e in history if e.operation is Operation.WEBHOOK]


def test_the_signature_verifies_with_the_shared_secret_over_the_raw_body(
    store: Store, receiver: Receiver
) -> None:
    three_changes(store)

    [report] = passes(store, receiver.url, 0)

    assert report.delivered == 3
    for request in receiver.received:
        assert request.answered == 200
        assert request.verified_with(SECRET)
        assert not request.verified_with("another secret-0123456789")
        assert request.headers["X-Mcclink-Event"] == "client.status_changed"
        assert request.headers["Content-Type"].startswith("application/json")
        assert request.json["delivery_id"] == request.delivery_id == request.json["entry"]["id"]
    statuses = [
        (r.json["entry"]["status_after"], r.json["client"]["status"]) for r in receiver.received
    ]
    assert statuses == [
        ("NOT_LINKED", "PENDING"),
        ("PENDING", "PENDING"),
        ("NOT_LINKED", "NOT_LINKED"),
    ]


def test_a_receiver_that_fails_twice_then_succeeds_gets_each_change_once(
    store: Store, receiver: Receiver
) -> None:
    three_changes(store)
    receiver.fail_first = 2

    reports = passes(store, receiver.url, 0, 31, 31 + 61, 31 + 61 + 3600)

    assert [(r.delivered, r.failed) for r in reports] == [(0, 3), (0, 3), (3, 0), (0, 0)]
    assert sorted(receiver.delivered().values()) == [1, 1, 1]
    assert Counter(r.delivery_id for r in receiver.received) == {i: 3 for i in receiver.delivered()}
    assert webhook_outcomes(store, LUA) == [Outcome.FAILED, Outcome.FAILED, Outcome.SUCCESS]


def test_a_dead_receiver_never_loses_a_status_change(store: Store) -> None:
    port = closed_port()
    dead = Receiver(port=port)
    ads = FakeAds({SOL.digits, LUA.digits})
    service = three_changes(store, ads)
    ads.advertiser(MCC.digits, SOL.digits, LinkStatus.APPROVED)

    down = passes(store, dead.url, 0, 31)
    service.sync(MCC)  # a status write while the receiver is down
    alive = dead.start()
    try:
        [up] = passes(store, alive.url, 31 + 61)
    finally:
        alive.stop()

    assert [(len(r.attempts), r.deferred, r.stopped is not None) for r in down] == [
        (1, 2, True),
        (1, 2, True),
    ]
    assert down[0].attempts[0].error is not None
    assert "could not be reached" in down[0].attempts[0].error
    sol = store.get_client(MCC, SOL)
    assert sol is not None
    assert sol.status is LinkStatus.APPROVED
    assert webhook_outcomes(store, SOL) == [Outcome.FAILED] * 2 + [Outcome.SUCCESS] * 3
    assert (up.delivered, up.failed, up.deferred) == (4, 0, 0)
    assert [r.json["entry"]["status_after"] for r in alive.received] == [
        "NOT_LINKED",
        "PENDING",
        "NOT_LINKED",
        "APPROVED",
    ]


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    store: Store, receiver: Receiver
) -> None:
    GoogleAdsMCCService(store, FakeAds()).register(MCC, Registration(LUA, "Lua"))
    receiver.status = 302

    [report] = passes(store, receiver.url, 0)

    [attempt] = report.attempts
    assert (attempt.delivered, attempt.http_status) == (False, 302)
    assert attempt.error is not None
    assert "redirects are not followed" in attempt.error
    assert len(receiver.received) == 1


def test_a_receiver_too_slow_to_answer_stops_the_pass(
    store: Store, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    three_changes(store)
    monkeypatch.setattr(webhooks, "TIMEOUT_S", 0.3)
    receiver.delay_s = 1.0

    [report] = passes(store, receiver.url, 0)

    assert (len(report.attempts), report.deferred) == (1, 2)
    assert (
        report.attempts[0].error
        == f"receiver http://127.0.0.1:{receiver.port} did not answer in 0.3 s"
    )
    assert report.duration_ms < 1000


def test_loopback_is_never_sent_through_the_environments_proxy(
    store: Store, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(urllib.error.URLError):  # the proxy really is in the way of others
        urllib.request.build_opener().open(receiver.url, data=b"{}", timeout=2)
    GoogleAdsMCCService(store, FakeAds()).register(MCC, Registration(LUA, "Lua"))

    [report] = passes(store, receiver.url, 0)

    assert report.delivered == 1


@pytest.mark.dynamodb
def test_a_pass_over_dynamodb_retries_and_delivers_each_change_once(
    dynamodb_store: DynamoDBStore, receiver: Receiver
) -> None:
    three_changes(dynamodb_store)
    receiver.fail_first = 1

    reports = passes(dynamodb_store, receiver.url, 0, 31, 3600)

    assert [(r.delivered, r.failed) for r in reports] == [(0, 3), (3, 0), (0, 0)]
    assert sorted(receiver.delivered().values()) == [1, 1, 1]


# -- the CLI, against `mcclink emulator serve` -------------------------------------------------


def webhook_cli(cli: Cli, home: Path, url: str) -> Cli:
    return Cli(home, {**cli.env, "MCC_WEBHOOK_URL": url, "MCC_WEBHOOK_SECRET": SECRET})


def test_monitor_delivers_the_approvals_it_records(
    cli: Cli, home: Path, receiver: Receiver
) -> None:
    hooked = webhook_cli(cli, home, receiver.url)
    hooked("clients", "add", PADARIA, "--name", "Padaria São João")
    hooked("emulator", "respond", PADARIA, "--accept")

    cycle = hooked.json("monitor", "--once")

    assert cycle["changes"][0]["status_after"] == "APPROVED"
    assert (cycle["webhooks"]["delivered"], cycle["webhooks"]["failed"]) == (3, 0)
    approval = receiver.received[-1]
    assert approval.verified_with(SECRET)
    assert approval.json["entry"]["operation"] == "SYNC"
    assert approval.json["entry"]["status_after"] == "APPROVED"
    assert approval.json["client"]["status"] == "APPROVED"
    assert hooked.json("monitor", "--once")["webhooks"]["attempts"] == []
    assert cli.json("monitor", "--once")["webhooks"] is None


def test_a_dead_receiver_fails_no_cycle_and_a_later_pass_delivers(cli: Cli, home: Path) -> None:
    dead = Receiver(port=closed_port())
    hooked = webhook_cli(cli, home, dead.url)
    hooked("clients", "add", PADARIA, "--name", "Padaria São João")
    hooked("emulator", "respond", PADARIA, "--accept")

    cycle = hooked.json("monitor", "--once")

    assert cycle["changes"][0]["status_after"] == "APPROVED"
    assert (cycle["webhooks"]["failed"], cycle["webhooks"]["deferred"]) == (1, 2)
    assert cli.json("clients", "show", PADARIA)["status"] == "APPROVED"
    failed = [h for h in cli.json("history", PADARIA) if h["operation"] == "WEBHOOK"]
    assert [(h["outcome"], h["error_code"]) for h in failed] == [("FAILED", "WEBHOOK_UNREACHABLE")]
    alive = dead.start()
    try:
        later = hooked.json("webhooks", "deliver")
    finally:
        alive.stop()
    assert (later["delivered"], later["waiting"]) == (2, 1)  # the first waits for its backoff
    assert [r.json["entry"]["status_after"] for r in alive.received] == ["PENDING", "APPROVED"]
    [problem] = cli.json("webhooks", "status")
    assert (problem["status_after"], problem["attempts"], problem["given_up"]) == (
        "NOT_LINKED",
        1,
        False,
    )


def test_webhook_commands_need_a_receiver_and_a_secret(sqlite_cli: Cli, home: Path) -> None:
    assert "MCC_WEBHOOK_URL" in sqlite_cli("webhooks", "deliver", check=2).stderr
    no_secret = Cli(home, {**sqlite_cli.env, "MCC_WEBHOOK_URL": "https://crm.example.com/h"})
    assert "secrets.token_hex(32)" in no_secret("monitor", "--once", check=2).stderr


def test_a_receiver_with_another_secret_refuses_every_delivery(
    store: Store, receiver: Receiver
) -> None:
    three_changes(store)
    receiver.secret = "not-the-shared-secret-0123456789"

    [report] = passes(store, receiver.url, 0)

    assert (report.delivered, report.failed) == (0, 3)
    assert {a.http_status for a in report.attempts} == {401}


def test_a_captured_delivery_replayed_under_a_new_id_or_later_does_not_verify(
    store: Store, receiver: Receiver
) -> None:
    GoogleAdsMCCService(store, FakeAds()).register(MCC, Registration(LUA, "Lua"))
    passes(store, receiver.url, 0)
    [captured] = receiver.received
    signature = captured.headers["X-Mcclink-Signature"]
    sent = int(signature.split(",")[0].removeprefix("t="))

    assert webhooks.verify(SECRET, captured.body, captured.delivery_id, signature)
    assert not webhooks.verify(SECRET, captured.body, "another-delivery-id", signature)
    late = sent + 301
    assert not webhooks.verify(SECRET, captured.body, captured.delivery_id, signature, now=late)


def test_a_plain_http_receiver_beyond_loopback_is_warned_about(sqlite_cli: Cli, home: Path) -> None:
    hooked = Cli(
        home,
        {
            **sqlite_cli.env,
            "MCC_WEBHOOK_URL": f"http://192.0.2.1:{closed_port()}/hooks",
            "MCC_WEBHOOK_SECRET": SECRET,
        },
    )

    warned = hooked("webhooks", "deliver", check=0).stderr

    assert "MCC_WEBHOOK_URL sends deliveries to http://192.0.2.1" in warned
    assert "use an https:// URL" in warned
    assert "/hooks" not in warned
    local = webhook_cli(sqlite_cli, home, f"http://127.0.0.1:{closed_port()}/hooks")
    assert "plain http://" not in local("webhooks", "deliver", check=0).stderr
