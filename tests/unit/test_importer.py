"""The CSV import plan: every bad row reported with its line, nothing decided twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcclink.domain import Client, CustomerId
from mcclink.errors import InputError
from mcclink.importer import plan_import, read_csv

MCC = CustomerId.parse("123-456-7890")


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "clients.csv"
    path.write_text(text, encoding=encoding)
    return path


def test_reads_comma_semicolon_and_bom_files_alike(tmp_path: Path) -> None:
    for text in (
        "customer_id,name,email\n111-222-3333,Padaria São João,a@b.com\n",
        "customer_id;name;email\n111-222-3333;Padaria São João;a@b.com\n",
        "\ufeffCustomer ID,Nome,E-mail\n111-222-3333,Padaria São João,a@b.com\n",
    ):
        rows, problems = read_csv(write(tmp_path, text))
        assert problems == []
        assert rows == [
            (2, {"customer_id": "111-222-3333", "name": "Padaria São João", "email": "a@b.com"})
        ]


def test_header_without_customer_id_is_refused_with_the_expected_form(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"lacks customer_id.*customer_id,name,email"):
        read_csv(write(tmp_path, "id\tname\n1112223333\tX\n"))


def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read_csv(write(tmp_path, ""))


def test_rows_with_the_wrong_number_of_fields_are_reported(tmp_path: Path) -> None:
    _, problems = read_csv(write(tmp_path, "customer_id,name\n1112223333,A,extra\n"))
    assert [str(p) for p in problems] == ["line 2: 3 fields where the header has 2"]


def test_plan_reports_every_bad_row_and_sorts_the_rest() -> None:
    rows = [
        (2, {"customer_id": "111-222-3333", "name": "Padaria"}),
        (3, {"customer_id": "12345", "name": "Curto"}),
        (4, {"customer_id": "111-222-3333", "name": "Padaria"}),
        (5, {"customer_id": "123-456-7890", "name": "A própria MCC"}),
        (6, {"customer_id": "444-555-6666", "name": ""}),
        (7, {"customer_id": "777-888-9999", "name": "Já cadastrado"}),
        (8, {"customer_id": "222-333-4444", "name": "Outro nome"}),
        (9, {"customer_id": "333-444-5555", "name": "Nova", "segment": "varejo"}),
    ]
    known = {
        CustomerId.parse(cid): Client(CustomerId.parse(cid), MCC, name)
        for cid, name in (("777-888-9999", "Já cadastrado"), ("222-333-4444", "Nome antigo"))
    }
    plan = plan_import(rows, known, MCC)
    assert [p.line for p in plan.problems] == [3, 4, 5, 6, 8]
    assert "repeats line 2" in str(plan.problems[1])
    assert "MCC itself" in str(plan.problems[2])
    assert [r.customer_id.digits for r in plan.new] == ["1112223333", "3334445555"]
    assert plan.new[1].attributes == {"segment": "varejo"}
    assert [r.customer_id.digits for r in plan.existing] == ["7778889999"]


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        ("customer_id,name,googleAdsCustomerId", "columns 1 ('customer_id') and 3 "),
        ("customer_id,name,nome", "columns 2 ('name') and 3 ('nome')"),
        ("customer_id,name,email,e-mail", "columns 3 ('email') and 4 ('e-mail')"),
        ("Customer ID,name,customer_id", "columns 1 ('Customer ID') and 3 ('customer_id')"),
        ("customer_id,name,Region,region", "columns 3 ('Region') and 4 ('region')"),
    ],
)
def test_a_header_naming_one_field_twice_is_refused_with_both_columns(
    tmp_path: Path, header: str, columns: str
) -> None:
    width = header.count(",") + 1
    text = f"{header}\n111-222-3333,Padaria{',x' * (width - 2)}\n"

    with pytest.raises(InputError) as caught:
        read_csv(write(tmp_path, text))

    assert columns in str(caught.value)
    assert "keep one of them" in str(caught.value)


def test_unnamed_columns_may_stay_empty_but_a_value_in_one_is_a_row_problem(
    tmp_path: Path,
) -> None:
    text = "customer_id,name,,\n111-222-3333,Padaria,,\n222-333-4444,Sol,,esquecido\n"

    rows, problems = read_csv(write(tmp_path, text))

    assert rows == [(2, {"customer_id": "111-222-3333", "name": "Padaria"})]
    assert [str(p) for p in problems] == [
        "line 3: value 'esquecido' is in a column with no header: give the column a name "
        "or empty it"
    ]


def test_rows_out_of_the_client_limits_are_problems_of_the_plan() -> None:
    rows = [
        (2, {"customer_id": "111-222-3333", "name": "Padaria"}),
        (3, {"customer_id": "222-333-4444", "name": "Sol", "notes": "x" * 500_000}),
        (4, {"customer_id": "333-444-5555", "name": "Zé\x00"}),
        (5, {"customer_id": "444-555-6666", "name": "Lua", "email": "lua@"}),
    ]

    plan = plan_import(rows, {}, MCC)

    assert [r.customer_id.digits for r in plan.new] == ["1112223333"]
    assert [(p.line, str(p).split(": ", 2)[1]) for p in plan.problems] == [
        (3, "222-333-4444"),
        (4, "333-444-5555"),
        (5, "444-555-6666"),
    ]
    assert "the attribute 'notes' has 500,000 characters" in str(plan.problems[0])
    assert "U+0000" in str(plan.problems[1])
    assert "invalid e-mail 'lua@'" in str(plan.problems[2])
