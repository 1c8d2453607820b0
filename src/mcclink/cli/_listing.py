"""Client listings of any length, printed fast.

Rich lays a table out cell by cell (measure, wrap, pad, crop): about 0.3 ms a row here, so
3 s for 10,000 clients. A listing longer than ``PLAIN_ROWS`` is written instead as the same
columns in plain aligned text, in one write, statuses still coloured on a terminal. JSON
listings are streamed: one client per line inside the array, by the C encoder (``indent``
would switch ``json`` to its pure-Python encoder).
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
_STATUS_WIDTH = max(len(status.value) for status in LinkStatus)
_HEADERS = ("Customer ID", "Name", "Status", "Changed (UTC)", "Last error")
# Names come from users and CSV files: no control character reaches the terminal.
_CONTROL = {code: None for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]} | {
    ord(c): " " for c in "\t\n\r"
}


def plain_clients(clients: Sequence[Client], console: Console, title: str | None = None) -> str:
    """``clients`` as aligned plain-text columns (the Rich table's), colours if ``console``
    shows them."""
    names = [_clean(c.name) for c in clients]
    name_width = min(NAME_WIDTH, max((cell_len(n) for n in names), default=0))
    name_width = max(name_width, len(_HEADERS[1]))
    statuses = _status_cells(console)
    lines = [title] if title else []
    widths = (12, name_width, _STATUS_WIDTH, 13)
    lines.append(_row(_HEADERS, widths))
    lines.append("─" * (sum(widths) + 2 * len(widths) + len(_HEADERS[-1])))
    for client, name in zip(clients, names, strict=True):
        changed = client.status_changed_at
        error = client.last_error
        cells = (
            client.customer_id.dashed,
            _fit(name, name_width),
            statuses[client.status],
            changed.strftime("%m-%d %H:%M") if changed else "",
            _clean(error.code.rsplit(".", 1)[-1]) if error else "",
        )
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def print_json_array(items: Iterable[Mapping[str, Any]]) -> None:
    """A JSON array on stdout, written item by item (one compact object per line)."""
    write = sys.stdout.write
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode  # one, not one per item
    separator = "[\n"
    for item in items:
        write(separator + encode(item))
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


def _clean(text: str) -> str:
    return text if text.isprintable() else text.translate(_CONTROL)


def _fit(text: str, width: int) -> str:
    """``text`` padded or cut (with an ellipsis) to exactly ``width`` terminal cells."""
    if len(text) <= width and text.isascii():
        return text.ljust(width)
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"
