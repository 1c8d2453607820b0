"""The limits on a client's name, e-mail and attributes (#14 item 9): one set, in domain."""

from __future__ import annotations

import pytest

from mcclink.domain import (
    MAX_ATTRIBUTE_NAME,
    MAX_ATTRIBUTE_VALUE,
    MAX_ATTRIBUTES,
    MAX_EMAIL,
    MAX_FIELD_BYTES,
    MAX_NAME,
    Client,
    CustomerId,
    check_client_fields,
    storable_name,
)
from mcclink.errors import InputError


def test_fields_at_every_limit_pass() -> None:
    attributes = {f"k{n:0{MAX_ATTRIBUTE_NAME - 1}d}": "v" * 1000 for n in range(MAX_ATTRIBUTES)}
    check_client_fields("N" * MAX_NAME, "a" * 64 + "@" + "b" * 185 + ".com", attributes)


def test_accents_and_plain_addresses_pass() -> None:
    check_client_fields("Padaria São João", "contato@padaria.com.br", {"região": "Sudeste"})


@pytest.mark.parametrize(
    ("name", "email", "attributes", "phrases"),
    [
        ("N" * (MAX_NAME + 1), None, {}, ["the name has 256 characters", "at most 255"]),
        ("Sol\x00", None, {}, ["the name", "U+0000", "control character"]),
        ("Sol\nNova", None, {}, ["U+000A"]),
        ("Sol\ud800", None, {}, ["U+D800", "lone surrogate"]),
        ("Sol", "not-an-email", {}, ["invalid e-mail 'not-an-email'", "ana@example.com"]),
        ("Sol", "a@b", {}, ["invalid e-mail 'a@b'"]),
        ("Sol", "a b@c.com", {}, ["invalid e-mail"]),
        ("Sol", "x" * 250 + "@b.com", {}, ["the e-mail has 256 characters", "at most 254"]),
        ("Sol", None, {"": "x"}, ["an attribute has no name", "give its column a header"]),
        ("Sol", None, {"  ": "x"}, ["an attribute has no name"]),
        ("Sol", None, {"k" * 65: "x"}, ["attribute name", "65 characters", "at most 64"]),
        ("Sol", None, {"note": "x" * 2049}, ["the attribute 'note' has 2,049 characters"]),
        ("Sol", None, {"note": "a\tb"}, ["the attribute 'note'", "U+0009"]),
        ("Sol", None, {"no\x00te": "x"}, ["attribute name", "U+0000"]),
        ("Sol", None, {f"k{n}": "v" for n in range(51)}, ["51 attributes", "at most 50"]),
        ("Sol", None, {"note": 5}, ["the attribute 'note' must be text, not int"]),
    ],
)
def test_each_field_out_of_bounds_is_named_with_its_limit(
    name: str, email: str | None, attributes: dict[str, str], phrases: list[str]
) -> None:
    with pytest.raises(InputError) as caught:
        check_client_fields(name, email, attributes)

    for phrase in phrases:
        assert phrase in str(caught.value)


def test_the_whole_client_fits_far_below_a_dynamodb_item() -> None:
    # Every field within its own limit, together over the total: 4-byte characters.
    attributes = {f"k{n}": "\U0001f600" * MAX_ATTRIBUTE_VALUE for n in range(8)}

    with pytest.raises(InputError, match=r"take 65,\d{3} bytes \(UTF-8\): at most 65,536"):
        check_client_fields("Sol", None, attributes)
    assert MAX_FIELD_BYTES < 400 * 1024 // 4


def test_a_huge_value_is_never_repeated_in_the_message() -> None:
    with pytest.raises(InputError) as caught:
        check_client_fields("Sol", None, {"note": "secret" * 100_000})

    assert "secret" not in str(caught.value)
    assert len(str(caught.value)) < 200


def test_a_client_out_of_bounds_still_builds_and_reads_but_check_limits_refuses_it() -> None:
    client = Client(
        CustomerId.parse("111-222-3333"),
        CustomerId.parse("123-456-7890"),
        "Sol",
        attributes={"": "stored before the limits"},
    )

    with pytest.raises(InputError, match="no name"):
        client.check_limits()


def test_the_api_models_take_their_limits_from_the_domain() -> None:
    from mcclink.web.api_models import AccountCreate, ClientCreate

    for model in (ClientCreate, AccountCreate):
        schema = model.model_json_schema()["properties"]
        assert schema["name"]["maxLength"] == MAX_NAME
        assert schema["email"]["anyOf"][0]["maxLength"] == MAX_EMAIL
    attributes = ClientCreate.model_json_schema()["properties"]["attributes"]
    assert attributes["maxProperties"] == MAX_ATTRIBUTES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("  Padaria Sol ", "Padaria Sol"),
        ("Padaria\x00Sol", "fallback"),
        ("N" * 256, "fallback"),
        ("   ", "fallback"),
        (None, "fallback"),
    ],
)
def test_a_name_from_google_is_kept_only_if_a_client_may_be_stored_under_it(
    name: str | None, expected: str
) -> None:
    assert storable_name(name, "fallback") == expected
