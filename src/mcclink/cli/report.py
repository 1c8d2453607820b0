"""``mcclink report``: the management report of a period, as HTML, CSV, JSON or PDF.

``mcclink.reports`` is imported inside the command: every other command imports this
module at start-up.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from mcclink.cli._common import json_text, state
from mcclink.domain import CustomerId, parse_duration
from mcclink.errors import InputError

if TYPE_CHECKING:
    from mcclink.bootstrap import Container
    from mcclink.reports.metrics import PeriodReport
    from mcclink.reports.periods import Period


class ReportFormat(StrEnum):
    """What ``--format`` writes."""

    HTML = "html"
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


def _format(raw: str | ReportFormat) -> ReportFormat:
    """``--format``'s value. Typer's own check of a choice words its refusal as a pydantic
    error ("Value error, ..."); this one names the choices plainly."""
    try:
        return ReportFormat(raw)
    except ValueError:
        choices = ", ".join(f.value for f in ReportFormat)
        raise typer.BadParameter(
            f"{raw!r} is not a report format: give one of {choices}", param_hint="'--format'"
        ) from None


def report(
    ctx: typer.Context,
    period: Annotated[
        str,
        typer.Option(
            "--period",
            help="A month 2026-11, an ISO week 2026-W47 or a day 2026-11-05, in the agency's "
            "time zone (MCC_TIMEZONE).",
        ),
    ],
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            parser=_format,
            help="html: the management report; pdf: the same, printed by Chromium; csv: the "
            "per-client sheet; json: every figure and the sheet.",
        ),
    ] = ReportFormat.HTML,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    mcc: Annotated[
        str | None,
        typer.Option(
            "--mcc",
            help="Report on this manager (default: the global --mcc, else MCC_CUSTOMER_ID).",
        ),
    ] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Report on every manager with history in the period, one section (CSV: rows, "
            "JSON: a list) each.",
        ),
    ] = False,
    pending_age: Annotated[
        str,
        typer.Option(
            "--pending-age",
            help="An invitation unanswered this long has gone stale (the 'went stale' figure).",
        ),
    ] = "24h",
) -> None:
    """The onboarding report of a period, from history: summary, charts, the period's changes,
    what is still pending and for how long, errors with their fixes.

    --format csv is the per-client sheet instead (one row per client: its status at the end of
    the period and since when, its last invitation, days pending, last error), safe to open in
    a spreadsheet; --format json has the figures and the sheet. Dates are in MCC_TIMEZONE,
    written dd/mm/aaaa when MCC_LOCALE is pt-BR. Nothing is written when an input is bad.

    Example: mcclink report --period 2026-11 --format pdf -o novembro.pdf
    """
    from mcclink.reports.periods import Period

    if mcc and every:
        raise InputError("give either --mcc or --all, not both")
    container = state(ctx).container
    settings = _report_settings(
        container, pdf_wanted=fmt is ReportFormat.PDF, default_mcc=not (mcc or every)
    )
    if fmt is ReportFormat.PDF and output is None and sys.stdout.isatty():
        raise InputError("a PDF on the terminal is unreadable: give -o report.pdf")
    chosen = Period.parse(period, settings.zone)
    age = parse_duration(pending_age)
    manager = CustomerId.parse(mcc) if mcc else None if every else container.mcc
    reports = _reports(container, chosen, manager, age)  # the store is opened from here on
    _write(_render(reports, fmt, settings, every=every), output)


def _reports(
    container: Container, period: Period, manager: CustomerId | None, pending_age: timedelta
) -> list[PeriodReport]:
    """The report of ``manager``, or (None) of every manager active in ``period``.

    Raises:
        InputError: the manager is unknown to the store, or (every manager) none was
            active in the period, or the period has not started.
    """
    from mcclink.reports.managers import managers_active_in, require_known
    from mcclink.reports.metrics import build_report

    store = container.store
    managers = [manager] if manager else managers_active_in(store, period)
    return [
        require_known(store, build_report(store, m, period, pending_age=pending_age))
        for m in managers
    ]


def _render(
    reports: list[PeriodReport], fmt: ReportFormat, settings: _Settings, *, every: bool
) -> bytes:
    """The document ``fmt`` asks for; its JSON is a list when ``every`` (``--all``).

    Raises:
        PdfPrintFailed: the browser did not print the PDF.
    """
    from mcclink.reports import pdf, render

    if fmt is ReportFormat.CSV:
        return render.sheet_csv(reports).encode()
    if fmt is ReportFormat.JSON:
        return json_text(render.report_json(reports, as_list=every)).encode()
    html = render.report_html(reports, locale=settings.locale, agency=settings.agency)
    return html.encode() if settings.browser is None else pdf.print_pdf(html, settings.browser)


@dataclass(frozen=True)
class _Settings:
    """What the report reads from the environment."""

    zone: ZoneInfo
    locale: str
    agency: str | None
    #: The Chromium that prints a PDF (None: no PDF asked for).
    browser: str | None


def _report_settings(container: Container, *, pdf_wanted: bool, default_mcc: bool) -> _Settings:
    """The report's settings, checked before the store is opened.

    Raises:
        ConfigurationError: every problem of MCC_TIMEZONE, MCC_LOCALE, MCC_CUSTOMER_ID (when
            it is the manager) and, for a PDF, the browser, at once.
    """
    from mcclink.config import check_all
    from mcclink.mail import locale_for
    from mcclink.reports.pdf import find_browser

    environ = container.environ
    check_all(
        lambda: container.settings.time_zone,
        lambda: locale_for(None, environ),
        *((lambda: container.mcc),) if default_mcc else (),
        *((lambda: find_browser(environ)),) if pdf_wanted else (),
    )
    return _Settings(
        zone=container.settings.time_zone,
        locale=locale_for(None, environ),
        agency=container.settings.agency_name,
        browser=find_browser(environ) if pdf_wanted else None,
    )


def _write(data: bytes, output: Path | None) -> None:
    """``data`` to ``output``, else to stdout. The report is whole before this is called:
    bad input never leaves a file behind.

    Raises:
        InputError: ``output`` cannot be written (a missing directory, a directory, no right).
    """
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise InputError(
            f"cannot write the report to {output}: {exc.strerror}; give -o a file in a "
            "directory you can write to"
        ) from None
