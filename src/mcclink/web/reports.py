"""The dashboard's Reports page: one period of the manager account, from history.

The page shows ``reports.metrics.build_report``'s figures and ``reports.charts``' charts
(server-rendered SVG: no JavaScript, each with a table as its text alternative), and offers
the report as a download in every format ``mcclink report`` writes. Read-only: a viewer may
use it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from mcclink.bootstrap import Container
from mcclink.domain import utcnow
from mcclink.errors import InputError
from mcclink.mail import locale_for
from mcclink.reports import render as report_render
from mcclink.reports.charts import report_charts
from mcclink.reports.metrics import PeriodReport, build_report
from mcclink.reports.periods import Period
from mcclink.web import deps, problems
from mcclink.web.roles import Viewer
from mcclink.web.security import web_settings
from mcclink.web.views import render

router = APIRouter(include_in_schema=False)

#: Rows of "still pending at the end" on the page (the CSV sheet has every client).
PENDING_LIMIT = 20
#: The downloads offered, by file extension: the API's formats (a PDF is the CLI's, or the
#: browser's print of the HTML report).
FORMATS = {"html": "HTML report", "csv": "CSV sheet", "json": "JSON"}

Built = Annotated[Container, Depends(deps.container)]


@router.get("/reports")
def reports_page(
    request: Request,
    principal: Viewer,
    built: Built,
    mcc: deps.PageManager,
    period: str | None = None,
) -> HTMLResponse:
    """The figures and charts of ``period`` (default, or empty as the picker sends it when
    cleared: this month in the agency's zone, so far); a period it cannot read, or one still
    to come, is a 422 page naming the forms it reads."""
    zone = built.settings.time_zone
    shared: dict[str, Any] = {"mcc": mcc, "zone": zone.key, "formats": FORMATS.items()}
    try:
        chosen = (
            Period.containing("month", utcnow(), zone)
            if not (period and period.strip())
            else Period.parse(period, zone)
        )
        report = build_report(
            built.store, mcc, chosen, pending_age=web_settings(request).pending_age
        )
    except InputError as exc:  # a period it cannot read, or one still to come
        return render(
            request,
            "reports.html",
            problems.status_for(exc),
            problem=str(exc),
            period_text=period,
            **shared,
        )
    locale = locale_for(None, built.environ)
    following = Period.containing(chosen.kind, chosen.end, zone)
    return render(
        request,
        "reports.html",
        report=report,
        charts=report_charts(report, locale),
        period_text=chosen.label,
        span=report_render.period_span(report, locale),
        previous=_previous(chosen).label,
        following=following.label if following.start <= report.generated_at else None,
        pending_limit=PENDING_LIMIT,
        **shared,
    )


@router.get("/reports/{period}/report.{fmt}")
def download(
    request: Request,
    principal: Viewer,
    built: Built,
    mcc: deps.PageManager,
    period: str,
    fmt: str,
) -> Response:
    """The report of ``period`` as ``GET /api/v1/reports/{period}?format=`` answers it, for
    a signed-in browser (the API wants a bearer token).

    Raises:
        InputError: a format or period it cannot read (a 422 page naming what it reads).
    """
    if fmt not in FORMATS:
        raise InputError(f"no report format {fmt[:20]!r}: ask for {', '.join(FORMATS)}")
    chosen = Period.parse(period, built.settings.time_zone)
    report = build_report(built.store, mcc, chosen, pending_age=web_settings(request).pending_age)
    return report_response(report, fmt, built)


def report_response(report: PeriodReport, fmt: str, built: Container) -> Response:
    """``report`` as ``fmt`` asks: ``csv`` the per-client sheet (an attachment), ``html`` the
    management report (with its own CSP: its stylesheet is inline, allowed by hash), else
    ``json`` (``PeriodReport.to_dict``). The API's ``GET /api/v1/reports/{period}`` and the
    page's downloads both answer with it."""
    if fmt == "csv":
        name = f"mcclink-report-{report.period.label}-{report.mcc.digits}.csv"
        return Response(
            report_render.sheet_csv([report]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if fmt == "html":
        locale = locale_for(None, built.environ)
        html = report_render.report_html([report], locale=locale, agency=built.settings.agency_name)
        policy = f"{report_render.CSP}; frame-ancestors 'none'"  # not in a page's own meta tag
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})
    return JSONResponse(report.to_dict())


def _previous(period: Period) -> Period:
    """The period of the same kind just before ``period``."""
    return Period.containing(period.kind, period.start - timedelta(microseconds=1), period.zone)
