"""What every command shares: the global options, output in Rich or JSON, bulk runs.

Every command imports this module, so what only some commands need (Rich tables and
progress bars, thread pools) is imported where it is used: start-up stays short.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from mcclink import errors
from mcclink.bootstrap import Container
from mcclink.cli._listing import (
    MINUTE,
    PLAIN_ROWS,
    SECOND,
    STATUS_STYLE,
    json_safe,
    plain_clients,
    printable,
)
from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus, Outcome
from mcclink.errors import InputError, MccLinkError
from mcclink.serialization import client_to_dict

if TYPE_CHECKING:
    from mcclink.cli._tables import FittedTable

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
    sys.stdout.write(json_text(data, one_line=one_line))
    sys.stdout.flush()


def json_text(data: Any, *, one_line: bool = False) -> str:
    """``data`` as the JSON ``print_json`` prints (a line, or indented), newline included."""
    indent = None if one_line else 2
    encoded = json.dumps(data, ensure_ascii=False, indent=indent, default=str)
    return json_safe(encoded) + "\n"


def status_text(status: LinkStatus) -> str:
    """A status coloured for the terminal."""
    return f"[{STATUS_STYLE[status]}]{status.value}[/]"


def shown(value: object, *, lines: bool = False) -> str:
    """A value from data (a name, an e-mail, Google's message) for a Rich markup string:
    its brackets are not markup and its control characters are visible escapes."""
    return escape(printable(str(value), lines=lines))


def print_clients(
    clients: Sequence[Client],
    title: str | None = None,
    console: Console | None = None,
    *,
    with_hidden: bool = False,
) -> None:
    """Print clients as a Rich table, or, past ``PLAIN_ROWS``, as fast plain columns;
    ``with_hidden``: always the table, with its Hidden column."""
    console = console or out
    if with_hidden or len(clients) <= PLAIN_ROWS:
        console.print(clients_table(clients, title, with_hidden=with_hidden))
        return
    console.file.write(plain_clients(clients, console, title))
    console.file.flush()


def clients_table(
    clients: Iterable[Client], title: str | None = None, *, with_hidden: bool = False
) -> FittedTable:
    """A table of clients (``title`` is plain text); the date column goes first when narrow.
    ``with_hidden`` adds whether each is hidden in its manager's account list."""
    from mcclink.cli._tables import Column, FittedTable

    columns = [
        Column("Customer ID"),
        Column("Name", wrap=True, min_width=8),
        Column("Status"),
        *([Column("Hidden")] if with_hidden else []),
        Column("Changed (UTC)", drop=1),
        Column("Last error"),
    ]
    rows = [
        (
            c.customer_id.dashed,
            shown(c.name),
            status_text(c.status),
            *(["yes" if c.hidden else "no"] if with_hidden else []),
            c.status_changed_at.strftime(MINUTE) if c.status_changed_at else "",
            f"[red]{shown(_short(c.last_error.code))}[/]" if c.last_error else "",
        )
        for c in clients
    ]
    return FittedTable(tuple(columns), rows, title)


def history_table(
    entries: Iterable[HistoryEntry], title: str | None = None, *, one_client: bool = False
) -> FittedTable:
    """A table of history entries (``title`` is plain text); ``one_client``: they are one
    client's, shown on its page, so without a Customer ID column. When narrow the customer id
    goes first, then the outcome (a failure still shows its code, in red), then who acted,
    then the statuses; a date never wraps, and the status change gets the width left before
    anything else. The change is the statuses', or a move's managers ("moved from A to B",
    as the dashboard says)."""
    from mcclink.cli._tables import Column, FittedTable

    columns = [
        Column("When (UTC)"),
        Column("Customer ID", drop=1),
        Column("Operation"),
        Column("Change", wrap=True, drop=4),
        Column("Outcome", drop=2),
        Column("Who", wrap=True, drop=3),
        Column("Error"),
    ]
    rows = []
    for e in entries:
        before = e.status_before.value if e.status_before else "·"
        after = e.status_after.value if e.status_after else "·"
        change = f"{before} → {after}"
        if e.managers_moved:
            left, to = e.managers_moved
            done = "moved" if e.outcome is Outcome.SUCCESS else "not moved"
            change = f"{done} from {left} to {to}"
        style = {"SUCCESS": "green", "FAILED": "red", "NOOP": "dim"}[e.outcome.value]
        rows.append(
            [
                e.timestamp.strftime(SECOND),
                e.customer_id.dashed,
                e.operation.value,
                change,
                f"[{style}]{e.outcome.value}[/]",
                shown(e.actor),
                f"[red]{shown(_short(e.error_code))}[/]" if e.error_code else "",
            ]
        )
    if one_client:
        del columns[1]
        for row in rows:
            del row[1]
    return FittedTable(columns, rows, title)


def _short(code: str) -> str:
    """Google's error code without its family: ``TOO_MANY_MANAGERS``."""
    return code.rsplit(".", 1)[-1]


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


def print_bulk(
    result: BulkResult,
    console: Console | None = None,
    *,
    noops: Mapping[CustomerId, str] | None = None,
    notes: Mapping[CustomerId, str] | None = None,
) -> None:
    """Print a bulk run's outcome for a person (on ``console``, else stdout and stderr).

    ``noops`` (hide / unhide): the clients left as they were, with why; the table then shows
    whether each client is hidden. ``notes``: what was done to a client, where the table
    cannot show it (a move's managers).
    """
    if result.done:
        clients = sorted(result.done.values(), key=lambda c: c.customer_id)
        print_clients(clients, None, console, with_hidden=noops is not None)
    for cid, note in sorted((noops or {}).items()):
        (console or out).print(f"{cid}: NOOP, {note}: nothing changed")
    for cid, note in sorted((notes or {}).items()):
        (console or out).print(f"{cid}: {note}")
    for cid, exc in result.failed.items():
        message = str(exc) if cid.dashed in str(exc) else f"{cid}: {exc}"
        (console or err).print("[red]✗[/]", shown(message, lines=True))
    unchanged = f" ({len(noops)} NOOP)" if noops else ""
    (console or out).print(
        f"{len(result.done)} done{unchanged}, {len(result.failed)} failed, "
        f"{result.retries} retried call(s)"
    )


def bulk_exit(result: BulkResult) -> None:
    """Exit 0 when all succeeded, 2 when every failure was bad input, else 1."""
    if result.failed:
        codes = {exc.exit_code for exc in result.failed.values()}
        raise typer.Exit(2 if codes == {2} else 1)


def print_error(exc: MccLinkError, *, as_json: bool) -> None:
    """An error on stderr for a person and, with ``--json``, on stdout as
    ``{"error": {"code", "message", "fix"}}`` for a program."""
    # Not wrapped: messages carry commands and paths that must stay copyable.
    err.print("[red]error:[/]", shown(exc, lines=True), soft_wrap=True)
    if as_json:
        print_json(error_json(_code(exc), str(exc), _next_step(exc)))


def error_json(code: str, message: str, fix: str) -> dict[str, Any]:
    """The documented JSON shape of a failed command."""
    return {"error": {"code": code, "message": message, "fix": fix}}


#: What to do next, by kind of error (most specific first); the message names the value.
_NEXT_STEPS: tuple[tuple[type[MccLinkError], str], ...] = (
    (errors.OnboardingLinkNotFound, "`mcclink onboard list` shows the links and their ids"),
    (errors.InvalidTransition, "see the client's status with `mcclink clients show`"),
    (errors.TableMissing, "create the tables with `mcclink tables create`"),
    (
        errors.AuthenticationFailed,
        "fix the Google Ads credentials named, then run `mcclink doctor`",
    ),
    (errors.ConfigurationError, "fix each setting listed, then run `mcclink doctor`"),
    (errors.InputError, "correct the value named and run the command again"),
    (errors.VersionConflict, "run the command again: it reads the client afresh"),
    (errors.TransientError, "run the command again later: it resumes where it stopped"),
    (errors.StoreUnavailable, "run the command again when the store is reachable"),
    (errors.GoogleAdsError, "see Google's code; the failure is in `mcclink history CUSTOMER_ID`"),
    (errors.StoreError, "run the command again; `mcclink doctor` checks the store"),
)


def _next_step(exc: MccLinkError) -> str:
    """The error's own fix in the CLI's words, else the usual next step for its kind."""
    if exc.fix is not None:
        return exc.fix.cli
    return next((fix for cls, fix in _NEXT_STEPS if isinstance(exc, cls)), "run `mcclink doctor`")


def _code(exc: MccLinkError) -> str:
    return str(getattr(exc, "code", "") or type(exc).__name__)
