"""Sign people in with an OpenID Connect provider (Google, or the emulator playing it).

Two purposes share it: the advertiser's onboarding (``ONBOARDING``: their e-mail and the
Google Ads API) and the staff's sign-in (``STAFF``: who they are, ``openid email profile``).

The relying party's half of the authorization code flow (RFC 6749 section 4.1) with PKCE S256
(RFC 7636), ``state`` and ``nonce`` (OpenID Connect Core 3.1):

- ``begin`` keeps a flow (PKCE verifier, nonce, the browser and what it is for) in server
  memory for ten minutes under a random ``state``, and returns the provider's authorization
  URL from its discovery document;
- ``finish`` takes the flow back once (a replayed or foreign ``state`` finds nothing),
  redeems the code at the token endpoint with HTTP Basic client authentication, and
  verifies the ID token with PyJWT against the provider's JWKS (RS256 only; ``iss``, ``aud``,
  ``exp``, ``iat``, ``nonce``).

The access token it returns is wrapped in a ``Secret``; nothing here logs a token, a code or
the client secret, and no failure message carries one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

import jwt

from mcclink.config import OnboardingSettings, Secret
from mcclink.web.ephemeral import OneTimeStore

log = logging.getLogger(__name__)

ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"
FLOW_TTL = timedelta(minutes=10)
DISCOVERY_TTL_S = 3600.0
TIMEOUT_S = 10.0
#: The most of a provider's answer that is read: its documents are a few KiB.
MAX_ANSWER_BYTES = 1 << 20
#: Clock skew allowed between the provider and this server when checking ``exp`` / ``iat``.
LEEWAY_S = 60
#: Google's ID tokens may name the issuer without the scheme (its OpenID Connect docs).
_GOOGLE = "https://accounts.google.com"


class Failure(StrEnum):
    """Why a sign-in did not complete; each has its own page."""

    STATE = "state"  # unknown, expired, replayed, or another browser's flow
    DENIED = "denied"  # the person declined at the provider
    REFUSED = "refused"  # the provider refused the request or the code
    SCOPE = "scope"  # signed in, but Google Ads access was not granted
    INVALID_TOKEN = "invalid_token"  # the ID token failed verification
    UNAVAILABLE = "unavailable"  # the provider could not be reached, or failed


class SignInFailed(Exception):
    """A sign-in that did not complete; ``context`` is what the flow was for, when known."""

    def __init__(self, reason: Failure, context: str | None = None) -> None:
        super().__init__(reason.value)
        self.reason, self.context = reason, context


@dataclass(frozen=True)
class Purpose:
    """What a sign-in is for: the scopes asked, and what a completed one must show."""

    scopes: tuple[str, ...]
    #: The settings that name the OAuth client (a refused client is logged with them).
    client_vars: str
    #: Refuse an ID token whose e-mail Google has not verified (``Failure.INVALID_TOKEN``);
    #: otherwise the caller decides (``SignedIn.email_verified``).
    verified_email_only: bool


ONBOARDING = Purpose(
    ("openid", "email", ADWORDS_SCOPE),
    "MCC_ONBOARDING_CLIENT_ID and MCC_ONBOARDING_CLIENT_SECRET",
    verified_email_only=True,
)
STAFF = Purpose(
    ("openid", "email", "profile"),
    "MCC_STAFF_CLIENT_ID and MCC_STAFF_CLIENT_SECRET",
    verified_email_only=False,
)


@dataclass(frozen=True)
class Discovery:
    """The parts of the provider's discovery document a relying party uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True, repr=False)
class _Flow:
    context: str
    browser: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class SignedIn:
    """A completed sign-in: who, and their access token (memory only, never shown)."""

    context: str
    email: str
    subject: str
    access_token: Secret
    email_verified: bool = True
    #: The Google Workspace domain of the account (the ``hd`` claim), if any.
    hd: str | None = None
    name: str | None = None


class OidcClient:
    """One OAuth client of one provider; safe to share between threads."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: Secret,
        redirect_uri: str,
        *,
        purpose: Purpose = ONBOARDING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.purpose = purpose
        self.client_id = client_id
        self._secret = client_secret
        self.redirect_uri = redirect_uri
        self._clock = clock
        self._flows: OneTimeStore[_Flow] = OneTimeStore(FLOW_TTL, clock=clock)
        self._lock = threading.Lock()
        self._cached: tuple[float, Discovery, jwt.PyJWKClient] | None = None

    @classmethod
    def from_settings(cls, settings: OnboardingSettings) -> OidcClient:
        """The client the onboarding settings describe."""
        return cls(
            settings.issuer, settings.client_id, settings.client_secret, settings.redirect_uri
        )

    def discovery(self) -> Discovery:
        """The provider's discovery document, fetched at most once an hour.

        Raises:
            SignInFailed: UNAVAILABLE when it cannot be fetched or is not the issuer's.
        """
        return self._provider()[0]

    def begin(self, context: str, browser: str) -> str:
        """Start a sign-in for ``context`` in ``browser``; returns the URL to send it to.

        Args:
            context: what the sign-in is for (given back by ``finish``).
            browser: an id the browser holds in a cookie; ``finish`` must be sent the same.

        Raises:
            SignInFailed: UNAVAILABLE when the provider's discovery document is unreachable.
        """
        try:
            endpoint = self.discovery().authorization_endpoint
        except SignInFailed as exc:
            raise SignInFailed(exc.reason, context) from None
        flow = _Flow(context, browser, secrets.token_urlsafe(32), secrets.token_urlsafe(64))
        state = self._flows.put(flow)
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.purpose.scopes),
            "state": state,
            "nonce": flow.nonce,
            "code_challenge": _s256(flow.verifier),
            "code_challenge_method": "S256",
            "access_type": "online",
            "prompt": "select_account",
        }
        joiner = "&" if urllib.parse.urlsplit(endpoint).query else "?"
        return f"{endpoint}{joiner}{urllib.parse.urlencode(query)}"

    def finish(self, query: Mapping[str, str], browser: str) -> SignedIn:
        """Complete the sign-in the provider sent ``browser`` back from (its query string).

        Raises:
            SignInFailed: with the reason; ``context`` is set once the flow is known.
        """
        flow = self._flows.take(query.get("state") or "")
        if flow is None or not hmac.compare_digest(flow.browser, browser):
            raise SignInFailed(Failure.STATE)
        try:
            return self._complete(flow, query)
        except SignInFailed as exc:
            raise SignInFailed(exc.reason, flow.context) from None

    def _complete(self, flow: _Flow, query: Mapping[str, str]) -> SignedIn:
        error, code = query.get("error"), query.get("code")
        if error == "access_denied":
            raise SignInFailed(Failure.DENIED)
        if error or not code:
            raise SignInFailed(Failure.REFUSED)
        tokens = self._redeem(code, flow.verifier)
        claims = self._verify(tokens["id_token"], flow.nonce)
        granted = tokens.get("scope")
        wanted = set(self.purpose.scopes) - {"openid", "email", "profile"}
        if isinstance(granted, str) and not wanted <= set(granted.split()):
            raise SignInFailed(Failure.SCOPE)
        return SignedIn(
            flow.context,
            claims["email"],
            claims["sub"],
            Secret(tokens["access_token"]),
            email_verified=_verified(claims),
            hd=_text(claims.get("hd")),
            name=_text(claims.get("name")),
        )

    def _redeem(self, code: str, verifier: str) -> dict[str, Any]:
        """The token endpoint's answer for ``code``: access token and ID token at least."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": verifier,
        }
        # RFC 6749 section 2.3.1: each part form-encoded before joining and Base64.
        pair = f"{_form(self.client_id)}:{_form(self._secret.reveal())}"
        basic = "Basic " + base64.b64encode(pair.encode()).decode()
        try:
            answer = _fetch_json(
                self.discovery().token_endpoint, urllib.parse.urlencode(form), basic
            )
        except _Refused as exc:
            if exc.error == "invalid_client":
                log.warning(
                    "the OpenID provider %s refused the OAuth client (invalid_client): check %s",
                    self.issuer,
                    self.purpose.client_vars,
                )
                raise SignInFailed(Failure.UNAVAILABLE) from None
            raise SignInFailed(Failure.REFUSED) from None
        if not all(isinstance(answer.get(k), str) for k in ("access_token", "id_token")):
            raise SignInFailed(Failure.REFUSED)
        return answer

    def _verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, times and nonce hold."""
        discovery, keys = self._provider()
        issuers = [discovery.issuer]
        if discovery.issuer == _GOOGLE:
            issuers.append("accounts.google.com")
        try:
            key = keys.get_signing_key_from_jwt(id_token)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256"],
                audience=self.client_id,
                issuer=issuers,
                leeway=LEEWAY_S,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWKClientConnectionError:
            raise SignInFailed(Failure.UNAVAILABLE) from None
        except jwt.PyJWTError:
            raise SignInFailed(Failure.INVALID_TOKEN) from None
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInFailed(Failure.INVALID_TOKEN)
        if not isinstance(claims.get("email"), str):
            raise SignInFailed(Failure.INVALID_TOKEN)
        if self.purpose.verified_email_only and not _verified(claims):
            raise SignInFailed(Failure.INVALID_TOKEN)
        return claims

    def _provider(self) -> tuple[Discovery, jwt.PyJWKClient]:
        with self._lock:
            if self._cached is None or self._cached[0] <= self._clock():
                discovery = self._fetch_discovery()
                keys = jwt.PyJWKClient(
                    discovery.jwks_uri, cache_keys=True, lifespan=3600, timeout=int(TIMEOUT_S)
                )
                self._cached = (self._clock() + DISCOVERY_TTL_S, discovery, keys)
            return self._cached[1], self._cached[2]

    def _fetch_discovery(self) -> Discovery:
        url = f"{self.issuer}/.well-known/openid-configuration"
        try:
            document = _fetch_json(url)
        except _Refused:
            raise SignInFailed(Failure.UNAVAILABLE) from None
        fields = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        values = [document.get(name) for name in fields]
        strings = [v for v in values if isinstance(v, str) and v]
        # OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for.
        if len(strings) != len(fields) or strings[0].rstrip("/") != self.issuer:
            log.warning("%s is not this issuer's discovery document: MCC_OIDC_ISSUER?", url)
            raise SignInFailed(Failure.UNAVAILABLE)
        return Discovery(self.issuer, *strings[1:])


class _Refused(Exception):
    """The server answered 4xx; ``error`` is the OAuth error its JSON body names, else
    "unreadable". (An unreachable or failing server is ``SignInFailed(UNAVAILABLE)``.)"""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _fetch_json(
    url: str, form: str | None = None, authorization: str | None = None
) -> dict[str, Any]:
    """GET ``url`` (or POST ``form``) and read its JSON object.

    Raises:
        _Refused: a 4xx answer, with its OAuth ``error``.
        SignInFailed: UNAVAILABLE when unreachable, 5xx, slow, too large or not JSON.
    """
    headers = {"Accept": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    data = form.encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            raw = answer.read(MAX_ANSWER_BYTES + 1)
        if len(raw) > MAX_ANSWER_BYTES:
            raise SignInFailed(Failure.UNAVAILABLE)
        body = json.loads(raw)
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500:
            raise _Refused(_oauth_error(exc)) from None
        raise SignInFailed(Failure.UNAVAILABLE) from None
    except (OSError, ValueError):  # URLError and timeouts are OSErrors; bad JSON a ValueError
        raise SignInFailed(Failure.UNAVAILABLE) from None
    if not isinstance(body, dict):
        raise SignInFailed(Failure.UNAVAILABLE)
    return {str(key): value for key, value in body.items()}


def _oauth_error(exc: urllib.error.HTTPError) -> str:
    try:
        error = json.loads(exc.read(MAX_ANSWER_BYTES)).get("error")
    except (OSError, ValueError, AttributeError):
        return "unreadable"
    return error if isinstance(error, str) else "unreadable"


def _verified(claims: Mapping[str, Any]) -> bool:
    # Google has sent the boolean as a string in some ID tokens.
    return claims.get("email_verified") in (True, "true")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _form(value: str) -> str:
    return urllib.parse.quote_plus(value)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
