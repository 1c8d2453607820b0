"""The ASGI app: pages, the REST API and their shared security, on one Container.

Every route declares the least role it needs, or that it is public (``roles``): the sign-in
pages, the static files (stylesheet, vendored htmx) and the advertiser's onboarding pages
(``/onboard/...``: rate-limited, see ``onboard``) are public; everything else needs a
principal (``auth``: a bearer token for ``/api/v1``, a signed-in session for pages) whose
role suffices, else a 403 that names the role needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.routing import APIRoute
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcclink import __version__, managers
from mcclink.bootstrap import Container
from mcclink.errors import MccLinkError
from mcclink.web import (
    admin,
    api,
    api_reports,
    hierarchy,
    history_page,
    limits,
    onboard,
    pages,
    problems,
    reports,
    signin,
    views,
)
from mcclink.web.auth import install
from mcclink.web.background import WebhookWorker
from mcclink.web.limits import Area, BodyLimits, BodyTooLarge, CloseUnread
from mcclink.web.roles import ApiViewer, Forbidden, PublicFiles
from mcclink.web.security import (
    CsrfRejected,
    SignInRequired,
    Unauthorized,
    WebSettings,
    content_security_policy,
    unauthorized,
)
from mcclink.web.throttle import TooManyRequests
from mcclink.web.views import render

API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).parent / "static"
#: The routers served under ``API_PREFIX``.
_API_ROUTERS = (api.router, api_reports.router, hierarchy.api_router)
_SECURITY_HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def create_app(container: Container, settings: WebSettings) -> FastAPI:
    """The web app over ``container`` (its store, service and MCC), secured by ``settings``.

    With ``MCC_WEBHOOK_URL`` set, a background worker delivers status changes: a pass every
    minute and one soon after every successful POST (an action may have changed a status).

    Raises:
        ConfigurationError: the webhook or onboarding settings are wrong, or no MCC is
            configured.
    """
    webhook = container.settings.webhook
    worker = None if webhook is None else WebhookWorker(container.store, webhook, container.mcc)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        yield
        if worker is not None:
            worker.stop()

    app = _SecuredApp(
        lifespan=lifespan,
        title="mcclink",
        version=__version__,
        summary="Link Google Ads client accounts to a manager account (MCC).",
        openapi_url=None,  # served below, behind the bearer token
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    app.state.webhooks = worker
    app.state.flash_copies = views.flash_copies()
    app.state.managers = managers.Directory(
        container.mcc, managers.configured(container.environ, container.mcc), container.store
    )
    app.state.onboarding = onboard.OnboardingPages(container.settings.onboarding)
    for router in _API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(pages.router)
    app.include_router(signin.router)
    app.include_router(reports.router)
    app.include_router(history_page.router)
    app.include_router(hierarchy.router)
    app.include_router(admin.router)
    app.include_router(onboard.router)
    app.mount("/static", PublicFiles(directory=STATIC_DIR), name="static")
    if worker is not None:
        app.add_middleware(BaseHTTPMiddleware, dispatch=_kick_after_posts(worker))
    app.add_middleware(BodyLimits, area_for=_body_area)
    _install_error_handlers(app)

    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False)
    def openapi(principal: ApiViewer) -> JSONResponse:
        return JSONResponse(app.openapi())

    install(app, settings, API_PREFIX, container.store)  # last: Host check and token first
    return app


class _SecuredApp(FastAPI):
    """FastAPI whose every answer carries the security headers, a 500 included, and closes
    the connection when it comes before the request's body was read.

    Both wrap the whole middleware stack: Starlette answers a 500 from its outermost layer
    (``ServerErrorMiddleware``), outside every middleware an app can add.
    """

    def build_middleware_stack(self) -> ASGIApp:
        return _SecurityHeaders(CloseUnread(super().build_middleware_stack()))


class _SecurityHeaders:
    """Adds each security header an answer does not set itself (the advertiser's pages set
    their own CSP)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, secured if scope["type"] == "http" else send)


def _kick_after_posts(
    worker: WebhookWorker,
) -> Callable[[Request, RequestResponseEndpoint], Awaitable[Response]]:
    async def kick(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        if request.method == "POST" and response.status_code < 400:
            worker.kick()
        return response

    return kick


def _install_error_handlers(app: FastAPI) -> None:
    """Under /api/v1 every failure is a problem document. Nothing is said without the token:
    the gate of ``auth.install`` answers 401 before routing, so before 404 or 422."""

    @app.exception_handler(Unauthorized)
    def refuse(request: Request, exc: Unauthorized) -> Response:
        return unauthorized(str(exc) or None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/onboard/"):  # a tampered form: a plain page, no echo
            return onboard.problem_page(request, "csrf", 422)
        if not _is_api(request):
            return await request_validation_exception_handler(request, exc)
        return problems.from_validation(exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not _is_api(request):
            return await http_exception_handler(request, exc)
        allowed = _allowed_methods(request) if exc.status_code == 405 else None
        return problems.from_http(exc, request.url.path, allowed)

    @app.exception_handler(Exception)
    def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette logs the traceback; the answer says nothing of the code.
        if _is_api(request):
            return problems.internal_error()
        return PlainTextResponse("Internal Server Error", status_code=500)

    @app.exception_handler(SignInRequired)
    def sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(signin.login_url(exc.next_path), status_code=303)

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return problems.problem(
                403, "Forbidden", str(exc), code="Forbidden", required_role=exc.needed.value
            )
        return render(request, "error.html", 403, message=str(exc), status=403)

    @app.exception_handler(CsrfRejected)
    def csrf(request: Request, exc: CsrfRejected) -> Response:
        return HTMLResponse(
            "<h1>Form expired</h1><p>The form was missing its security token or was sent "
            'from another page. Nothing was changed. <a href="/">Back to the dashboard</a>.</p>',
            status_code=403,
        )

    @app.exception_handler(TooManyRequests)
    def too_many(request: Request, exc: TooManyRequests) -> Response:
        if request.url.path.startswith("/onboard/"):  # the advertiser's page, in their language
            return onboard.too_many_requests(request, exc)
        return pages.too_many_page(request, exc)

    @app.exception_handler(BodyTooLarge)
    def too_large(request: Request, exc: BodyTooLarge) -> Response:
        if _is_api(request):
            return problems.problem(413, "Request body too large", str(exc), code="BodyTooLarge")
        if request.url.path.startswith("/onboard/"):  # a hand-made form: a plain page
            return onboard.problem_page(request, "csrf", 413)
        return pages.error_page(request, exc, 413)

    @app.exception_handler(MccLinkError)
    def mcclink_error(request: Request, exc: MccLinkError) -> Response:
        if _is_api(request):
            return problems.from_error(exc)
        if request.url.path.startswith("/onboard/"):  # the store failed: no details in public
            return onboard.problem_page(request, "unavailable", problems.status_for(exc))
        return pages.error_page(request, exc, problems.status_for(exc))


def _is_api(request: Request) -> bool:
    return _under_api(request.url.path)


def _under_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(f"{API_PREFIX}/")


def _body_area(path: str) -> Area:
    """Which limit and which check of the sender a request body to ``path`` gets."""
    if path == f"{API_PREFIX}/imports":
        return limits.API_UPLOAD
    if _under_api(path):
        return limits.API_JSON
    if path in ("/import", "/import/confirm"):
        return limits.PAGE_UPLOAD
    if path.startswith("/onboard/"):
        return limits.PUBLIC_FORM
    return limits.STAFF_FORM


def _allowed_methods(request: Request) -> str:
    """Every method the API path takes (Starlette's 405 names only the first route's)."""
    path = request.url.path
    relative = path.removeprefix(API_PREFIX)
    candidates = [(route, relative) for r in _API_ROUTERS for route in r.routes]
    candidates += [(route, path) for route in request.app.routes]
    methods: set[str] = set()
    for route, route_path in candidates:
        if isinstance(route, APIRoute) and route.path_regex.fullmatch(route_path):
            methods |= route.methods or set()
    return ", ".join(sorted(methods))
