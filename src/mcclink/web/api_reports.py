"""``GET /api/v1/reports/{period}``: a period's report, as ``mcclink report`` writes it.

JSON is ``PeriodReport.to_dict``; CSV the per-client sheet (an attachment); HTML the
management report, answered with the report's own Content-Security-Policy (its one
stylesheet allowed by hash; nothing fetched or run). PDF stays the CLI's (``--format pdf``):
a web server should not start a browser per request. Reports are read-only: viewer role.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from mcclink.bootstrap import Container
from mcclink.reports.metrics import build_report
from mcclink.reports.periods import FORMS, Period
from mcclink.staff import Role
from mcclink.web import api_models as m
from mcclink.web.deps import ApiManager, container
from mcclink.web.reports import report_response
from mcclink.web.roles import RoleCheck
from mcclink.web.security import web_settings

router = APIRouter(dependencies=[Depends(RoleCheck(Role.VIEWER, api=True))])

Box = Annotated[Container, Depends(container)]
_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: JSON (`format=json`), the per-client sheet "
        "(`format=csv`) or the HTML report (`format=html`).",
        "content": {"text/csv": {}, "text/html": {}},
    }
}


@router.get(
    "/reports/{period}",
    response_model=m.PeriodReportOut,
    responses={**m.problem_responses(403), **_FORMATS},
    tags=["reports"],
)
def get_report(
    request: Request,
    box: Box,
    period: Annotated[str, Path(max_length=32, description=f"The period: {FORMS}.")],
    mcc: ApiManager,
    format: Annotated[
        Literal["json", "csv", "html"],
        Query(description="json: every figure and the sheet; csv: the sheet; html: the report."),
    ] = "json",
) -> Response:
    """A period's onboarding report, from history (``mcclink report``): its days, weeks and
    months are the agency's (``MCC_TIMEZONE``). Invitations sent and answered, acceptance rate
    and time, what was pending at the end and for how long, errors, the onboarding funnel,
    reminders, each day's figures, the status changes and the per-client sheet.

    ``mcc=`` names the manager, as on every route (one of ``GET /api/v1/managers``). An
    unknown manager, a malformed period, or one that has not started, is a 422.
    """
    chosen = Period.parse(period, box.settings.time_zone)
    pending_age = web_settings(request).pending_age
    report = build_report(box.store, mcc, chosen, pending_age=pending_age)
    return report_response(report, format, box)
