"""Reading a CSV of advertisers: validate every row first, report every problem with its line.

The file needs a header with ``customer_id`` and ``name`` (``email`` optional; any other
column becomes a free-form attribute). Comma or semicolon separated (spreadsheets in
Brazil export with semicolons), UTF-8 with or without a BOM.
"""

from __future__ import annotations

import csv
import errno
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mcclink.domain import (
    MAX_ATTRIBUTE_VALUE,
    MAX_EMAIL,
    MAX_NAME,
    Client,
    CustomerId,
    check_characters,
)
from mcclink.errors import InputError
from mcclink.files import NotAPlainFile, read_plain_file
from mcclink.service import Registration

if TYPE_CHECKING:
    from _csv import _reader

#: Header names accepted for each field (the spec's payload names included).
_ALIASES = {
    "customer_id": {"customer_id", "customerid", "googleadscustomerid", "google_ads_customer_id"},
    "name": {"name", "nome", "descriptive_name"},
    "email": {"email", "e-mail"},
}


@dataclass(frozen=True)
class RowProblem:
    """One bad row: its line number in the file and what is wrong."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportPlan:
    """What an import would do: rows to register, rows already registered, problems."""

    new: list[Registration] = field(default_factory=list)
    existing: list[Registration] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


#: The largest CSV file ``read_csv`` reads: over 200,000 rows of a typical export, and a
#: bounded amount of memory whatever the path names.
MAX_CSV_BYTES = 16 * 1024 * 1024


def read_csv(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[RowProblem]]:
    """The rows of ``path`` as (line number, {field: value}), and the malformed rows.

    Raises:
        InputError: not a regular file, over ``MAX_CSV_BYTES``, unreadable, no header, a
            header without customer_id / name, or no row.
    """
    try:
        text = read_plain_file(path, MAX_CSV_BYTES).decode("utf-8-sig")
    except NotAPlainFile as exc:
        fix = (
            ", nothing imported: split it into smaller CSV files, each with the header line, "
            "and import them one by one"
            if exc.errno == errno.EFBIG
            else ": give the path of a CSV file"
        )
        raise InputError(f"{path} is {exc.strerror}{fix}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}; give a readable UTF-8 CSV file") from None
    return parse_csv(text, str(path))


def parse_csv(text: str, source: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowProblem]]:
    """The rows of CSV ``text`` (an upload, say), named ``source`` in messages; see ``read_csv``.

    Raises:
        InputError: no header, a header without customer_id / name, or no row under it.
    """
    # Universal newlines, as ``read_csv`` reads a file: a lone \r ends a line too.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise InputError(
            f"{source} is empty: expected a header line such as 'customer_id,name,email'"
        )
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows, problems = _rows(reader, source, first)
    except csv.Error as exc:
        if "field limit" not in str(exc):
            raise InputError(
                f"{source}: line {reader.line_num}: {exc}; save it as a plain CSV file"
            ) from None
        line = text.split("\n")[reader.line_num - 1] if reader.line_num else ""
        raise InputError(
            f"{source}: line {reader.line_num}: a field{_long_column(first, line, delimiter)} "
            f"is over {csv.field_size_limit():,} characters (or a quote opened on or before "
            f"this line is never closed): a name takes at most {MAX_NAME:,} characters, an "
            f"e-mail {MAX_EMAIL:,}, an attribute value {MAX_ATTRIBUTE_VALUE:,}; shorten it"
        ) from None
    if not rows and not problems:  # nothing to do is not what the user asked for
        raise InputError(
            f"{source} has a header but no rows, nothing imported: add one line per "
            "advertiser under it, e.g. '111-222-3333,Padaria Sol'"
        )
    return rows, problems


def _rows(
    reader: _reader, source: str, first: str
) -> tuple[list[tuple[int, dict[str, str]]], list[RowProblem]]:
    header = _header(next(reader), source)
    missing = [f for f in ("customer_id", "name") if f not in header]
    if missing:
        raise InputError(
            f"{source}: header {first.strip()!r} lacks {', '.join(missing)}"
            f"{_other_delimiter(first)}"
            "; expected a comma- or semicolon-separated header such as 'customer_id,name,email'"
        )
    rows, problems = [], []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append(
                RowProblem(
                    reader.line_num, f"{len(values)} fields where the header has {len(header)}"
                )
            )
            continue
        cells = [(h, v.strip()) for h, v in zip(header, values, strict=True)]
        unnamed = next((v for h, v in cells if not h and v), "")
        if unnamed:
            problems.append(
                RowProblem(
                    reader.line_num,
                    f"value {unnamed[:40]!r} is in a column with no header: "
                    "give the column a name or empty it",
                )
            )
            continue
        rows.append((reader.line_num, {h: v for h, v in cells if h}))
    return rows, problems


def _header(names: list[str], source: str) -> list[str]:
    """The canonical field of each column; refused if two columns name the same field.

    Columns without a name (a spreadsheet's trailing separators) are kept as ``""``: a
    row may leave them empty.
    """
    for column, name in enumerate(names, 1):
        # Format characters (a byte order mark where two files were joined, say) would
        # make a column no one can see the name of; controls (tabs) are reported below.
        if any(unicodedata.category(c) == "Cf" for c in name):
            check_characters(f"{source}: the header of column {column} ({name[:60]!r})", name)
    header = [_canonical(name) for name in names]
    first_column: dict[str, int] = {}
    for column, field_name in enumerate(header):
        if field_name and field_name in first_column:
            earlier, later = first_column[field_name], column
            raise InputError(
                f"{source}: columns {earlier + 1} ({names[earlier].strip()[:60]!r}) and "
                f"{later + 1} ({names[later].strip()[:60]!r}) both name the field "
                f"{field_name!r}: keep one of them"
            )
        first_column.setdefault(field_name, column)
    return header


def plan_import(
    rows: Iterable[tuple[int, dict[str, str]]],
    lookup: dict[CustomerId, Client],
    mcc: CustomerId,
) -> ImportPlan:
    """Validate rows against each other and the store's clients (``lookup``)."""
    plan = ImportPlan()
    seen: dict[CustomerId, int] = {}
    for line, row in rows:
        try:
            registration = _registration(row, mcc)
        except InputError as exc:
            plan.problems.append(RowProblem(line, str(exc)))
            continue
        cid = registration.customer_id
        if cid in seen:
            plan.problems.append(RowProblem(line, f"{cid} repeats line {seen[cid]}"))
            continue
        seen[cid] = line
        stored = lookup.get(cid)
        if stored is None:
            plan.new.append(registration)
        elif stored.name != registration.name or stored.email != registration.email:
            plan.problems.append(
                RowProblem(
                    line,
                    f"{cid} is already registered as {stored.name!r} <{stored.email or ''}>; "
                    "fix the row or the stored client",
                )
            )
        elif changed := _changed_attributes(stored.attributes, registration.attributes or {}):
            plan.problems.append(
                RowProblem(
                    line,
                    f"{cid} is already registered with different attributes: "
                    f"{'; '.join(changed)}; fix the row or the stored client (an import "
                    "does not change a registered client)",
                )
            )
        else:
            plan.existing.append(registration)
    return plan


def _changed_attributes(stored: Mapping[str, str], row: Mapping[str, str]) -> list[str]:
    """Each attribute the row gives with a value other than the stored one, described.

    An attribute the row leaves out (no column, or an empty cell) is not a change.
    """
    return [
        f"{name[:40]!r} stored {_shown(stored.get(name))}, row {_shown(value)}"
        for name, value in sorted(row.items())
        if stored.get(name) != value
    ]


def _shown(value: str | None) -> str:
    return "none" if value is None else repr(value if len(value) <= 40 else value[:40] + "...")


def _registration(row: dict[str, str], mcc: CustomerId) -> Registration:
    email = row.get("email") or None
    extra = {k: v for k, v in row.items() if k not in _ALIASES and v}
    return Registration.parse(row["customer_id"], row["name"], email, extra, mcc=mcc)


def _long_column(header: str, line: str, delimiter: str) -> str:
    """`` in column N ('notes')`` for the first over-long field of an unquoted line, or ""."""
    fields = line.split(delimiter)
    names = header.split(delimiter)
    column = next((n for n, f in enumerate(fields) if len(f) > csv.field_size_limit()), None)
    if column is None:
        return ""
    name = f" ({names[column].strip()[:40]!r})" if column < len(names) else ""
    return f" in column {column + 1}{name}"


def _other_delimiter(first_line: str) -> str:
    """A note when the header reads right split by a delimiter mcclink does not take."""
    for delimiter, name in (("\t", "tabs"), ("|", "'|'")):
        if {"customer_id", "name"} <= {_canonical(h) for h in first_line.split(delimiter)}:
            return f" (it is separated by {name}: save the file with commas or semicolons)"
    return ""


def _canonical(header: str) -> str:
    key = header.strip().lower().replace(" ", "_")
    for canonical, aliases in _ALIASES.items():
        if key in aliases or key.replace("_", "") in aliases:
            return canonical
    return key
