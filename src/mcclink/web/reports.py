"""The dashboard's Reports page: one period of the manager account, from history.

The page shows ``reports.metrics.build_report``'s figures and ``reports.charts``' charts
(server-rendered SVG: no JavaScript, each with a table as its text alternative). Read-only:
a viewer may use it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mcclink.bootstrap import Container
from mcclink.domain import utcnow
from mcclink.errors import InputError
from mcclink.mail import locale_for
from mcclink.reports.charts import report_charts
from mcclink.reports.metrics import build_report
from mcclink.reports.periods import Period, format_day
from mcclink.web import deps
from mcclink.web.roles import Viewer
from mcclink.web.security import web_settings
from mcclink.web.views import render

router = APIRouter(include_in_schema=False)

#: Rows of "still pending at the end" on the page (the CSV sheet has every client).
PENDING_LIMIT = 20
Built = Annotated[Container, Depends(deps.container)]


@router.get("/reports")
def reports_page(
    request: Request, principal: Viewer, built: Built, period: str | None = None
) -> HTMLResponse:
    """The figures and charts of ``period`` (default: this month in the agency's zone); a
    period it cannot read is a 400 page naming the forms it reads."""
    zone = built.settings.time_zone
    shared: dict[str, Any] = {"mcc": built.mcc, "zone": zone.key}
    try:
        chosen = (
            Period.containing("month", utcnow(), zone)
            if period is None
            else Period.parse(period, zone)
        )
        report = build_report(
            built.store, built.mcc, chosen, pending_age=web_settings(request).pending_age
        )
    except InputError as exc:  # a period it cannot read, or one still to come
        return render(request, "reports.html", 400, problem=str(exc), period_text=period, **shared)
    locale = locale_for(None, built.environ)
    following = Period.containing(chosen.kind, chosen.end, zone)
    return render(
        request,
        "reports.html",
        report=report,
        charts=report_charts(report, locale),
        period_text=chosen.label,
        days=[format_day(chosen.first_day, locale), format_day(chosen.days()[-1], locale)],
        previous=_previous(chosen).label,
        following=following.label if following.start <= report.generated_at else None,
        pending_limit=PENDING_LIMIT,
        **shared,
    )


def _previous(period: Period) -> Period:
    """The period of the same kind just before ``period``."""
    return Period.containing(period.kind, period.start - timedelta(microseconds=1), period.zone)
