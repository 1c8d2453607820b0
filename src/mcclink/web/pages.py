"""Server-rendered pages (Jinja2): readable without JavaScript, htmx only as a nicety.

Every page declares the least role it needs (``roles``: ``Viewer`` to read, ``Operator`` to
act; a form post's CSRF token is checked with the role). An action answers
with a redirect back to the page it came from (Post/Redirect/Get) and a one-shot message
in a signed cookie, so a reload never repeats it. htmx (vendored, ``hx-boost``) only turns
those round trips into in-place swaps and asks before a link is cancelled or ended.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from mcclink import alerts, followups, monitor, search, stats, webhooks
from mcclink.bootstrap import Container
from mcclink.domain import Client, CustomerId, LinkStatus, parse_duration, utcnow
from mcclink.errors import GoogleAdsError, InputError, MccLinkError
from mcclink.importer import ImportPlan, RowProblem, parse_csv, plan_import
from mcclink.onboard_links import mcc_onboarding_link, new_onboarding_link
from mcclink.service import GoogleAdsMCCService
from mcclink.web import deps, problems
from mcclink.web.roles import Operator, Viewer
from mcclink.web.security import web_settings
from mcclink.web.signin import safe_next
from mcclink.web.throttle import TooManyRequests
from mcclink.web.views import Flash, render, set_flash

router = APIRouter(include_in_schema=False)

#: Largest CSV accepted by the import page; its text rides in the confirm form, which
#: Starlette caps at 1 MiB a field.
MAX_UPLOAD_BYTES = 512 * 1024
#: Rows shown in the clients table at most (narrow the search to see the others).
LIST_LIMIT = 500
#: Stale invitations listed on the dashboard at most (the count is always complete).
STALE_LIMIT = 20
#: How long a new onboarding link may work, as the client page offers it.
ONBOARDING_EXPIRIES = {"1d": "1 day", "7d": "7 days", "14d": "14 days", "30d": "30 days"}


class Action(StrEnum):
    """A link action a client row offers (re-invite is ``invite`` from a closed link)."""

    INVITE = "invite"
    CANCEL = "cancel"
    UNLINK = "unlink"
    HIDE = "hide"
    UNHIDE = "unhide"


def error_page(request: Request, exc: MccLinkError, status_code: int) -> HTMLResponse:
    """An mcclink error as a page: its message, the fix in the dashboard's words (none of the
    server's local details)."""
    message = problems.public_detail(exc, "page")
    return render(request, "error.html", status_code, message=message, status=status_code)


def too_many_page(request: Request, exc: TooManyRequests) -> HTMLResponse:
    """429 for a staff page (the sign-in form): when to try again, with ``Retry-After``."""
    message = (
        f"Too many failed sign-ins from this address. Wait {exc.retry_after} seconds and try again."
    )
    response = render(request, "error.html", 429, message=message, status=429)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


Built = Annotated[Container, Depends(deps.container)]
#: The service for this request: history records the signed-in person (``user:<email>``).
Acting = Annotated[GoogleAdsMCCService, Depends(deps.acting)]


# -- dashboard and monitor ------------------------------------------------------------------


@router.get("/")
def dashboard(request: Request, principal: Viewer, built: Built, mcc: deps.PageManager) -> Response:
    """Counts, acceptance, stale invitations, alerts (with their settings), the last monitor
    run and webhook failures."""
    store = built.store
    pending_age = web_settings(request).pending_age
    now = utcnow()
    stale = [
        c
        for c in store.list_clients(mcc, LinkStatus.PENDING)
        if c.invited_at is not None and now - c.invited_at > pending_age
    ]
    stale.sort(key=lambda c: c.invited_at or now)
    alert_settings = alerts.AlertSettings.from_env(built.environ)
    return render(
        request,
        "dashboard.html",
        mcc=mcc,
        stats=stats.compute(store, mcc, pending_age=pending_age, now=now),
        alerts=alerts.read_state(store, mcc, settings=alert_settings, now=now),
        stale=stale[:STALE_LIMIT],
        stale_total=len(stale),
        pending_age=pending_age,
        run=monitor.last_run(store, mcc),
        deliveries=webhooks.delivery_problems(store, now=now, mcc=mcc),
        webhooks_on=built.settings.webhook_url is not None,
        now=now,
    )


@router.get("/managers")
def all_managers(
    request: Request, principal: Viewer, built: Built, mcc: deps.PageManager
) -> Response:
    """Every manager's figures in a row each, and the row of their sum (``mcclink stats
    --all``); a manager's id opens its dashboard."""
    pending_age = web_settings(request).pending_age
    every = deps.directory(request).all(fresh=True)
    thresholds = alerts.AlertSettings.from_env(built.environ)
    tree = stats.compute_all(built.store, every, pending_age=pending_age, alert_settings=thresholds)
    total = tree.total()
    return render(
        request,
        "managers.html",
        rows=tree,
        total=total,
        mean=tree.outcomes.mean_time_to_acceptance,
        # A column for each status some client is in (seven would not fit a laptop).
        statuses=[s for s in LinkStatus if total["by_status"][s.value]],
        pending_age=pending_age,
    )


@router.post("/monitor")
def run_monitor(
    request: Request, principal: Operator, built: Built, service: Acting, mcc: deps.PageManager
) -> Response:
    """Run one monitor cycle for the manager now, then its follow-ups (reminders, alerts) as
    every monitor cycle does, and show its summary."""
    try:
        report = service.sync(mcc, pending_age=web_settings(request).pending_age)
    except GoogleAdsError as exc:
        follow = followups.follow_up(built, mcc=mcc, sync_failed=True, actor=service.actor)
        failed = monitor.last_run(built.store, mcc)
        status = problems.status_for(exc)
        return render(
            request,
            "monitor.html",
            status,
            report=None,
            run=failed,
            error=exc,
            follow=follow,
        )
    follow = followups.follow_up(built, mcc=mcc, actor=service.actor)
    run = monitor.last_run(built.store, mcc)
    return render(request, "monitor.html", report=report, run=run, error=None, follow=follow)


# -- clients ----------------------------------------------------------------------------------


@router.get("/clients")
def clients(
    request: Request,
    principal: Viewer,
    built: Built,
    mcc: deps.PageManager,
    status: str = "",
    q: str = "",
) -> Response:
    """The clients table, filtered by status and by a search on name or customer id."""
    wanted = LinkStatus.parse(status) if status else None
    matches = [c for c in built.store.list_clients(mcc, wanted) if search.matches(c, q)]
    return render(
        request,
        "clients.html",
        clients=matches[:LIST_LIMIT],
        total=len(matches),
        status=wanted,
        q=q,
        statuses=list(LinkStatus),
        back=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
    )


@router.get("/clients/{customer_id}")
def client_page(
    request: Request, customer_id: str, principal: Viewer, built: Built, mcc: deps.PageManager
) -> Response:
    """One client: its details, actions and full history as a timeline."""
    cid = CustomerId.parse(customer_id)
    client = built.service.get(mcc, cid)
    return render(
        request,
        "client.html",
        client=client,
        history=list(built.store.client_history(mcc, cid)),
        back=f"/clients/{cid.digits}",
        onboarding_links=list(built.store.list_onboarding_links(mcc, cid)),
        expiries=ONBOARDING_EXPIRIES,
        now=utcnow(),
    )


# Before ``/clients/{customer_id}/{action}``, which would take the path otherwise.
@router.post("/clients/{customer_id}/onboarding-links")
def create_onboarding_link(
    customer_id: str,
    principal: Operator,
    built: Built,
    service: Acting,
    request: Request,
    mcc: deps.PageManager,
    expires: Annotated[str, Form()] = "14d",
) -> Response:
    """Make an onboarding link for the client; its URL is shown once, ready to copy."""
    response = RedirectResponse(f"/clients/{quote(customer_id, safe='')}", status_code=303)
    try:
        cid = CustomerId.parse(customer_id)
        expires_in = parse_duration(expires)
        link, url = new_onboarding_link(built, cid, expires_in, service.actor, mcc=mcc)
    except MccLinkError as exc:
        set_flash(response, request, Flash("error", problems.public_detail(exc, "page")))
        return response
    note = f"Onboarding link {link.id} made; it works until {link.expires_at:%Y-%m-%d %H:%M} UTC."
    label = "Copy it now and send it to the advertiser (it is shown only once):"
    set_flash(response, request, Flash("ok", note, copy=url, copy_label=label))
    return response


@router.post("/onboarding-links/{link_id}/revoke")
def revoke_onboarding_link(
    link_id: str, principal: Operator, built: Built, request: Request, mcc: deps.PageManager
) -> Response:
    """Revoke an onboarding link: it stops working at once."""
    link = mcc_onboarding_link(built, link_id, mcc)
    built.store.revoke_onboarding_link(link.id, utcnow())
    cid = link.customer_id
    response = RedirectResponse(f"/clients/{cid.digits}" if cid else "/", status_code=303)
    set_flash(response, request, Flash("ok", f"Onboarding link {link.id} revoked."))
    return response


# Before ``/clients/{customer_id}/{action}``, as the onboarding links' route.
@router.post("/clients/{customer_id}/move")
def move_client(
    customer_id: str,
    principal: Operator,
    built: Built,
    service: Acting,
    request: Request,
    mcc: deps.PageManager,
    to: Annotated[str, Form()] = "",
) -> Response:
    """Move an active client to another manager of the tree; then to its page under that
    manager (it is no longer this manager's), with a note."""
    try:
        cid = CustomerId.parse(customer_id)
        moved = service.move(mcc, cid, CustomerId.parse(to))
    except MccLinkError as exc:
        response = RedirectResponse(f"/clients/{quote(customer_id, safe='')}", status_code=303)
        set_flash(response, request, Flash("error", problems.public_detail(exc, "page")))
        return response
    now_under = moved.mcc_customer_id
    response = RedirectResponse(f"/clients/{cid.digits}?mcc={now_under.digits}", status_code=303)
    note = (
        f"Moved {moved.name} ({moved.customer_id}) to manager {now_under}: this is its page under "
        f"that manager; {mcc} is in the Manager list to go back."
    )
    set_flash(response, request, Flash("ok", note))
    return response


@router.post("/clients/{customer_id}/{action}")
def client_action(
    customer_id: str,
    action: Action,
    principal: Operator,
    built: Built,
    service: Acting,
    request: Request,
    mcc: deps.PageManager,
    back: Annotated[str, Form()] = "/clients",
) -> Response:
    """Invite (or re-invite), cancel the invitation, end the link, hide or show the client;
    then back, with a note."""
    response = RedirectResponse(safe_next(back), status_code=303)
    try:
        cid = CustomerId.parse(customer_id)
        done = _ACTIONS[action](service, mcc, cid)
    except MccLinkError as exc:
        set_flash(response, request, Flash("error", problems.public_detail(exc, "page")))
        return response
    verb = {
        Action.INVITE: "Invited",
        Action.CANCEL: "Cancelled the invitation of",
        Action.UNLINK: "Ended the link of",
        Action.HIDE: "Hid",
        Action.UNHIDE: "Showed",
    }[action]
    shown = f"{'hidden' if done.hidden else 'shown'} in the account list"
    state = shown if action in (Action.HIDE, Action.UNHIDE) else f"the link is {done.status.value}"
    note = f"{verb} {done.name} ({done.customer_id}): {state}."
    set_flash(response, request, Flash("ok", note))
    return response


_ACTIONS: dict[Action, Callable[[GoogleAdsMCCService, CustomerId, CustomerId], Client]] = {
    Action.INVITE: GoogleAdsMCCService.invite,
    Action.CANCEL: GoogleAdsMCCService.cancel,
    Action.UNLINK: GoogleAdsMCCService.unlink,
    Action.HIDE: GoogleAdsMCCService.hide,
    Action.UNHIDE: GoogleAdsMCCService.unhide,
}


# -- import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One CSV row in the validation report: what the import would do with it."""

    line: int
    customer_id: str
    name: str
    email: str
    verdict: str
    problem: str | None = None


@router.get("/import")
def import_form(request: Request, principal: Viewer, mcc: deps.PageManager) -> Response:
    """Upload a CSV of advertisers."""
    return render(request, "import.html", max_kib=MAX_UPLOAD_BYTES // 1024)


async def _submitted(request: Request) -> FormData:
    # Parsed once: require_csrf has done it already. The body's size was checked before it
    # was read (``limits``: these routes take PAGE_UPLOAD_BYTES at most).
    return await request.form()


Submitted = Annotated[FormData, Depends(_submitted)]


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        raise InputError(f"the form lacks its {name} field: upload the file again")
    return value


@router.post("/import")
def import_preview(
    request: Request, principal: Operator, built: Built, mcc: deps.PageManager, form: Submitted
) -> Response:
    """The validation report, row by row; nothing is written until it is confirmed."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InputError("choose a CSV file to upload")
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(f"{upload.filename} is too big: at most {MAX_UPLOAD_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{upload.filename} is not UTF-8: save it as CSV UTF-8") from None
    return _preview(request, built, mcc, upload.filename, text)


@router.post("/import/confirm")
def import_confirm(
    request: Request,
    principal: Operator,
    built: Built,
    service: Acting,
    mcc: deps.PageManager,
    form: Submitted,
) -> Response:
    """Register the new rows of a previewed CSV (checked again: the store may have changed)."""
    filename, content = _field(form, "filename"), _field(form, "content")
    plan, problems, _ = _plan(built, mcc, filename, content)
    if problems and form.get("skip_invalid") != "true":
        return _preview(request, built, mcc, filename, content)
    for registration in plan.new:
        service.register(mcc, registration)
    note = (
        f"Imported {len(plan.new)} client(s) from {filename}; "
        f"{len(plan.existing)} already registered, {len(problems)} bad row(s) skipped."
    )
    response = RedirectResponse("/clients", status_code=303)
    set_flash(response, request, Flash("ok", note))
    return response


def _preview(
    request: Request, built: Container, mcc: CustomerId, filename: str, text: str
) -> Response:
    plan, problems, rows = _plan(built, mcc, filename, text)
    return render(
        request,
        "import_report.html",
        filename=filename,
        content=text,
        rows=rows,
        new=len(plan.new),
        existing=len(plan.existing),
        bad=len(problems),
    )


def _plan(
    built: Container, mcc: CustomerId, filename: str, text: str
) -> tuple[ImportPlan, list[RowProblem], list[ReportRow]]:
    """The importer's plan of ``text`` for ``mcc`` and one report row per CSV row, in file
    order."""
    rows, problems = parse_csv(text, filename)
    plan = plan_import(rows, {c.customer_id: c for c in built.store.list_clients(mcc)}, mcc)
    problems = sorted([*problems, *plan.problems], key=lambda p: p.line)
    by_line = {p.line: p.message for p in problems}
    existing = {r.customer_id for r in plan.existing}
    report = [_report_row(line, row, by_line.pop(line, None), existing) for line, row in rows]
    # What is left are lines read_csv could not split into fields.
    report += [ReportRow(line, "", "", "", "bad", message) for line, message in by_line.items()]
    return plan, problems, sorted(report, key=lambda r: r.line)


def _report_row(
    line: int, row: dict[str, str], problem: str | None, existing: set[CustomerId]
) -> ReportRow:
    cid, name, email = row.get("customer_id", ""), row.get("name", ""), row.get("email", "")
    if problem is not None:
        return ReportRow(line, cid, name, email, "bad", problem)
    known = CustomerId.parse(cid) in existing
    return ReportRow(line, cid, name, email, "existing" if known else "new")
