"""The domain's values and rules: customer ids, link statuses, transitions, records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mcclink.domain import (
    TRANSITIONS,
    Client,
    CustomerId,
    LinkStatus,
)
from mcclink.errors import InputError, InvalidCustomerId, InvalidStatus, InvalidTransition

# --- CustomerId -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["123-456-7890", "1234567890", "  123-456-7890\n", "123456-7890"])
def test_customer_id_reads_dashed_or_plain_digits(raw: str) -> None:
    assert CustomerId.parse(raw).digits == "1234567890"


def test_customer_id_shows_dashed_and_keeps_digits_inside() -> None:
    customer = CustomerId.parse("1234567890")

    assert str(customer) == customer.dashed == "123-456-7890"
    assert customer == CustomerId("1234567890")


def test_parsing_a_customer_id_returns_the_same_id() -> None:
    customer = CustomerId("1234567890")

    assert CustomerId.parse(customer) is customer


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "123-456-789",
        "12345678901",
        "123 456 7890",
        "123.456.7890",
        "abc-def-ghij",
        "١٢٣٤٥٦٧٨٩٠",  # Arabic-Indic digits are digits to str.isdigit, not to Google
        "-1234567890",
        1234567890,
        None,
    ],
)
def test_anything_else_is_rejected_with_the_value_and_the_expected_form(raw: object) -> None:
    with pytest.raises(InvalidCustomerId) as caught:
        CustomerId.parse(raw)

    assert repr(raw) in str(caught.value)
    assert "123-456-7890" in str(caught.value)


@pytest.mark.parametrize("digits", ["123-456-7890", "123456789", "١٢٣٤٥٦٧٨٩٠"])
def test_the_constructor_accepts_only_ten_ascii_digits(digits: str) -> None:
    with pytest.raises(InvalidCustomerId):
        CustomerId(digits)


def test_customer_ids_order_by_digits() -> None:
    ids = [CustomerId("3000000000"), CustomerId("1000000000"), CustomerId("2000000000")]

    assert [c.digits for c in sorted(ids)] == ["1000000000", "2000000000", "3000000000"]


def test_an_invalid_customer_id_is_an_input_error() -> None:
    assert issubclass(InvalidCustomerId, InputError)
    assert InvalidCustomerId.exit_code == 2


# --- LinkStatus -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["pending", "PENDING", " Pending "])
def test_status_names_parse_case_insensitively(raw: str) -> None:
    assert LinkStatus.parse(raw) is LinkStatus.PENDING


def test_an_unknown_status_lists_the_known_ones() -> None:
    with pytest.raises(InvalidStatus) as caught:
        LinkStatus.parse("ACTIVE")

    assert "'ACTIVE'" in str(caught.value)
    assert all(status.value in str(caught.value) for status in LinkStatus)


@pytest.mark.parametrize(
    ("google", "ours"),
    [
        ("PENDING", LinkStatus.PENDING),
        ("ACTIVE", LinkStatus.APPROVED),
        ("REFUSED", LinkStatus.REJECTED),
        ("CANCELED", LinkStatus.CANCELLED),
        ("INACTIVE", LinkStatus.UNLINKED),
    ],
)
def test_google_statuses_map_both_ways(google: str, ours: LinkStatus) -> None:
    assert LinkStatus.from_google(google) is ours
    assert ours.google_name == google


def test_not_linked_has_no_google_name() -> None:
    assert LinkStatus.NOT_LINKED.google_name is None


@pytest.mark.parametrize("google", ["UNKNOWN", "UNSPECIFIED", "active", "APPROVED"])
def test_google_statuses_without_meaning_are_rejected(google: str) -> None:
    with pytest.raises(InvalidStatus, match=repr(google)):
        LinkStatus.from_google(google)


@pytest.mark.parametrize(
    "status",
    [LinkStatus.NOT_LINKED, LinkStatus.REJECTED, LinkStatus.CANCELLED, LinkStatus.UNLINKED],
)
def test_these_statuses_can_be_invited(status: LinkStatus) -> None:
    assert status.invitable


@pytest.mark.parametrize("status", [LinkStatus.PENDING, LinkStatus.APPROVED])
def test_pending_and_approved_cannot_be_invited_again(status: LinkStatus) -> None:
    assert not status.invitable


def test_every_status_has_transitions() -> None:
    assert set(TRANSITIONS) == set(LinkStatus)


@pytest.mark.parametrize(
    ("old", "new"), [(old, new) for old in LinkStatus for new in sorted(TRANSITIONS[old])]
)
def test_an_allowed_transition_passes(old: LinkStatus, new: LinkStatus) -> None:
    old.check_transition(new, "act")


def test_a_forbidden_transition_says_which_statuses_allow_it() -> None:
    with pytest.raises(InvalidTransition) as caught:
        LinkStatus.APPROVED.check_transition(LinkStatus.CANCELLED, "cancel")

    message = str(caught.value)
    assert "cannot cancel: the link is APPROVED" in message
    assert "PENDING" in message


def test_a_transition_no_status_allows_says_none() -> None:
    with pytest.raises(InvalidTransition, match="needs a link in: none"):
        LinkStatus.PENDING.check_transition(LinkStatus.NOT_LINKED, "reset")


# --- Client ---------------------------------------------------------------------------------

MCC, CUSTOMER = CustomerId("1000000001"), CustomerId("2000000001")


def test_a_client_needs_a_non_blank_name() -> None:
    with pytest.raises(InputError, match="non-blank name"):
        Client(CUSTOMER, MCC, "   ")


def test_a_client_cannot_be_its_own_manager() -> None:
    with pytest.raises(InputError, match="cannot manage itself"):
        Client(MCC, MCC, "Self")


def test_evolve_applies_changes_and_moves_updated_at() -> None:
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    client = Client(CUSTOMER, MCC, "Padaria", created_at=long_ago, updated_at=long_ago)

    evolved = client.evolve(status=LinkStatus.PENDING)

    assert evolved.status is LinkStatus.PENDING
    assert evolved.updated_at > client.updated_at
    assert (evolved.created_at, evolved.version) == (client.created_at, client.version)
