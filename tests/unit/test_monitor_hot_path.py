"""The per-link work of a monitor cycle, kept cheap without changing what it decides.

A cycle over 50,000 links compares each stored client with Google's view: a client that
already records the view comes back as the same object (nothing written, no copy built);
any one field that differs makes a new copy carrying Google's view.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from mcclink.domain import Client, CustomerId, LastError, LinkStatus, Operation
from mcclink.ports import GoogleLink
from mcclink.reconcile import state_from_google
from mcclink.serialization import parse_timestamp

MCC = CustomerId("1000000001")
SOL = CustomerId("2000000002")
RESOURCE = f"customers/{MCC.digits}/customerClientLinks/{SOL.digits}~7"
LINK = GoogleLink(MCC, SOL, 7, LinkStatus.APPROVED, RESOURCE)
LINKED = Client(
    customer_id=SOL,
    mcc_customer_id=MCC,
    name="Sol",
    status=LinkStatus.APPROVED,
    manager_link_id=7,
    link_resource_name=RESOURCE,
)
UNLINKED = Client(customer_id=SOL, mcc_customer_id=MCC, name="Sol")
FAILED = LastError("INTERNAL_ERROR", "Google failed")


def test_a_client_that_records_the_link_is_returned_as_it_is() -> None:
    assert state_from_google(LINKED, LINK) is LINKED
    hidden = replace(LINKED, hidden=True)
    assert state_from_google(hidden, replace(LINK, hidden=True)) is hidden


def test_a_client_without_a_link_and_google_showing_none_is_returned_as_it_is() -> None:
    assert state_from_google(UNLINKED, None) is UNLINKED
    failed = replace(UNLINKED, last_error=FAILED)  # the error stays: Google showed no link
    assert state_from_google(failed, None) is failed


@pytest.mark.parametrize(
    "stored",
    [
        {"status": LinkStatus.PENDING},
        {"manager_link_id": 6},
        {"link_resource_name": f"customers/{MCC.digits}/customerClientLinks/{SOL.digits}~6"},
        {"hidden": True},
        {"last_error": FAILED},
        {"pending_operation": Operation.INVITE},
    ],
    ids=lambda stored: next(iter(stored)),
)
def test_any_one_field_apart_from_the_link_makes_a_copy_with_googles_view(
    stored: dict[str, Any],
) -> None:
    client = replace(LINKED, **stored)

    after = state_from_google(client, LINK)

    assert after is not client
    assert (after.status, after.manager_link_id, after.link_resource_name) == (
        LinkStatus.APPROVED,
        7,
        RESOURCE,
    )
    assert (after.hidden, after.last_error, after.pending_operation) == (False, None, None)
    assert after.last_checked_at is not None


@pytest.mark.parametrize(
    "stored",
    [
        {"status": LinkStatus.APPROVED},
        {"manager_link_id": 7},
        {"link_resource_name": RESOURCE},
        {"hidden": True},
        {"pending_operation": Operation.INVITE},
    ],
    ids=lambda stored: next(iter(stored)),
)
def test_any_link_field_left_when_google_shows_no_link_is_cleared(
    stored: dict[str, Any],
) -> None:
    client = replace(UNLINKED, **stored)

    after = state_from_google(client, None)

    assert after is not client
    assert (after.status, after.manager_link_id, after.link_resource_name) == (
        LinkStatus.NOT_LINKED,
        None,
        None,
    )
    assert (after.hidden, after.pending_operation) == (False, None)


@pytest.mark.parametrize("value", [MCC, LINKED, LINK], ids=type)
def test_the_values_held_per_link_carry_no_attribute_dict(value: object) -> None:
    # 50,000 links x four cycles at once: a __dict__ per object is tens of megabytes.
    assert not hasattr(value, "__dict__")


@pytest.mark.parametrize("raw", ["pending", " Pending ", "PENDING"])
def test_a_status_read_as_stored_or_typed_is_the_same_member(raw: str) -> None:
    assert LinkStatus.parse(raw) is LinkStatus.PENDING


@pytest.mark.parametrize(
    "text", ["2026-03-14T12:00:00.000000Z", "2026-03-14T14:00:00+02:00", "2026-03-14T12:00:00"]
)
def test_a_timestamp_read_in_utc_or_any_offset_comes_back_in_utc(text: str) -> None:
    moment = parse_timestamp(text)

    assert moment == datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
    assert moment.utcoffset() == UTC.utcoffset(None)
