"""The authorization endpoint: Google's sign-in and consent, played by the emulator.

``GET /authorize`` takes the parameters of Google's web-server flow
(https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient) and shows
one form: the scenario's users to choose from, and allow / deny. ``POST /authorize`` carries
the form's one-time ``txn`` (it also protects the form from cross-site posts), the chosen
``email`` and ``action``; the answer is a redirect to the client's ``redirect_uri`` with
``code`` or ``error``, and the request's ``state``.

Rules, as Google and the RFCs set them:

- An unknown ``client_id`` or a ``redirect_uri`` the client has not registered is shown on
  the page, never redirected to (RFC 6749 section 4.1.2.1). The emulator's own client accepts
  any loopback redirect (RFC 8252 section 7.3) or one under ``MCC_PUBLIC_URL``.
- Other errors go to the redirect URI: ``unsupported_response_type`` (only ``code``),
  ``invalid_scope`` (empty or unknown scope), ``invalid_request`` (bad PKCE parameters,
  ``access_type`` or ``prompt``), ``login_required`` for ``prompt=none`` (the emulator keeps
  no signed-in session), ``access_denied`` when the user denies.
- ``login_hint`` naming a user skips the account choice unless ``prompt=select_account``.
- ``access_type=offline`` gets a refresh token the first time a user consents to a client,
  and again only with ``prompt=consent`` (Google's "refresh_token" notes); ``online``
  (the default) never does.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mcclink.emulator.codes import CodeRequest, check_challenge
from mcclink.emulator.grants import SCOPES, Grant, OAuthClient, OAuthError
from mcclink.emulator.model import User
from mcclink.emulator.state import EmulatorState

_PENDING_TTL_S = 600.0
_PROMPTS = frozenset({"none", "consent", "select_account"})
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "[::1]", "localhost"})


class PageError(Exception):
    """A request the page refuses itself (no trustworthy redirect URI): HTTP 400."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked authorization request, waiting for the user's answer."""

    client: OAuthClient
    redirect_uri: str
    scopes: frozenset[str]
    state: str | None = None
    nonce: str | None = None
    offline: bool = False
    prompts: frozenset[str] = frozenset()
    login_hint: str | None = None
    challenge: str | None = None
    challenge_method: str = "plain"


@dataclass(frozen=True)
class Consent:
    """What the page shows for one pending request: its one-time ``txn`` and the choices."""

    txn: str
    request: AuthorizationRequest
    users: list[User]
    chosen: str | None


def redirect_allowed(client: OAuthClient, uri: str, public_url: str | None) -> bool:
    """Whether ``client`` may receive answers at ``uri``."""
    if uri in client.redirect_uris:
        return True
    if not client.loopback:
        return False
    parts = urlsplit(uri)
    if parts.fragment:
        return False  # RFC 6749 section 3.1.2: no fragment
    if parts.scheme == "http" and parts.hostname is not None:
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        if host in _LOOPBACK_HOSTS:
            return True
    return public_url is not None and uri.startswith(public_url.rstrip("/") + "/")


def with_query(uri: str, params: dict[str, str | None]) -> str:
    """``uri`` with ``params`` added to its query (kept, RFC 6749 section 3.1.2); None skipped."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


class SignIn:
    """Pending authorization requests; thread-safe."""

    def __init__(self, state: EmulatorState, public_url: str | None) -> None:
        self._state, self._public_url = state, public_url
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[AuthorizationRequest, float]] = {}

    def begin(self, params: dict[str, str]) -> Consent:
        """Check a ``GET /authorize`` and keep it for the user's answer.

        Raises:
            PageError: a client or redirect URI that cannot be trusted (shown on the page).
            RedirectError: any other refusal, to send to the redirect URI.
        """
        request = self._read(params)
        if "none" in request.prompts:
            raise RedirectError(
                request, OAuthError("login_required", "The emulator keeps no signed-in session.")
            )
        txn = secrets.token_urlsafe(24)
        now = time.monotonic()
        with self._lock:
            self._pending = {k: v for k, v in self._pending.items() if v[1] > now}
            self._pending[txn] = (request, now + _PENDING_TTL_S)
        return self.consent(txn, request)

    def consent(self, txn: str, request: AuthorizationRequest) -> Consent:
        """The page for a pending request: the users to choose from and the preselected one."""
        users = self._state.users()
        hint = (request.login_hint or "").lower()
        hinted = [u for u in users if u.email == hint]
        if hinted and "select_account" not in request.prompts:
            users = hinted
        return Consent(txn, request, users, hinted[0].email if hinted else None)

    def pending(self, txn: str) -> AuthorizationRequest:
        """The request a ``POST /authorize`` answers.

        Raises:
            PageError: no such pending request (expired, answered, or forged).
        """
        with self._lock:
            found = self._pending.get(txn)
        if found is None or found[1] <= time.monotonic():
            raise _expired()
        return found[0]

    def answer(self, txn: str, allow: bool, email: str | None) -> str:
        """The redirect for the user's answer to the pending request ``txn``.

        Raises:
            PageError: no such pending request, or ``allow`` without one of the page's users.
        """
        request = self.pending(txn)
        if not allow:
            self._take(txn)
            denied = OAuthError("access_denied", "The user denied access.")
            return RedirectError(request, denied).location
        offered = {u.email for u in self.consent(txn, request).users}
        if email is None or email.lower() not in offered:
            raise PageError("invalid_request", "Choose one of the accounts to continue.")
        self._take(txn)
        grant = Grant(email.lower(), request.client.client_id, request.scopes)
        code = self._state.tokens.codes.issue(
            CodeRequest(
                grant,
                request.redirect_uri,
                offline=self._refresh_token_due(request, grant),
                nonce=request.nonce,
                challenge=request.challenge,
                challenge_method=request.challenge_method,
            )
        )
        return with_query(request.redirect_uri, {"code": code, "state": request.state})

    def _refresh_token_due(self, request: AuthorizationRequest, grant: Grant) -> bool:
        if not request.offline:
            return False
        first = self._state.tokens.first_offline_consent(grant)
        return first or "consent" in request.prompts

    def _take(self, txn: str) -> None:
        # One answer per form: of two posts of the same form, the second finds nothing.
        with self._lock:
            if self._pending.pop(txn, None) is None:
                raise _expired()

    def _read(self, params: dict[str, str]) -> AuthorizationRequest:
        client = self._state.tokens.client(params.get("client_id", ""))
        if client is None:
            raise PageError("invalid_client", "The OAuth client was not found.")
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_allowed(client, redirect_uri, self._public_url):
            raise PageError(
                "redirect_uri_mismatch",
                f"The redirect URI {redirect_uri!r} is not registered for this client.",
            )
        base = AuthorizationRequest(client, redirect_uri, frozenset(), state=params.get("state"))
        try:
            return self._checked(base, params)
        except OAuthError as exc:
            raise RedirectError(base, exc) from None

    @staticmethod
    def _checked(base: AuthorizationRequest, params: dict[str, str]) -> AuthorizationRequest:
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "Only response_type=code is supported.")
        scopes = frozenset(params.get("scope", "").split())
        if not scopes or not scopes <= SCOPES:
            raise OAuthError("invalid_scope", f"Scope must be some of {sorted(SCOPES)}.")
        access_type = params.get("access_type", "online")
        if access_type not in ("online", "offline"):
            raise OAuthError("invalid_request", "access_type must be online or offline.")
        prompts = frozenset(params.get("prompt", "").split())
        if not prompts <= _PROMPTS or ("none" in prompts and len(prompts) > 1):
            # OpenID Connect Core 1.0, section 3.1.2.1: "none" stands alone.
            raise OAuthError("invalid_request", f"prompt must be some of {sorted(_PROMPTS)}.")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method", "plain")
        if challenge is not None:
            check_challenge(challenge, method)
        return AuthorizationRequest(
            base.client,
            base.redirect_uri,
            scopes,
            state=base.state,
            nonce=params.get("nonce"),
            offline=access_type == "offline",
            prompts=prompts,
            login_hint=params.get("login_hint"),
            challenge=challenge,
            challenge_method=method,
        )


def _expired() -> PageError:
    return PageError("invalid_request", "This sign-in has expired: start it again.")


class RedirectError(Exception):
    """A refusal sent to the client's redirect URI; ``location`` is where to send the user."""

    def __init__(self, request: AuthorizationRequest, error: OAuthError) -> None:
        super().__init__(error.description)
        self.location = with_query(
            request.redirect_uri,
            {
                "error": error.error,
                "error_description": error.description,
                "state": request.state,
            },
        )
