"""What every command shares: the global options, output in Rich or JSON, bulk runs.

Every command imports this module, so what only some commands need (Rich tables and
progress bars, thread pools) is imported where it is used: start-up stays short.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from mcclink.bootstrap import Container
from mcclink.cli._listing import PLAIN_ROWS, STATUS_STYLE, plain_clients
from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus
from mcclink.errors import InputError, MccLinkError
from mcclink.serialization import client_to_dict

if TYPE_CHECKING:
    from rich.table import Table

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (the documented shape).")]
MaxQpsOption = Annotated[
    float | None,
    typer.Option(
        "--max-qps",
        min=0.01,
        help="Google Ads calls per second at most (default: GOOGLE_ADS_MAX_QPS, else unpaced).",
    ),
]


@dataclass
class State:
    """The global options, and the lazily built dependencies of this run."""

    container: Container
    json: bool = False
    verbose: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def state(ctx: typer.Context) -> State:
    """The run's State (set by the root callback)."""
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def wants_json(ctx: typer.Context, local: bool) -> bool:
    """``--json`` given on the command or globally."""
    return local or state(ctx).json


def parse_ids(raw: Iterable[str]) -> list[CustomerId]:
    """Customer ids from arguments; every bad one is reported at once.

    Raises:
        InputError: one or more ids are malformed (nothing is done).
    """
    ids, bad = [], []
    for value in raw:
        try:
            ids.append(CustomerId.parse(value))
        except InputError as exc:
            bad.append(str(exc))
    if bad:
        raise InputError("\n".join(bad))
    return list(dict.fromkeys(ids))


def print_json(data: Any, *, one_line: bool = False) -> None:
    """JSON on stdout, UTF-8 kept readable; ``one_line`` for JSON Lines streams."""
    indent = None if one_line else 2
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=indent, default=str) + "\n")
    sys.stdout.flush()


def status_text(status: LinkStatus) -> str:
    """A status coloured for the terminal."""
    return f"[{STATUS_STYLE[status]}]{status.value}[/]"


def print_clients(
    clients: Sequence[Client], title: str | None = None, console: Console | None = None
) -> None:
    """Print clients as a Rich table, or, past ``PLAIN_ROWS``, as fast plain columns."""
    console = console or out
    if len(clients) <= PLAIN_ROWS:
        console.print(clients_table(clients, title))
        return
    console.file.write(plain_clients(clients, console, title))
    console.file.flush()


def clients_table(clients: Iterable[Client], title: str | None = None) -> Table:
    """A Rich table of clients."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("Customer ID", no_wrap=True)
    table.add_column("Name", ratio=1)
    for column in ("Status", "Changed (UTC)"):
        table.add_column(column, no_wrap=True)
    table.add_column("Last error", max_width=26, overflow="fold")
    for c in clients:
        changed = c.status_changed_at.strftime("%m-%d %H:%M") if c.status_changed_at else ""
        table.add_row(
            c.customer_id.dashed,
            escape(c.name),
            status_text(c.status),
            changed,
            f"[red]{escape(c.last_error.code.rsplit('.', 1)[-1])}[/]" if c.last_error else "",
        )
    return table


def history_table(entries: Iterable[HistoryEntry], title: str | None = None) -> Table:
    """A Rich table of history entries."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for column in ("When (UTC)", "Customer ID", "Operation", "Before → after", "Outcome"):
        table.add_column(column, no_wrap=True)
    table.add_column("Error", overflow="fold")
    for e in entries:
        before = e.status_before.value if e.status_before else "·"
        after = e.status_after.value if e.status_after else "·"
        style = {"SUCCESS": "green", "FAILED": "red", "NOOP": "dim"}[e.outcome.value]
        table.add_row(
            e.timestamp.strftime("%m-%d %H:%M:%S"),
            e.customer_id.dashed,
            e.operation.value,
            f"{before} → {after}",
            f"[{style}]{e.outcome.value}[/]",
            escape((e.error_code or "").rsplit(".", 1)[-1]),
        )
    return table


@dataclass
class BulkResult:
    """What a bulk run did: one client or one error per customer id."""

    done: dict[CustomerId, Client] = field(default_factory=dict)
    failed: dict[CustomerId, MccLinkError] = field(default_factory=dict)
    #: Google Ads calls retried after a transient failure or a rate limit.
    retries: int = 0


def run_bulk(
    ids: Sequence[CustomerId],
    action: Callable[[CustomerId], Client],
    *,
    label: str,
    concurrency: int,
    show_progress: bool,
    console: Console = err,
) -> BulkResult:
    """Run ``action`` for every id, ``concurrency`` at a time, with a progress bar."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    result = BulkResult()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with (
        Progress(*columns, TimeElapsedColumn(), console=console, disable=not show_progress) as bar,
        ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool,
    ):
        task = bar.add_task(label, total=len(ids))
        futures = {pool.submit(action, cid): cid for cid in ids}
        for future in as_completed(futures):
            cid = futures[future]
            try:
                result.done[cid] = future.result()
            except MccLinkError as exc:
                result.failed[cid] = exc
            bar.advance(task)
    return result


def bulk_json(result: BulkResult) -> dict[str, Any]:
    """The documented JSON shape of a bulk run."""
    return {
        "done": [client_to_dict(c) for c in result.done.values()],
        "failed": [
            {"customer_id": cid.digits, "error": str(exc), "code": _code(exc)}
            for cid, exc in result.failed.items()
        ],
        "retries": result.retries,
    }


def print_bulk(result: BulkResult, console: Console | None = None) -> None:
    """Print a bulk run's outcome for a person (on ``console``, else stdout and stderr)."""
    if result.done:
        print_clients(sorted(result.done.values(), key=lambda c: c.customer_id), None, console)
    for cid, exc in result.failed.items():
        message = str(exc) if cid.dashed in str(exc) else f"{cid}: {exc}"
        (console or err).print("[red]✗[/]", escape(message))
    (console or out).print(
        f"{len(result.done)} done, {len(result.failed)} failed, {result.retries} retried call(s)"
    )


def bulk_exit(result: BulkResult) -> None:
    """Exit 0 when all succeeded, 2 when every failure was bad input, else 1."""
    if result.failed:
        codes = {exc.exit_code for exc in result.failed.values()}
        raise typer.Exit(2 if codes == {2} else 1)


def _code(exc: MccLinkError) -> str:
    return str(getattr(exc, "code", "") or type(exc).__name__)
