"""The management report and the per-client sheet, written from ``PeriodReport`` values.

- ``report_html``: the report for people (summary, charts, the period's changes, what is
  still pending and for how long, errors with their fixes), one section per manager. Built
  with ``string.Template`` from the standard library, as the mail is, so that ``mcclink
  report`` needs no web extra; every value from data is escaped. The page carries its own
  Content-Security-Policy (nothing is fetched or run, its one stylesheet allowed by hash),
  so it can be opened from anywhere and printed as it is (``mcclink.reports.pdf``).
- ``sheet_csv``: one row per client, safe to open in a spreadsheet (``safe_cell``).
- ``report_json``: ``PeriodReport.to_dict``, the API's body (a list of them for ``--all``).

Dates show in the agency's zone (the period's), as ``dd/mm/aaaa`` in pt-BR and ISO
otherwise; the sheet and JSON keep ISO dates, which every spreadsheet reads in any locale.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

from mcclink.ads.error_table import RULES
from mcclink.domain import format_span
from mcclink.reports import charts
from mcclink.reports.metrics import PeriodReport
from mcclink.reports.periods import format_day

_TEMPLATES = Path(__file__).parent / "templates"
_PAGE = Template((_TEMPLATES / "report.html").read_text(encoding="utf-8"))
_CSS = (_TEMPLATES / "report.css").read_text(encoding="utf-8")
#: The page may fetch and run nothing; its own stylesheet is allowed by its hash.
CSP = (
    "default-src 'none'; base-uri 'none'; form-action 'none'; style-src "
    f"'sha256-{base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()}'"
)

#: What starts a spreadsheet formula (OWASP, "CSV Injection"): such a cell gets a leading
#: quote, which spreadsheets show as text and never evaluate.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_COLUMNS = (
    "manager",
    "customer_id",
    "name",
    "status",
    "status_since",
    "invited_at",
    "days_pending",
    "last_error",
)
#: The HTML report lists at most this many changes, and pending invitations: a big agency's
#: month has tens of thousands, past what a person reads; the JSON has every one.
MAX_ROWS = 200
#: The fix shown for an error code mcclink has no rule for.
UNKNOWN_FIX = "see Google's message in `mcclink history CUSTOMER_ID` for the clients it hit"


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet shows as written: a text that would start a
    formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a leading ``'``."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def sheet_csv(reports: Iterable[PeriodReport]) -> str:
    """The per-client sheet: a header, then one row per client of each report.

    UTF-8 with a byte-order mark (Excel reads accents right only with it), every cell
    quoted and ``safe_cell``, dates and times ISO in the agency's zone.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(SHEET_COLUMNS)
    for report in reports:
        zone = report.period.zone
        for row in report.clients:
            writer.writerow(
                safe_cell(value)
                for value in (
                    report.mcc.dashed,
                    row.customer_id.dashed,
                    row.name,
                    row.status.value,
                    _iso_minute(row.status_since, zone),
                    _iso_minute(row.invited_at, zone),
                    row.days_pending,
                    row.last_error,
                )
            )
    return buffer.getvalue()


def report_json(
    reports: Sequence[PeriodReport], *, as_list: bool
) -> dict[str, Any] | list[dict[str, Any]]:
    """The reports' ``to_dict``: a list when ``as_list`` (``--all``, however many managers
    had history), else the one report's."""
    bodies = [report.to_dict() for report in reports]
    return bodies if as_list else bodies[0]


def report_html(reports: Sequence[PeriodReport], *, locale: str, agency: str | None = None) -> str:
    """The management report of ``reports`` (one period, one or more managers) as an HTML
    document in English; ``locale`` (``pt-BR`` or ``en``) sets how dates are written."""
    first = reports[0]
    period = first.period
    title = f"Onboarding report {period.label}" + (f": {agency}" if agency else "")
    span = period_span(first, locale)
    whom = (
        f"manager account {first.mcc.dashed}"
        if len(reports) == 1
        else f"{len(reports)} manager accounts"
    )
    subtitle = f"{span} ({period.zone.key}) · {whom}"
    contents = ""
    if len(reports) > 1:
        items = "".join(
            f'<li><a href="#mcc-{r.mcc.digits}">{escape(r.mcc.dashed)}</a></li>' for r in reports
        )
        contents = f"<nav><h2>Managers</h2><ul>{items}</ul></nav>"
    return _PAGE.substitute(
        csp=escape(CSP),
        css=_CSS,
        title=escape(title),
        subtitle=escape(subtitle),
        contents=contents,
        sections="\n".join(_section(r, locale) for r in reports),
        footer=escape(
            f"Generated by mcclink on {_moment(first.generated_at, first, locale)} "
            f"({period.zone.key}) from ExecutionHistory: later changes never rewrite a past "
            "period."
        ),
    )


def period_span(report: PeriodReport, locale: str) -> str:
    """The days ``report`` covers, "01/11/2026 to 30/11/2026"; a period still running ends
    with ", so far (up to <when its figures were taken>)"."""
    days = report.period.days()
    span = f"{format_day(days[0], locale)} to {format_day(days[-1], locale)}"
    if report.as_of < report.period.end:  # a running period: its figures so far
        span += f", so far (up to {_moment(report.as_of, report, locale)})"
    return span


def _section(report: PeriodReport, locale: str) -> str:
    parts = [
        f'<section class="manager" id="mcc-{report.mcc.digits}">',
        f"<h2>Manager account {escape(report.mcc.dashed)}</h2>",
        "<h3>Summary</h3>",
        _summary(report),
        "<h3>Charts</h3>",
        _charts(report, locale),
        "<h3>Changes in the period</h3>",
        _changes(report, locale),
        "<h3>Still pending at the end of the period</h3>",
        _pending(report, locale),
        "<h3>Errors and their fixes</h3>",
        _errors(report),
        "</section>",
    ]
    return "\n".join(parts)


def _summary(report: PeriodReport) -> str:
    rate = report.acceptance_rate
    wait = report.time_to_acceptance
    figures = (
        ("Invitations sent", report.sent),
        ("Accepted", report.accepted),
        ("Refused", report.refused),
        ("Cancelled", report.cancelled),
        ("Went stale", report.went_stale),
        ("Acceptance rate", "—" if rate is None else f"{rate:.0%}"),
        ("Median time to accept", format_span(wait.median)),
        ("90% accepted within", format_span(wait.p90)),
        ("Pending at the end", len(report.pending_at_end)),
        ("Reminders sent", report.reminders_sent),
        ("Errors", sum(report.errors_by_code.values())),
    )
    cells = "".join(
        f"<div><dt>{escape(name)}</dt><dd>{escape(str(value))}</dd></div>"
        for name, value in figures
    )
    return f'<dl class="figures">{cells}</dl>'


def _charts(report: PeriodReport, locale: str) -> str:
    drawn = charts.report_charts(report, locale)
    return f'<div class="charts">{"".join(chart.__html__() for chart in drawn)}</div>'


def _changes(report: PeriodReport, locale: str) -> str:
    rows = [
        (
            _moment(change.at, report, locale),
            change.customer_id.dashed,
            change.name or "",
            change.operation.value,
            f"{change.before or '·'} → {change.after or '·'}",
            change.actor,
        )
        for change in report.changes[:MAX_ROWS]
    ]
    table = _table(
        ("When", "Customer ID", "Name", "Operation", "Status", "By"),
        rows,
        empty="No link changed status in this period.",
    )
    return table + _more(len(report.changes), "first", "changes")


def _pending(report: PeriodReport, locale: str) -> str:
    rows = [
        (
            client.customer_id.dashed,
            client.name or "",
            _moment(client.since, report, locale),
            format_span(client.age),
        )
        for client in report.pending_at_end[:MAX_ROWS]
    ]
    table = _table(
        ("Customer ID", "Name", "Invited", "Pending for"),
        rows,
        empty="No invitation was pending at the end of the period.",
        numbers=(3,),
    )
    return table + _more(len(report.pending_at_end), "oldest", "pending invitations")


def _errors(report: PeriodReport) -> str:
    rows = [
        (code, count, RULES[code].hint if code in RULES else UNKNOWN_FIX)
        for code, count in report.errors_by_code.items()
    ]
    return _table(
        ("Google Ads error", "Times", "Fix"),
        rows,
        empty="No Google Ads call failed in this period.",
        numbers=(1,),
    )


def _more(total: int, which: str, what: str) -> str:
    """The note under a table cut at ``MAX_ROWS``, saying where the rest is."""
    if total <= MAX_ROWS:
        return ""
    return (
        f'<p class="muted">The {which} {MAX_ROWS} of {total:,} {what} are shown; the JSON '
        "report (<code>--format json</code>) lists every one.</p>"
    )


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    empty: str,
    numbers: Sequence[int] = (),
) -> str:
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'

    def cell(tag: str, index: int, value: object) -> str:
        kind = ' class="number"' if index in numbers else ""
        return f"<{tag}{kind}>{escape(str(value))}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _moment(moment: datetime, report: PeriodReport, locale: str) -> str:
    local = moment.astimezone(report.period.zone)
    return f"{format_day(local.date(), locale)} {local:%H:%M}"


def _iso_minute(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"
