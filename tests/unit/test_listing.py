"""Long client listings: plain aligned columns instead of a Rich table, JSON streamed."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from mcclink.cli._common import print_clients
from mcclink.cli._listing import NAME_WIDTH, PLAIN_ROWS, plain_clients, print_json_array
from mcclink.domain import Client, CustomerId, LastError, LinkStatus

MCC = CustomerId.parse("123-456-7890")


def client(i: int, name: str = "", **changes: object) -> Client:
    made = Client(CustomerId(str(2_000_000_000 + i)), MCC, name or f"Cliente {i}")
    return made.evolve(**changes) if changes else made


def console(*, terminal: bool) -> Console:
    if terminal:
        return Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=120)
    return Console(file=io.StringIO(), force_terminal=False, color_system=None, width=120)


def test_every_column_lines_up_under_its_header() -> None:
    rows = [client(1, "Açaí & Cia"), client(2, "Padaria São João", status=LinkStatus.PENDING)]

    title, header, _, first, second = plain_clients(
        rows, console(terminal=False), "Clients (2)"
    ).splitlines()

    assert title == "Clients (2)"
    assert first.index("Açaí") == second.index("Padaria") == header.index("Name")
    assert first.index("NOT_LINKED") == second.index("PENDING") == header.index("Status")


def test_long_names_are_cut_to_the_column_and_errors_show_their_code() -> None:
    error = LastError("ManagerLinkError.TOO_MANY_MANAGERS", "too many", None)
    rows = [client(1, "x" * 100, last_error=error)]

    row = plain_clients(rows, console(terminal=False)).splitlines()[-1]

    assert "x" * (NAME_WIDTH - 1) + "…" in row
    assert "x" * NAME_WIDTH not in row
    assert row.endswith("TOO_MANY_MANAGERS")


def test_control_characters_in_names_never_reach_the_terminal() -> None:
    rows = [client(1, "Evil\x1b[2J\x07Name\tLtda")]

    text = plain_clients(rows, console(terminal=True))

    assert "\x1b[2J" not in text
    assert "\x07" not in text
    assert "Evil\\x1b[2J\\x07Name\\tLtda" in text


def test_statuses_are_coloured_only_on_a_terminal() -> None:
    rows = [client(1, status=LinkStatus.APPROVED)]

    assert "\x1b[32mAPPROVED" in plain_clients(rows, console(terminal=True))
    assert "\x1b[" not in plain_clients(rows, console(terminal=False))


@pytest.mark.parametrize(("count", "plain"), [(PLAIN_ROWS, False), (PLAIN_ROWS + 1, True)])
def test_only_listings_longer_than_the_threshold_skip_the_rich_table(
    count: int, plain: bool
) -> None:
    target = console(terminal=False)

    print_clients([client(i) for i in range(count)], "Clients", target)

    output = target.file.getvalue()  # type: ignore[attr-defined]
    assert output.splitlines()[0].startswith("Clients") is plain  # Rich centres its title
    assert output.count("Cliente ") == count


@pytest.mark.parametrize("count", [0, 1, 3])
def test_a_streamed_json_array_is_one_valid_document(
    count: int, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [{"customer_id": str(i), "name": "São João"} for i in range(count)]

    print_json_array(iter(items))

    written = capsys.readouterr().out
    assert json.loads(written) == items
    assert "São João" in written or count == 0
