"""#14 review: a CSV field over the csv module's own limit (131,072 characters) is named by
line and column with mcclink's real limits; it said "save it as a plain CSV file"."""

from __future__ import annotations

import pytest

from mcclink.errors import InputError
from mcclink.importer import parse_csv


def test_an_over_long_field_names_its_line_column_and_the_real_limit() -> None:
    text = f"customer_id;name;notes\n111-222-3333;Padaria;ok\n222-333-4444;Sol;{'x' * 200_000}\n"

    with pytest.raises(InputError) as caught:
        parse_csv(text, "clients.csv")

    message = str(caught.value)
    assert message.startswith(
        "clients.csv: line 3: a field in column 3 ('notes') is over 131,072 characters"
    )
    assert "an attribute value 2,048; shorten it" in message
    assert "plain CSV" not in message
    assert "xxxx" not in message


def test_a_quote_never_closed_is_named_as_a_possible_cause() -> None:
    rows = "".join(f"{1000000000 + n},Cliente {n}\n" for n in range(10_000))
    text = f'customer_id,name\n111-222-3333,"Padaria\n{rows}'

    with pytest.raises(InputError, match="a quote opened on or before this line is never closed"):
        parse_csv(text, "clients.csv")
