"""#14 review: Unicode format characters (category Cf) are refused like control characters
in every client field: U+202E reverses text on a terminal and a page, U+200B makes an
invisible name that is not blank, a byte order mark mid-header names a column no one sees.
The zero-width non-joiner and joiner stay allowed: Persian and Indic spelling, emoji."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mcclink.domain import CustomerId, check_client_fields, is_blank, storable_name
from mcclink.errors import InputError
from mcclink.importer import plan_import, read_csv
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration
from tests.fakes import FakeAds
from tests.unit.conftest import MCC

ACTIVE = CustomerId.parse("100-000-0002")
FORMAT_CHARACTERS = ["\u202e", "\u202a", "\u2066", "\u2069", "\u200b", "\ufeff", "\u00ad", "\u2060"]


@pytest.mark.parametrize("char", FORMAT_CHARACTERS)
@pytest.mark.parametrize(
    ("field", "fields"),
    [
        ("the name", lambda c: (f"Padaria{c}Sol", None, {})),
        ("the e-mail", lambda c: ("Padaria", f"ana{c}@example.com", {})),
        ("the attribute name", lambda c: ("Padaria", None, {f"{c}customer_id": "1"})),
        ("the attribute 'region'", lambda c: ("Padaria", None, {"region": f"S{c}P"})),
    ],
)
def test_a_format_character_in_any_field_is_refused_by_code_point(
    char: str, field: str, fields: Callable[[str], tuple[str, str | None, dict[str, str]]]
) -> None:
    with pytest.raises(InputError) as caught:
        check_client_fields(*fields(char))

    message = str(caught.value)
    assert field in message
    assert f"U+{ord(char):04X}, an invisible format character" in message
    assert "remove it" in message


def test_joiners_stay_allowed_in_names_and_values() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # with a ZWNJ
    check_client_fields(f"Padaria {family}", None, {"nome": persian})


@pytest.mark.parametrize("name", ["\u200b", " \u200d ", "\ufeff\u2060", "", "  "])
def test_a_name_of_blanks_and_invisible_characters_is_blank(name: str) -> None:
    assert is_blank(name)
    assert storable_name(name, "fallback") == "fallback"


def test_an_import_row_with_an_invisible_name_is_a_blank_name(tmp_path: Path) -> None:
    csv = tmp_path / "clients.csv"
    csv.write_text("customer_id,name\n111-222-3333,\u200d\n222-333-4444,\u200b\n", "utf-8")

    rows, _ = read_csv(csv)
    plan = plan_import(rows, {}, MCC)

    assert [str(p) for p in plan.problems] == [
        "line 2: 111-222-3333 has a blank name",
        "line 3: 222-333-4444 has a blank name; the name holds U+200B, an invisible format "
        "character (text direction override, zero-width space, byte order mark...) that "
        "mcclink does not store: remove it",
    ]


def test_a_byte_order_mark_mid_header_is_refused_naming_the_column(tmp_path: Path) -> None:
    csv = tmp_path / "clients.csv"
    csv.write_text("name,\ufeffcustomer_id\nPadaria,111-222-3333\n", "utf-8")

    with pytest.raises(InputError) as caught:
        read_csv(csv)

    assert "the header of column 2" in str(caught.value)
    assert "U+FEFF, an invisible format character" in str(caught.value)


def test_registering_an_invisible_name_writes_nothing(store: Store) -> None:
    service = GoogleAdsMCCService(store, FakeAds(set()), actor="test")

    with pytest.raises(InputError, match="non-blank name"):
        service.register(MCC, Registration(ACTIVE, "\u200d"))

    assert list(store.list_clients(MCC)) == []
