"""#14 review: an import row for a registered client is skipped only when its data is the
same; a changed attribute is a conflict on its line, never silently dropped."""

from __future__ import annotations

from mcclink.domain import Client, CustomerId
from mcclink.importer import plan_import

MCC = CustomerId.parse("123-456-7890")
PADARIA = CustomerId.parse("111-222-3333")


def known(**attributes: str) -> dict[CustomerId, Client]:
    return {PADARIA: Client(PADARIA, MCC, "Padaria", "a@b.com", attributes)}


def row(**attributes: str) -> list[tuple[int, dict[str, str]]]:
    return [
        (2, {"customer_id": PADARIA.dashed, "name": "Padaria", "email": "a@b.com", **attributes})
    ]


def test_a_registered_row_with_a_changed_attribute_is_a_conflict_on_its_line() -> None:
    plan = plan_import(row(region="RJ", segment="varejo"), known(region="SP"), MCC)

    assert plan.existing == []
    assert plan.new == []
    assert [str(p) for p in plan.problems] == [
        "line 2: 111-222-3333 is already registered with different attributes: 'region' "
        "stored 'SP', row 'RJ'; 'segment' stored none, row 'varejo'; fix the row or the "
        "stored client (an import does not change a registered client)"
    ]


def test_a_registered_row_with_the_same_data_or_fewer_columns_is_skipped() -> None:
    for rows in (row(region="SP"), row(), row(region="")):
        plan = plan_import(rows, known(region="SP", currency_code="BRL"), MCC)

        assert plan.problems == []
        assert [r.customer_id for r in plan.existing] == [PADARIA]
