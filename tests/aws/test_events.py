"""``publish_pending`` on its own against moto's EventBridge: the bound per run, the order."""

from __future__ import annotations

import boto3
import pytest

from mcclink.aws.events import publish_pending
from mcclink.domain import CustomerId
from mcclink.emulator import Emulator
from mcclink.service import GoogleAdsMCCService, Registration
from tests.aws.conftest import AwsWorld
from tests.fakes import FakeAds

pytestmark = pytest.mark.dynamodb

CLIENTS = [CustomerId.parse(c) for c in ("111-222-3333", "222-333-4444", "333-444-5555")]


def test_a_run_publishes_at_most_its_limit_oldest_first_and_the_next_the_rest(
    aws_world: AwsWorld, fresh_emulator: Emulator
) -> None:
    mcc = CustomerId.parse(aws_world.environ["MCC_CUSTOMER_IDS"])
    service = GoogleAdsMCCService(aws_world.store, FakeAds({c.digits for c in CLIENTS}))
    for customer in CLIENTS:
        service.register(mcc, Registration(customer, f"Client {customer}"), invite=True)
    bus = aws_world.environ["MCC_EVENT_BUS"]
    events = boto3.session.Session().client("events")

    first = publish_pending(aws_world.store, events, mcc, bus, actor="test", limit=4)
    first_events = aws_world.published()
    second = publish_pending(aws_world.store, events, mcc, bus, actor="test", limit=4)
    second_events = aws_world.published()
    third = publish_pending(aws_world.store, events, mcc, bus, actor="test", limit=4)

    assert (first.published, first.failed, first.deferred) == (4, [], 2)
    assert (second.published, second.failed, second.deferred) == (2, [], 0)
    assert (third.published, third.deferred) == (0, 0)
    assert aws_world.published() == []
    order = [(e["detail"]["customer_id"], e["detail"]["operation"]) for e in first_events]
    oldest = [(c.digits, op) for c in CLIENTS[:2] for op in ("REGISTER", "INVITE")]
    assert sorted(order) == sorted(oldest)
    assert sorted(e["detail"]["customer_id"] for e in second_events) == [CLIENTS[2].digits] * 2
