"""Tables that stay readable at any width: codes whole, the least useful columns dropped.

Rich squeezes a table that is too wide by folding its cells, down to a few characters a
column: ``INV/ALI/D_C…`` over seven lines on an 80-column terminal. A ``FittedTable``
instead measures itself at the width it is printed at and leaves out its lowest-priority
columns until every code fits whole; only free text (names, messages) wraps, at spaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console, ConsoleOptions, JustifyMethod, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from mcclink.cli._listing import printable

#: Columns are two spaces apart (a cell's padding, collapsed), inside a blank edge each side.
_GAP = 2
_EDGES = 2
_UNBOUNDED = 10_000


@dataclass(frozen=True)
class Column:
    """A column: codes and dates never wrap; ``wrap`` text wraps at spaces only."""

    header: str
    #: 0: always shown; otherwise dropped when narrow, 1 first, then 2, … A wrapping column
    #: that is dropped too is kept whole (unwrapped) as long as columns dropped before it fit.
    drop: int = 0
    wrap: bool = False
    #: For wrapping text: the least width it keeps (longer words fold) before other columns
    #: are dropped; by default its longest word.
    min_width: int | None = None
    justify: JustifyMethod = "left"


class FittedTable:
    """A Rich renderable: the table of ``rows``, less the columns the width cannot hold."""

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[RenderableType]],
        title: str | None = None,
    ) -> None:
        self.columns, self.rows, self.title = list(columns), [list(r) for r in rows], title

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.fitted(console, options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.fitted(console, options.max_width))

    def fitted(self, console: Console, width: int) -> Table:
        """The table with as many columns as fit ``width``, dropping in ``drop`` order."""
        sizes = [self._size(console, i) for i in range(len(self.columns))]
        kept = list(range(len(self.columns)))
        for drop, index in sorted((c.drop, i) for i, c in enumerate(self.columns) if c.drop):
            without = [i for i in kept if i != index]
            # Droppable wrapping columns that outrank this one: dropping it may make them whole.
            whole = {i for i in kept if self.columns[i].wrap and self.columns[i].drop > drop}
            makes_whole = _width(sizes, without, whole) <= width < _width(sizes, kept, whole)
            if _width(sizes, kept, set()) <= width and not makes_whole:
                break
            kept = without
        # What width is left goes to the wrapping columns that need the least more first, so
        # a date or a status change is whole on one line before a long name takes the rest.
        spare = max(0, width - _width(sizes, kept, set()))
        widths = {}
        for growth, i in sorted(
            (sizes[i][1] - sizes[i][0], i) for i in kept if self.columns[i].wrap
        ):
            widths[i] = sizes[i][0] + min(growth, spare)
            spare -= min(growth, spare)
        return self._table(kept, widths)

    def _size(self, console: Console, index: int) -> tuple[int, int]:
        """The least and the most width column ``index`` takes: its longest cell for codes;
        ``min_width`` (else its longest word) up to its longest line for wrapping text."""
        column = self.columns[index]
        options = console.options.update_width(_UNBOUNDED)
        cells = [column.header, *(row[index] for row in self.rows)]
        sizes = [Measurement.get(console, options, cell) for cell in cells]
        most = max(size.maximum for size in sizes)
        if not column.wrap:
            return most, most
        least = column.min_width or max(size.minimum for size in sizes)
        return least, max(least, most)

    def _table(self, kept: list[int], widths: dict[int, int]) -> Table:
        title = Text(printable(self.title)) if self.title else None
        table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
        for i in kept:
            c = self.columns[i]
            table.add_column(
                c.header,
                no_wrap=not c.wrap,
                overflow="fold" if c.wrap else "ellipsis",
                width=widths.get(i),
                justify=c.justify,
            )
        for row in self.rows:
            table.add_row(*(row[i] for i in kept))
        return table


def _width(sizes: list[tuple[int, int]], kept: list[int], whole: set[int]) -> int:
    """The width of a table of the ``kept`` columns, each at its least width but ``whole``."""
    return _total([sizes[i][1] if i in whole else sizes[i][0] for i in kept])


def _total(widths: list[int]) -> int:
    """The width of a table whose columns take ``widths``."""
    return sum(widths) + _GAP * (len(widths) - 1) + _EDGES
