"""The record codec both backends and ``--json`` share."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcclink.domain import LastError, LinkStatus, Operation, is_blank
from mcclink.errors import InputError
from mcclink.serialization import (
    client_from_dict,
    client_to_dict,
    format_timestamp,
    history_from_dict,
    history_to_dict,
    onboarding_link_from_dict,
    onboarding_link_to_dict,
    parse_timestamp,
)
from tests.store.records import NOON, a_client, a_link, an_entry

CLIENT_KEYS = {
    "customer_id",
    "mcc_customer_id",
    "name",
    "email",
    "attributes",
    "status",
    "manager_link_id",
    "link_resource_name",
    "invited_at",
    "status_changed_at",
    "last_checked_at",
    "last_error",
    "pending_operation",
    "hidden",
    "created_at",
    "updated_at",
    "version",
}
HISTORY_KEYS = {
    "id",
    "timestamp",
    "customer_id",
    "mcc_customer_id",
    "operation",
    "status_before",
    "status_after",
    "outcome",
    "error_code",
    "error_message",
    "request_id",
    "actor",
    "duration_ms",
    "details",
}


def test_client_dict_has_the_stable_keys_and_plain_values() -> None:
    client = a_client(last_error=LastError("E", "m"), created_at=NOON, updated_at=NOON)

    record = client_to_dict(client)

    assert set(record) == CLIENT_KEYS
    assert record["customer_id"] == "2000000001"
    assert record["created_at"] == "2026-03-14T12:00:00.000000Z"
    assert record["last_error"] == {"code": "E", "message": "m", "request_id": None}
    assert json.loads(json.dumps(record)) == record


def test_history_dict_has_the_stable_keys() -> None:
    assert set(history_to_dict(an_entry(a_client()))) == HISTORY_KEYS


def test_a_full_client_round_trips() -> None:
    client = a_client(
        status=LinkStatus.APPROVED,
        manager_link_id=42,
        invited_at=NOON,
        last_error=LastError("E", "m", "r"),
        pending_operation=Operation.INVITE,
        hidden=True,
        version=3,
    )

    assert client_from_dict(client_to_dict(client)) == client


@pytest.mark.parametrize("customer", [1, None])
def test_an_onboarding_link_round_trips_through_json(customer: int | None) -> None:
    link = a_link(customer, at=NOON, revoked_at=NOON + timedelta(days=1), opened=2, accepted=1)

    record = json.loads(json.dumps(onboarding_link_to_dict(link)))

    assert record["customer_id"] == (None if customer is None else "2000000001")
    assert record["expires_at"] == "2026-03-28T12:00:00.000000Z"
    assert onboarding_link_from_dict(record) == link


def test_an_onboarding_link_without_counts_has_counted_nothing() -> None:
    record = onboarding_link_to_dict(a_link(opened=3))
    for count in ("opened", "signed_in", "accepted"):
        del record[count]

    assert onboarding_link_from_dict(record).opened == 0


def test_numbers_from_dynamodb_decimals_come_back_as_python_numbers() -> None:
    entry = an_entry(a_client(), duration_ms=2.5)
    record = {**history_to_dict(entry), "duration_ms": Decimal("2.5")}
    client = {**client_to_dict(a_client(manager_link_id=7)), "version": Decimal(4)}

    assert history_from_dict(record) == entry
    assert client_from_dict(client).version == 4
    assert client_from_dict(client).manager_link_id == 7


def test_a_missing_required_key_raises_input_error_naming_it() -> None:
    record = client_to_dict(a_client())
    del record["name"]

    with pytest.raises(InputError, match="'name'"):
        client_from_dict(record)


def test_an_unknown_operation_raises_input_error_listing_the_known() -> None:
    record = {**history_to_dict(an_entry(a_client())), "operation": "TELEPORT"}

    with pytest.raises(InputError, match="REGISTER"):
        history_from_dict(record)


def test_timestamps_are_utc_and_naive_means_utc() -> None:
    sao_paulo = timezone(timedelta(hours=-3))

    assert format_timestamp(datetime(2026, 3, 14, 9, 0, tzinfo=sao_paulo)) == (
        "2026-03-14T12:00:00.000000Z"
    )
    assert format_timestamp(datetime(2026, 3, 14, 12, 0)) == "2026-03-14T12:00:00.000000Z"
    assert parse_timestamp("2026-03-14T12:00:00Z") == NOON


def test_an_unparsable_timestamp_raises_input_error() -> None:
    with pytest.raises(InputError, match="ISO-8601"):
        parse_timestamp("yesterday")


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(moments, moments)
def test_timestamp_text_sorts_as_time_does(first: datetime, second: datetime) -> None:
    assert (format_timestamp(first) < format_timestamp(second)) == (first < second)
    assert parse_timestamp(format_timestamp(first)) == first


@given(
    name=st.text(min_size=1).filter(lambda text: not is_blank(text)),
    attributes=st.dictionaries(st.text(), st.text(), max_size=4),
)
def test_any_text_round_trips(name: str, attributes: dict[str, str]) -> None:
    client = replace(a_client(), name=name, attributes=attributes)

    assert client_from_dict(json.loads(json.dumps(client_to_dict(client)))) == client
