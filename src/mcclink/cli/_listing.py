"""Client listings of any length, printed fast.

Rich lays a table out cell by cell (measure, wrap, pad, crop): about 0.3 ms a row here, so
3 s for 10,000 clients. A listing longer than ``PLAIN_ROWS`` is written instead as the same
columns in plain aligned text, in one write, statuses still coloured on a terminal. JSON
listings are streamed: one client per line inside the array, by the C encoder (``indent``
would switch ``json`` to its pure-Python encoder).

Every listing, plain, Rich or JSON, shows what comes from data without a raw control
character (``printable``, ``json_safe``): a name cannot command the terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.text import Text

from mcclink.domain import Client, LinkStatus

#: Longer listings skip Rich's table layout.
PLAIN_ROWS = 200
#: The widest a name column gets in plain listings; longer names are cut with an ellipsis.
NAME_WIDTH = 40

#: The colour of each status, in Rich tables and plain listings alike.
STATUS_STYLE = {
    LinkStatus.NOT_LINKED: "dim",
    LinkStatus.PENDING: "yellow",
    LinkStatus.APPROVED: "green",
    LinkStatus.REJECTED: "red",
    LinkStatus.CANCELLED: "magenta",
    LinkStatus.UNLINKED: "blue",
}
#: How listings show a moment (UTC): always with the year.
MINUTE = "%Y-%m-%d %H:%M"
SECOND = "%Y-%m-%d %H:%M:%S"
_STATUS_WIDTH = max(len(status.value) for status in LinkStatus)
_DATE_SAMPLE = "2026-01-31 23:59"
#: The narrowest a name column gets in plain listings before the date column is left out.
_NAME_MIN = 16
_HEADERS = ("Customer ID", "Name", "Status", "Changed (UTC)", "Last error")
# Names, e-mails and messages come from users, CSV files and Google: a control character
# (C0, DEL, C1: ESC starts a terminal command) is shown as a visible escape, never sent raw.
_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]} | {
    ord("\t"): "\\t",
    ord("\n"): "\\n",
    ord("\r"): "\\r",
}
_CONTROL_KEEPING_LINES = {**_CONTROL, ord("\n"): "\n"}
# ``json`` escapes C0 controls only: C1 ones (U+009B is a terminal's CSI) get ``\u`` escapes.
_C1_IN_JSON = {code: f"\\u{code:04x}" for code in range(0x80, 0xA0)}


def plain_clients(clients: Sequence[Client], console: Console, title: str | None = None) -> str:
    """``clients`` as aligned plain-text columns (the Rich table's), colours if ``console``
    shows them; on a narrow console names are cut first, then the date column is left out."""
    names = [printable(c.name) for c in clients]
    codes = [
        printable(c.last_error.code.rsplit(".", 1)[-1]) if c.last_error else "" for c in clients
    ]
    code_width = max(len(_HEADERS[-1]), *(cell_len(code) for code in codes))
    fixed = 12 + _STATUS_WIDTH + code_width + 2 * 3  # id, status, error and the gaps between
    with_date = console.width - fixed - len(_DATE_SAMPLE) - 2 >= _NAME_MIN
    if with_date:
        fixed += len(_DATE_SAMPLE) + 2
    longest = max((cell_len(n) for n in names), default=0)
    name_width = max(len(_HEADERS[1]), min(NAME_WIDTH, longest, console.width - fixed))
    statuses = _status_cells(console)
    headers = _HEADERS if with_date else _HEADERS[:3] + _HEADERS[4:]
    widths = (12, name_width, _STATUS_WIDTH, *((len(_DATE_SAMPLE),) if with_date else ()))
    lines = [printable(title)] if title else []
    lines.append(_row(headers, widths))
    lines.append("─" * (sum(widths) + 2 * len(widths) + code_width))
    for client, name, code in zip(clients, names, codes, strict=True):
        changed = client.status_changed_at
        cells = [client.customer_id.dashed, _fit(name, name_width), statuses[client.status]]
        if with_date:
            cells.append(
                changed.strftime(MINUTE).ljust(len(_DATE_SAMPLE))
                if changed
                else " " * len(_DATE_SAMPLE)
            )
        cells.append(code)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def print_json_array(items: Iterable[Mapping[str, Any]]) -> None:
    """A JSON array on stdout, written item by item (one compact object per line)."""
    write = sys.stdout.write
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode  # one, not one per item
    separator = "[\n"
    for item in items:
        write(separator + json_safe(encode(item)))
        separator = ",\n"
    write("[]\n" if separator == "[\n" else "\n]\n")
    sys.stdout.flush()


def _row(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """The last cell takes its own width."""
    padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
    return "  ".join([*padded, *cells[len(widths) :]]).rstrip()


def _status_cells(console: Console) -> dict[LinkStatus, str]:
    """Each status padded to the column, as ``console`` prints it (coloured or not)."""
    cells = {}
    for status in LinkStatus:
        with console.capture() as captured:
            console.print(
                Text(status.value.ljust(_STATUS_WIDTH), style=STATUS_STYLE[status]), end=""
            )
        cells[status] = captured.get()
    return cells


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\t``), so
    nothing in it can command the terminal; ``lines`` keeps its line breaks."""
    if text.isprintable():
        return text
    return text.translate(_CONTROL_KEEPING_LINES if lines else _CONTROL)


def json_safe(encoded: str) -> str:
    """JSON text with no raw C1 control character (each is a ``\\u`` escape: still JSON)."""
    return encoded if encoded.isascii() else encoded.translate(_C1_IN_JSON)


def _fit(text: str, width: int) -> str:
    """``text`` padded or cut (with an ellipsis) to exactly ``width`` terminal cells."""
    if len(text) <= width and text.isascii():
        return text.ljust(width)
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"
