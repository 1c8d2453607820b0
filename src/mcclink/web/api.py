"""The REST API under /api/v1: the CLI's operations and ``--json`` shapes over HTTP.

Routes are plain ``def``: FastAPI runs them in its threadpool, where the store and the
Google Ads client block as they do for the CLI. Every answer is written by the CLI's own
codec (``mcclink.serialization``, ``Stats.to_dict``) and described by ``api_models``.
Errors are raised as mcclink errors and become problem documents in ``app``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Query, Request, UploadFile
from fastapi import Path as FastApiPath
from fastapi.responses import JSONResponse, Response

from mcclink import alerts, followups, managers, monitor, search, stats
from mcclink.bootstrap import Container
from mcclink.domain import Client, CustomerId, LinkStatus, parse_duration, utcnow
from mcclink.errors import GoogleAdsError, InputError
from mcclink.importer import parse_csv, plan_import
from mcclink.onboard_links import mcc_onboarding_link, new_onboarding_link
from mcclink.serialization import (
    client_to_dict,
    history_to_dict,
    new_onboarding_link_to_dict,
    onboarding_link_view,
    parse_timestamp,
    sync_report_to_dict,
)
from mcclink.service import GoogleAdsMCCService, Registration
from mcclink.web import api_models as m
from mcclink.web.deps import ApiManager, acting, container, directory
from mcclink.web.problems import after_write
from mcclink.web.roles import ApiAdmin, ApiOperator, ApiViewer
from mcclink.web.security import web_settings

#: Every route declares the least role its token needs as its first parameter (``ApiViewer``,
#: ``ApiOperator``, ``ApiAdmin``: ``roles.RoleCheck``), so the token is checked before anything
#: else of the request is read.
router = APIRouter()

Box = Annotated[Container, Depends(container)]
#: The service for this request: history records the token's actor (``token:<name>
#: (<owner>)``, ``break-glass:<address>``).
Acting = Annotated[GoogleAdsMCCService, Depends(acting)]
_errors = m.problem_responses


def _path_id(
    customer_id: Annotated[str, FastApiPath(json_schema_extra=m.CUSTOMER_ID_SCHEMA)],
) -> CustomerId:
    """The ``{customer_id}`` of a path; a bad one is answered with the CLI's message.

    Raises:
        InvalidCustomerId: not 10 digits.
    """
    return CustomerId.parse(customer_id)


PathId = Annotated[CustomerId, Depends(_path_id)]
#: A service action on one client, as ``GoogleAdsMCCService.invite`` is.
LinkAction = Callable[[GoogleAdsMCCService, CustomerId, CustomerId], Client]
#: The largest CSV the API reads (about 50,000 rows).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
#: The history window when ``since`` is not given (the CLI's).
DEFAULT_HISTORY_WINDOW = timedelta(days=7)
#: The moments ``since`` / ``until`` may name.
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)


def _json(body: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status_code)


# -- clients -------------------------------------------------------------------------------


@router.get("/clients", response_model=m.ClientPage, responses=_errors(), tags=["clients"])
def list_clients(
    principal: ApiViewer,
    box: Box,
    mcc: ApiManager,
    status: Annotated[LinkStatus | None, Query(description="Only clients in this status.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Part of the name (any case) or of the customer id."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Clients per page.")] = 100,
    cursor: Annotated[
        str | None,
        Query(pattern="^[0-9]{10}$", description="``next_cursor`` of the previous page."),
    ] = None,
) -> JSONResponse:
    """List the manager's clients by customer id, a page at a time (``mcclink clients list``)."""
    clients = box.store.list_clients(mcc, status)
    wanted = _after((c for c in clients if search.matches(c, q)), cursor)
    page = list(islice(wanted, limit + 1))
    more = len(page) > limit
    return _json(
        {
            "items": [client_to_dict(c) for c in page[:limit]],
            "next_cursor": page[limit - 1].customer_id.digits if more else None,
        }
    )


@router.get(
    "/clients/{customer_id}",
    response_model=m.ClientDetailOut,
    responses=_errors(404),
    tags=["clients"],
)
def get_client(
    principal: ApiViewer,
    box: Box,
    mcc: ApiManager,
    customer_id: PathId,
    history: Annotated[int, Query(ge=0, le=500, description="Newest history entries.")] = 20,
) -> JSONResponse:
    """One client and its newest history entries (``mcclink clients show --json``)."""
    client = box.service.get(mcc, customer_id)
    entries = box.store.client_history(mcc, customer_id, history) if history else ()
    return _json({**client_to_dict(client), "history": [history_to_dict(e) for e in entries]})


@router.post(
    "/clients",
    status_code=201,
    response_model=m.ClientOut,
    responses=_errors(400, 403, 409, 502),
    tags=["clients"],
)
def create_client(
    principal: ApiOperator,
    request: Request,
    box: Box,
    service: Acting,
    mcc: ApiManager,
    body: m.ClientCreate,
) -> Response:
    """Register an advertiser (NOT_LINKED) and, unless ``invite`` is false, invite it.

    Google checks the invitation first (``validate_only``): when it would refuse it, the
    answer is that refusal (403, 409, 422 or 502) and nothing is written. When the
    invitation still fails once the client is registered (Google became unavailable, or
    changed its mind in between), the client stays registered with ``last_error`` set, as
    ``mcclink clients add`` leaves it, and the answer is a 502 (503: unavailable) problem
    saying so: send the invitation again with ``POST /clients/{customer_id}/invite``.
    A manager ``mcc=`` names that is not the server's MCC and has no client yet is looked
    up at Google first: a client account, or one the login does not reach, is a 422.
    """
    registration = Registration(body.customer_id, body.name, body.email, body.attributes)
    # Before the invitation's check, so a manager Google cannot confirm is answered as such
    # (a 4xx, or its own 5xx when Google is down), never as "registered, but".
    service.check_manager(mcc)
    if body.invite:
        _check_invitation(service, mcc, body.customer_id)
    try:
        client = service.register(mcc, registration, invite=body.invite)
    except GoogleAdsError as exc:
        retry = request.url_for("invite_client", customer_id=body.customer_id.digits).path
        retry += "" if mcc == box.mcc else f"?mcc={mcc.digits}"
        detail = f"client {body.customer_id} is registered, but its invitation failed: {exc}"
        return after_write(exc, f"{detail}; send it again with POST {retry}")
    return _json(client_to_dict(client), 201)


def _check_invitation(service: GoogleAdsMCCService, mcc: CustomerId, customer: CustomerId) -> None:
    """Ask Google whether ``mcc`` may invite ``customer``; nothing is sent or written.

    Raises:
        GoogleAdsError: Google would refuse the invitation, or could not be asked.
        ConfigurationError: no usable Google Ads settings.
    """
    try:
        service.ads.send_invitation(mcc, customer, validate_only=True)
    except GoogleAdsError as exc:
        exc.about(str(customer))
        raise


@router.delete(
    "/clients/{customer_id}",
    status_code=204,
    responses=_errors(403, 404, 409, 502),
    tags=["clients"],
)
def archive_client(
    principal: ApiAdmin,
    service: Acting,
    mcc: ApiManager,
    customer_id: PathId,
    cancel_link: Annotated[
        bool,
        Query(description="Cancel a pending invitation, or end an active link, first."),
    ] = False,
) -> Response:
    """Remove the client from the store; its history stays (``mcclink clients archive``).

    A client whose link is PENDING or APPROVED is refused (409) unless ``cancel_link`` is
    true; the monitor never imports an archived client again.
    """
    service.archive(mcc, customer_id, cancel_link=cancel_link)
    return Response(status_code=204)


def _link_action(name: str, action: LinkAction, summary: str) -> None:
    """Register ``POST /clients/{customer_id}/NAME`` running the service's ``action``."""

    def route(
        principal: ApiOperator,
        service: Acting,
        mcc: ApiManager,
        customer_id: PathId,
        body: Annotated[m.NoFields | None, Body()] = None,
    ) -> JSONResponse:
        return _json(client_to_dict(action(service, mcc, customer_id)))

    route.__name__ = f"{name}_client"
    route.__doc__ = summary
    router.post(
        f"/clients/{{customer_id}}/{name}",
        response_model=m.ClientOut,
        responses=_errors(400, 403, 404, 409, 502),
        tags=["links"],
    )(route)


_link_action(
    "invite",
    GoogleAdsMCCService.invite,
    "Send (or re-send) the MCC's invitation; a link already PENDING or APPROVED is kept.",
)
_link_action("cancel", GoogleAdsMCCService.cancel, "Withdraw a PENDING invitation.")
_link_action("unlink", GoogleAdsMCCService.unlink, "End an APPROVED link.")
_link_action(
    "hide",
    GoogleAdsMCCService.hide,
    "Hide an APPROVED client in the MCC's account list at Google Ads (the link stays active).",
)
_link_action(
    "unhide", GoogleAdsMCCService.unhide, "Show a hidden client again in the MCC's account list."
)


@router.post(
    "/clients/{customer_id}/move",
    response_model=m.ClientOut,
    responses=_errors(400, 403, 404, 409, 502),
    tags=["links"],
)
def move_client(
    principal: ApiOperator,
    service: Acting,
    mcc: ApiManager,
    customer_id: PathId,
    body: Annotated[m.ClientMove, Body()],
) -> JSONResponse:
    """Move an APPROVED client to another manager of the MCC's tree in one Google call
    (``mcclink links move``); the answer is the client as now stored under that manager."""
    return _json(client_to_dict(service.move(mcc, customer_id, body.to)))


@router.post(
    "/imports",
    response_model=m.ImportReportOut,
    responses=_errors(400, 403, 409),
    tags=["clients"],
)
def import_clients(
    principal: ApiOperator,
    box: Box,
    service: Acting,
    mcc: ApiManager,
    file: Annotated[UploadFile, File(description="CSV with a customer_id,name[,email] header.")],
    validate_only: Annotated[
        bool, Query(description="Report what would be done, write nothing.")
    ] = False,
    skip_invalid: Annotated[
        bool, Query(description="Register the good rows even if some are bad.")
    ] = False,
) -> JSONResponse:
    """Register advertisers from a CSV; every row is checked before anything is written.

    With ``validate_only`` the answer is the row-by-row report and nothing is written.
    Rows already registered with the same data are skipped (``mcclink clients import``).
    """
    source = file.filename or "upload"
    rows, problems = parse_csv(_read_upload(file, source), source)
    plan = plan_import(rows, {c.customer_id: c for c in box.store.list_clients(mcc)}, mcc)
    invalid = [str(p) for p in sorted([*problems, *plan.problems], key=lambda p: p.line)]
    if invalid and not (validate_only or skip_invalid):
        listing = "\n".join(f"  {p}" for p in invalid)
        raise InputError(
            f"{source}: {len(invalid)} bad row(s), nothing imported:\n{listing}\n"
            "fix them, or send skip_invalid=true to import the good rows"
        )
    if not validate_only:
        for registration in plan.new:
            service.register(mcc, registration)
    report = {"imported": len(plan.new), "skipped_existing": len(plan.existing)}
    return _json({"validate_only": validate_only, **report, "invalid": invalid})


# -- onboarding links -------------------------------------------------------------------


@router.post(
    "/clients/{customer_id}/onboarding-links",
    status_code=201,
    response_model=m.OnboardingLinkCreatedOut,
    responses=_errors(400, 403, 404),
    tags=["onboarding"],
)
def create_onboarding_link(
    principal: ApiOperator,
    box: Box,
    service: Acting,
    mcc: ApiManager,
    customer_id: PathId,
    body: Annotated[m.OnboardingLinkCreate | None, Body()] = None,
) -> JSONResponse:
    """Make a link the advertiser opens to sign in with Google and accept the invitation.

    The URL is in this answer only: the store keeps a hash of its secret. Needs
    ``MCC_PUBLIC_URL`` on the server: without it the answer is a 500 problem, and the server
    log names the setting.
    """
    expires_in = parse_duration((body or m.OnboardingLinkCreate()).expires)
    link, url = new_onboarding_link(box, customer_id, expires_in, service.actor, mcc=mcc)
    return _json(new_onboarding_link_to_dict(link, url), 201)


@router.get(
    "/clients/{customer_id}/onboarding-links",
    response_model=list[m.OnboardingLinkOut],
    responses=_errors(404),
    tags=["onboarding"],
)
def list_onboarding_links(
    principal: ApiViewer, box: Box, mcc: ApiManager, customer_id: PathId
) -> JSONResponse:
    """The client's onboarding links, newest first, with their state and funnel counts."""
    box.service.get(mcc, customer_id)
    now = utcnow()
    links = box.store.list_onboarding_links(mcc, customer_id)
    return _json([onboarding_link_view(link, now) for link in links])


@router.delete(
    "/onboarding-links/{link_id}",
    response_model=m.OnboardingLinkOut,
    responses=_errors(403, 404),
    tags=["onboarding"],
)
def revoke_onboarding_link(
    principal: ApiOperator,
    box: Box,
    mcc: ApiManager,
    link_id: Annotated[str, FastApiPath(max_length=64)],
) -> JSONResponse:
    """Revoke a link: it stops working at once (revoking again keeps the first time)."""
    mcc_onboarding_link(box, link_id, mcc)
    now = utcnow()
    return _json(onboarding_link_view(box.store.revoke_onboarding_link(link_id, now), now))


# -- history ----------------------------------------------------------------------------


@router.get(
    "/clients/{customer_id}/history",
    response_model=list[m.HistoryEntryOut],
    responses=_errors(404),
    tags=["history"],
)
def client_history(
    principal: ApiViewer,
    box: Box,
    mcc: ApiManager,
    customer_id: PathId,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 100,
) -> JSONResponse:
    """A client's history, newest first (``mcclink history CUSTOMER_ID``)."""
    box.service.get(mcc, customer_id)
    entries = box.store.client_history(mcc, customer_id, limit)
    return _json([history_to_dict(e) for e in entries])


@router.get(
    "/history",
    response_model=list[m.HistoryEntryOut],
    responses=_errors(),
    tags=["history"],
)
def history(
    principal: ApiViewer,
    box: Box,
    mcc: ApiManager,
    since: Annotated[
        str | None,
        Query(
            description="From this moment, ISO 8601 (UTC without an offset; a date means its "
            "midnight); default 7 days before until.",
            min_length=1,
            json_schema_extra={"format": "date-time"},
            examples=["2026-01-01T00:00:00Z"],
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(
            description="Before this moment, ISO 8601; default now.",
            min_length=1,
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="The newest this many.")] = 100,
    actor: Annotated[
        str | None,
        Query(
            max_length=search.MAX_ACTOR_QUERY,
            description="Only entries whose actor holds this text, any case (e.g. "
            "`ana@agencia.com.br`, `token:ci`, `break-glass`).",
        ),
    ] = None,
) -> JSONResponse:
    """The manager's history in a time range, oldest first (``mcclink history --since``),
    optionally only what one actor did."""
    end = _moment(until, "until") if until else utcnow() + timedelta(seconds=1)
    start = _moment(since, "since") if since else end - DEFAULT_HISTORY_WINDOW
    if start >= end:
        raise InputError(f"since ({start.isoformat()}) must be before until ({end.isoformat()})")
    found = box.store.history_between(start, end, mcc)
    entries = [e for e in found if search.actor_matches(e.actor, actor)][-limit:]
    return _json([history_to_dict(e) for e in entries])


# -- stats, monitor, accounts ---------------------------------------------------------------

PendingAgeHours = Annotated[
    float | None,
    Query(gt=0, le=8760, description="Flag invitations pending longer (default: the server's)."),
]


@router.get(
    "/stats", response_model=m.StatsOut | m.StatsAllOut, responses=_errors(), tags=["monitor"]
)
def get_stats(
    principal: ApiViewer,
    request: Request,
    box: Box,
    mcc: ApiManager,
    pending_age_hours: PendingAgeHours = None,
    scope: Annotated[
        Literal["manager", "all"],
        Query(
            description="manager: the one ``mcc`` names; all: every manager of GET /managers, "
            "each and summed (``mcclink stats --all``)."
        ),
    ] = "manager",
) -> JSONResponse:
    """Acceptance rate, mean time to acceptance, stale invitations, errors, alerts: of one
    manager, or of every manager with their sum (``scope=all``: the acceptance rate from the
    summed answers, not an average of the managers' rates)."""
    age = _pending_age(request, pending_age_hours)
    settings = alerts.AlertSettings.from_env(box.environ)
    if scope == "manager":
        result = stats.compute(box.store, mcc, pending_age=age, alert_settings=settings)
        return _json(result.to_dict())
    if request.query_params.get("mcc"):
        raise InputError("scope=all covers every manager: leave out mcc, or ask for scope=manager")
    every = directory(request).all(fresh=True)
    return _json(
        stats.compute_all(box.store, every, pending_age=age, alert_settings=settings).to_dict()
    )


@router.get("/managers", response_model=m.ManagersOut, responses=_errors(), tags=["monitor"])
def list_managers(principal: ApiViewer, request: Request, box: Box) -> JSONResponse:
    """The managers this server acts for (any of them is a route's ``mcc=``): the configured
    ones (``MCC_CUSTOMER_ID``, ``MCC_CUSTOMER_IDS``) first, then every other manager with
    clients in the store, each with its clients counted by link status."""
    known = directory(request)
    configured = managers.configured(box.environ, box.mcc)
    items = [
        {
            "mcc_customer_id": mcc.digits,
            "default": mcc == known.default,
            "configured": mcc in configured,
            **managers.client_counts(box.store, mcc),
        }
        for mcc in known.all(fresh=True)
    ]
    return _json({"items": items})


@router.get("/alerts", response_model=m.AlertsOut, responses=_errors(), tags=["monitor"])
def get_alerts(principal: ApiViewer, box: Box, mcc: ApiManager) -> JSONResponse:
    """The manager's current alerts (``MCC_ALERT_*`` thresholds) and when each was last notified.

    The monitor tells the agency of them, at most once per condition and day.
    """
    current = alerts.read_state(box.store, mcc, settings=alerts.AlertSettings.from_env(box.environ))
    return _json(current.to_dict())


@router.post(
    "/monitor/run",
    response_model=m.SyncReportOut,
    responses=_errors(403, 502),
    tags=["monitor"],
)
def run_monitor(
    principal: ApiOperator,
    request: Request,
    box: Box,
    service: Acting,
    mcc: ApiManager,
    pending_age_hours: PendingAgeHours = None,
) -> JSONResponse:
    """Run one monitor cycle now, then its follow-ups (a reminder pass when mail is
    configured, an alert pass when someone is to be told), and answer its report
    (``mcclink monitor --once --json``)."""
    age = _pending_age(request, pending_age_hours)
    try:
        report = service.sync(mcc, pending_age=age)
    except GoogleAdsError:
        # The agency hears of the failure.
        followups.follow_up(box, mcc=mcc, sync_failed=True, actor=service.actor)
        raise
    follow = followups.follow_up(box, mcc=mcc, actor=service.actor)
    return _json(sync_report_to_dict(report) | follow.to_dict())


@router.get(
    "/monitor/last-run",
    response_model=m.HistoryEntryOut | None,
    responses=_errors(),
    tags=["monitor"],
)
def last_monitor_run(principal: ApiViewer, box: Box, mcc: ApiManager) -> JSONResponse:
    """The last monitor cycle's history entry (operation MONITOR), or null if none ran."""
    entry = monitor.last_run(box.store, mcc)
    return _json(None if entry is None else history_to_dict(entry))


@router.post(
    "/accounts",
    status_code=201,
    response_model=m.ClientOut,
    responses=_errors(400, 403, 409, 502),
    tags=["clients"],
)
def create_account(
    principal: ApiOperator,
    service: Acting,
    mcc: ApiManager,
    body: Annotated[m.AccountCreate, Body()],
) -> JSONResponse:
    """Create a Google Ads account under the manager and register it, linked at once."""
    client = service.create_account(
        mcc,
        body.name,
        body.currency_code,
        body.time_zone,
        email=body.email,
        tracking_url_template=body.tracking_url_template,
    )
    return _json(client_to_dict(client), 201)


# -- helpers ------------------------------------------------------------------------------


def _after(clients: Iterable[Client], cursor: str | None) -> Iterator[Client]:
    """The clients after ``cursor`` (the store lists them by customer id)."""
    last = CustomerId(cursor) if cursor else None
    return (c for c in clients if last is None or c.customer_id > last)


def _pending_age(request: Request, hours: float | None) -> timedelta:
    return web_settings(request).pending_age if hours is None else timedelta(hours=hours)


def _read_upload(file: UploadFile, source: str) -> str:
    """The upload's text, refused past ``MAX_UPLOAD_BYTES`` or when not UTF-8.

    Raises:
        InputError: too large, or not UTF-8 text.
    """
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"{source} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB: "
            "split it into smaller files"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{source} is not UTF-8 text: save the CSV as UTF-8") from None


def _moment(raw: str, name: str) -> datetime:
    """``raw`` (ISO 8601; UTC when it has no offset) as a UTC datetime history can hold.

    Raises:
        InputError: not ISO 8601, or out of range.
    """
    try:
        moment: datetime | None = parse_timestamp(raw)
    except OverflowError:  # an offset that pushes year 1 or 9999 off the calendar
        moment = None
    if moment is None or not _EARLIEST <= moment <= _LATEST:
        raise InputError(
            f"{name} {raw!r} is out of range: expected a date between "
            f"{_EARLIEST.year} and {_LATEST.year}"
        )
    return moment
