"""The per-client sheet's cells: a text a spreadsheet would run as a formula is kept as text."""

from __future__ import annotations

import pytest

from mcclink.reports.render import safe_cell


@pytest.mark.parametrize(
    "formula",
    [
        '=HYPERLINK("http://x","y")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
    ],
)
def test_a_cell_that_would_start_a_formula_gets_a_leading_quote(formula: str) -> None:
    assert safe_cell(formula) == "'" + formula


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("Padaria Sol", "Padaria Sol"),
        ("Loja = Casa", "Loja = Casa"),  # only the first character starts a formula
        ("111-222-3333", "111-222-3333"),
        (20, "20"),
        (None, ""),
        ("", ""),
    ],
)
def test_other_cells_are_written_as_they_are(value: object, cell: str) -> None:
    assert safe_cell(value) == cell
