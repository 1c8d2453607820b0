"""The advertiser's pages: open the link, sign in with Google, choose accounts, see each result.

Public (no staff sign-in), rate-limited per client address, in English or Brazilian
Portuguese by ``Accept-Language``, plain HTML that works without JavaScript:

- ``GET /onboard/{token}``: who asks for access, what it allows, how to remove it later, and
  a "Sign in with Google" *link* (the CSP's ``form-action 'self'`` also governs the redirect
  after a form post, so a form could not send the browser on to the provider);
- ``GET /onboard/{token}/signin``: starts the OpenID Connect flow (``oidc_client``), binding
  it to this browser with an HttpOnly, SameSite=Lax cookie (the provider's redirect back is a
  cross-site navigation: a Strict cookie would not come with it);
- ``GET /onboard/callback``: finishes it, lists the advertiser's accounts, and keeps their
  access token in memory for the account choice only (10 minutes, single use);
- ``POST /onboard/choose``: the choice, with its CSRF token and the browser cookie; accepts
  through ``OnboardingService`` and redirects to ``GET /onboard/done/{key}``, the result per
  account (readable again in this browser for 10 minutes);
- ``GET /onboard/{token}/unsubscribe``: asks before stopping the reminders (a button), and
  ``POST`` to it stops them: the button, or a mail client's one-click unsubscribe (RFC 8058),
  without a CSRF token (the link's secret is the proof; see ``mcclink.reminders``).

A link that is malformed, unknown or has a wrong secret gets the same "unknown" page: the
pages never tell whether a customer id is registered. No page shows a token, a code or a
secret, and no failure is a stack trace.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mcclink.bootstrap import Container
from mcclink.config import OnboardingSettings, Secret
from mcclink.domain import CustomerId
from mcclink.errors import GoogleAdsError, OnboardingLinkInvalid, PermissionDenied
from mcclink.onboard_service import AccountChoice, AccountOutcome
from mcclink.onboarding import OnboardingLink
from mcclink.ports import AdsGateway
from mcclink.reminders import unsubscribe as stop_reminders
from mcclink.reminders import unsubscribe_link
from mcclink.web import deps
from mcclink.web.ephemeral import OneTimeStore
from mcclink.web.i18n import Locale, negotiate, translator
from mcclink.web.oidc_client import Failure, OidcClient, SignInFailed
from mcclink.web.roles import PUBLIC
from mcclink.web.security import CSRF_FIELD, content_security_policy
from mcclink.web.throttle import AddressThrottle, TooManyRequests, client_address
from mcclink.web.views import templates

BROWSER_COOKIE = "mcclink_onboard"
HANDOFF_TTL = timedelta(minutes=10)
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{43}")
#: The provider's failures, as the pages name them (see ``i18n``), and their HTTP status.
_FAILURES: dict[Failure, tuple[str, int]] = {
    Failure.STATE: ("state", 400),
    Failure.DENIED: ("denied", 403),
    Failure.REFUSED: ("refused", 400),
    Failure.SCOPE: ("scope", 403),
    Failure.INVALID_TOKEN: ("invalid_token", 400),
    Failure.UNAVAILABLE: ("unavailable", 503),
}
T = TypeVar("T")
_INVALID_STATUS = {"unknown": 404, "expired": 410, "revoked": 410}


@dataclass(frozen=True, repr=False)
class _Choice:
    """Between the callback and the choice: who signed in, with what, for which link."""

    token: str
    email: str
    access_token: Secret
    accounts: tuple[AccountChoice, ...]
    browser: str
    csrf: str

    @property
    def selectable(self) -> dict[str, CustomerId]:
        return {a.customer_id.digits: a.customer_id for a in self.accounts if not a.problem}


@dataclass(frozen=True)
class _Done:
    """The results of one choice, readable again in the same browser."""

    token: str
    outcomes: tuple[AccountOutcome, ...]
    browser: str


class OnboardingPages:
    """What the pages keep between requests: the sign-in client, the hand-offs, the throttle."""

    def __init__(
        self, settings: OnboardingSettings | None, throttle: AddressThrottle | None = None
    ) -> None:
        """``settings`` None: onboarding is not configured, and every page says so."""
        self.settings = settings
        self.oidc = OidcClient.from_settings(settings) if settings else None
        self.choices: OneTimeStore[_Choice] = OneTimeStore(HANDOFF_TTL)
        self.done: OneTimeStore[_Done] = OneTimeStore(HANDOFF_TTL)
        self.throttle = throttle or AddressThrottle()


def _pages(request: Request) -> OnboardingPages:
    pages = request.app.state.onboarding
    assert isinstance(pages, OnboardingPages)
    return pages


def _throttled(request: Request) -> None:
    """Every public route spends one request of the client address's allowance.

    Raises:
        TooManyRequests: the address is over its allowance.
    """
    pages = _pages(request)
    trusted = pages.settings.trusted_proxies if pages.settings else ()
    pages.throttle.spend(client_address(request, trusted))


#: Public: the advertiser has no staff account (each route is throttled per address instead).
router = APIRouter(include_in_schema=False, dependencies=[PUBLIC, Depends(_throttled)])
Built = Annotated[Container, Depends(deps.container)]


@router.get("/onboard/callback")
def callback(request: Request, built: Built) -> Response:
    """Back from the provider: verify the sign-in, then offer the advertiser's accounts."""
    pages = _pages(request)
    if pages.oidc is None:
        return problem_page(request, "off", 503)
    try:
        signed_in = pages.oidc.finish(dict(request.query_params), _browser(request) or "")
    except SignInFailed as exc:
        name, status = _FAILURES[exc.reason]
        return problem_page(request, name, status, token=exc.context)
    locale = _locale(request)
    accounts = _as_advertiser(
        request,
        built,
        signed_in.context,
        signed_in.access_token,
        lambda link, advertiser: built.onboarding.accounts(link, advertiser, locale=locale),
    )
    if isinstance(accounts, HTMLResponse):
        return accounts
    choice = _Choice(
        token=signed_in.context,
        email=signed_in.email,
        access_token=signed_in.access_token,
        accounts=tuple(accounts),
        browser=_browser(request) or "",
        csrf=secrets.token_urlsafe(32),
    )
    return _choose_page(request, pages.choices.put(choice), choice)


@router.get("/onboard/{token}")
def start(request: Request, token: str, built: Built) -> Response:
    """The advertiser's page: who asks, what it allows, how to remove it, and sign in."""
    if _pages(request).oidc is None:
        return problem_page(request, "off", 503)
    try:
        link = built.onboarding.open(token)
    except OnboardingLinkInvalid as exc:
        return _invalid_page(request, exc)
    return _page(
        request,
        "onboard_start.html",
        link=link,
        mcc=link.mcc_customer_id,
        signin_href=f"/onboard/{token}/signin",
    )


@router.get("/onboard/{token}/unsubscribe")
def unsubscribe_page(request: Request, token: str, built: Built) -> Response:
    """Ask before stopping the reminders: a link opened (or prefetched) changes nothing."""
    try:
        unsubscribe_link(built.store, token)
    except OnboardingLinkInvalid as exc:
        return _invalid_page(request, exc)
    return _page(request, "onboard_unsubscribe.html", done=False, action=request.url.path)


@router.post("/onboard/{token}/unsubscribe")
def unsubscribe(request: Request, token: str, built: Built) -> Response:
    """Stop the reminders: the confirm button, or a mail client's one-click POST (RFC 8058:
    ``List-Unsubscribe=One-Click``, no session, so no CSRF token; the link's secret is the
    proof). Asking again answers the same."""
    try:
        stop_reminders(built.store, token, "advertiser:unsubscribe")
    except OnboardingLinkInvalid as exc:
        return _invalid_page(request, exc)
    return _page(request, "onboard_unsubscribe.html", done=True)


@router.get("/onboard/{token}/signin")
def sign_in(request: Request, token: str, built: Built) -> Response:
    """Send the browser to the provider's sign-in, bound to this browser and this link."""
    pages = _pages(request)
    if pages.oidc is None or pages.settings is None:
        return problem_page(request, "off", 503)
    try:
        built.onboarding.open(token, count=False)
    except OnboardingLinkInvalid as exc:
        return _invalid_page(request, exc)
    browser = _browser(request) or secrets.token_urlsafe(32)
    try:
        url = pages.oidc.begin(token, browser)
    except SignInFailed as exc:
        return problem_page(request, "unavailable", 503, token=exc.context)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        BROWSER_COOKIE,
        browser,
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=pages.settings.public_url.startswith("https://"),
        path="/onboard",
    )
    return response


@router.post("/onboard/choose")
def choose(
    request: Request,
    built: Built,
    choice: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=64)] = "",
    account: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006 -- FastAPI copies it
) -> Response:
    """Accept the invitation for the chosen accounts; then the result of each."""
    pages = _pages(request)
    held = pages.choices.peek(choice)
    if held is None:
        return problem_page(request, "choice", 410)
    browser = _browser(request) or ""
    if not (_same(browser, held.browser) and _same(csrf_token, held.csrf)):
        return problem_page(request, "csrf", 403)
    selectable = held.selectable
    chosen = [selectable[digits] for digits in dict.fromkeys(account) if digits in selectable]
    if not chosen:
        t = translator(_locale(request))
        return _choose_page(request, choice, held, error=t("choose_nothing"), status=422)
    if pages.choices.take(choice) is None:  # used a moment ago, in another tab
        return problem_page(request, "choice", 410)
    locale = _locale(request)
    outcomes = _as_advertiser(
        request,
        built,
        held.token,
        held.access_token,
        lambda link, advertiser: built.onboarding.accept(
            link, held.email, advertiser, chosen, locale=locale
        ),
    )
    if isinstance(outcomes, HTMLResponse):
        return outcomes
    key = pages.done.put(_Done(held.token, tuple(outcomes), browser))
    return RedirectResponse(f"/onboard/done/{key}", status_code=303)


@router.get("/onboard/done/{key}")
def done(request: Request, key: str) -> Response:
    """The result for each chosen account: linked, or the problem in plain words."""
    results = _pages(request).done.peek(key)
    if results is None or not _same(_browser(request) or "", results.browser):
        return problem_page(request, "choice", 410)
    return _page(
        request,
        "onboard_results.html",
        outcomes=results.outcomes,
        again_href=f"/onboard/{results.token}",
    )


def _as_advertiser(
    request: Request,
    built: Container,
    token: str,
    access_token: Secret,
    act: Callable[[OnboardingLink, AdsGateway], T],
) -> T | HTMLResponse:
    """``act`` on the link ``token`` names (checked again: it may have expired or been revoked
    since) with a gateway acting as the advertiser, closed after; a failure is its page."""
    try:
        link = built.onboarding.open(token, count=False)
        advertiser = built.advertiser_ads(access_token.reveal())
        try:
            return act(link, advertiser)
        finally:
            advertiser.close()
    except OnboardingLinkInvalid as exc:
        return _invalid_page(request, exc)
    except GoogleAdsError as exc:
        if isinstance(exc, PermissionDenied):  # a token without the Google Ads scope
            return problem_page(request, "scope", 403, token=token)
        return problem_page(request, "unavailable", 503, token=token)


# -- pages ------------------------------------------------------------------------------------


def problem_page(
    request: Request,
    problem: str,
    status_code: int,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    retry_after: int = 0,
) -> HTMLResponse:
    """A plain page for a ``problem`` of the catalogue (``<problem>_title`` / ``_text``),
    with "Try again" back to the link when ``token`` is known."""
    again = f"/onboard/{token}" if token else None
    response = _page(
        request,
        "onboard_problem.html",
        status_code,
        problem=problem,
        again_href=again,
        retry_after=retry_after,
    )
    response.headers.update(headers or {})
    return response


def too_many_requests(request: Request, exc: TooManyRequests) -> HTMLResponse:
    """429 with ``Retry-After``, in the visitor's language."""
    wait = str(exc.retry_after)
    return problem_page(
        request, "busy", 429, headers={"Retry-After": wait}, retry_after=exc.retry_after
    )


def _choose_page(
    request: Request, key: str, choice: _Choice, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    return _page(
        request,
        "onboard_choose.html",
        status,
        choice=key,
        csrf=choice.csrf,
        email=choice.email,
        accounts=choice.accounts,
        error=error,
        again_href=f"/onboard/{choice.token}/signin",
    )


def _invalid_page(request: Request, exc: OnboardingLinkInvalid) -> HTMLResponse:
    return problem_page(request, exc.reason, _INVALID_STATUS[exc.reason])


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    settings = _pages(request).settings
    locale = _locale(request)
    t = translator(locale)
    logo = settings.agency_logo_url if settings else None
    agency = (settings.agency_name if settings else None) or t("your_agency")
    values = {"t": t, "locale": locale, "agency": agency, "logo_url": logo, **context}
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    if logo:  # the agency's logo is the one image from another origin
        parts = urlsplit(logo)
        origin = f"{parts.scheme}://{parts.netloc}"
        response.headers["Content-Security-Policy"] = content_security_policy(origin)
    response.headers["Content-Language"] = locale
    response.headers["Vary"] = "Accept-Language"
    return response


def _locale(request: Request) -> Locale:
    return negotiate(request.headers.get("accept-language"))


def _browser(request: Request) -> str | None:
    value = request.cookies.get(BROWSER_COOKIE, "")
    return value if _BROWSER_ID.fullmatch(value) else None


def _same(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
