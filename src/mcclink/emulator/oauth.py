"""OAuth 2.0 for the emulator: client credentials, the token endpoint's grants, token checks.

The emulator's own credentials are constants (they open nothing but the local sandbox); its
refresh token speaks for the manager's user (``MANAGER_EMAIL``) with the Google Ads scope. The
token endpoint (``POST /token`` on the emulator's HTTP server) answers as Google's does:

- client authentication by HTTP Basic or by form fields, never both (RFC 6749 section 2.3.1);
  a failure is ``invalid_client`` (HTTP 401, section 5.2);
- ``grant_type=refresh_token`` -- the emulator's refresh token, or one issued to a user by the
  authorization code flow (then only to the client it was issued to, section 6); a revoked or
  unknown one is ``invalid_grant``, which ``google-auth`` turns into ``RefreshError``;
- ``grant_type=authorization_code`` -- see ``codes`` for the code and PKCE rules; the answer
  has a refresh token when the user granted offline access, and an ID token when ``openid``
  was granted (Google's "Using OAuth 2.0 for Web Server Applications").

Every gRPC call must carry ``authorization: Bearer <access token>`` with a token issued here,
alive, and granted the Google Ads scope.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

import grpc

from mcclink.emulator import failures
from mcclink.emulator.codes import AuthorizationCodes, CodeReplayed
from mcclink.emulator.failures import RpcFault
from mcclink.emulator.grants import ADWORDS_SCOPE, Grant, OAuthClient, OAuthError

# Public sandbox constants, not secrets: they open nothing but a local emulator.
CLIENT_ID = "mcclink-emulator.apps.local"
CLIENT_SECRET = "mcclink-emulator-client-secret"
REFRESH_TOKEN = "mcclink-emulator-refresh-token"
DEVELOPER_TOKEN = "mcclink-emulator-developer-token"  # sent, and ignored as by Google
#: The user the emulator's own credentials speak for (``.test``: a reserved domain, RFC 2606).
MANAGER_EMAIL = "manager@mcclink-emulator.test"

_KEEP_EXPIRED_S = 3600.0

#: Makes an ID token for a grant and the authorization request's nonce (see ``oidc``).
IdTokenMaker = Callable[[Grant, str | None], str]


@dataclass
class _AccessToken:
    grant: Grant
    expires_at: float
    revoked: bool = False


def client_credentials(form: Mapping[str, str], authorization: str | None) -> tuple[str, str]:
    """The client id and secret of a token request, from HTTP Basic or from the form.

    Raises:
        OAuthError: ``invalid_request`` for credentials sent both ways or client ids that
            differ; ``invalid_client`` for a malformed Basic header or no credentials.
    """
    if authorization is None:
        return form.get("client_id", ""), form.get("client_secret", "")
    scheme, _, encoded = authorization.partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    if scheme.lower() != "basic" or ":" not in decoded:
        raise OAuthError("invalid_client", "The Authorization header is not HTTP Basic.")
    if "client_secret" in form:
        # RFC 6749 section 2.3: a client MUST NOT use more than one authentication method.
        raise OAuthError("invalid_request", "Send client credentials one way, not both.")
    # Section 2.3.1: both parts are form-urlencoded before Basic encoding.
    client_id, _, secret = (unquote_plus(part) for part in decoded.partition(":"))
    if form.get("client_id", client_id) != client_id:
        raise OAuthError("invalid_request", "client_id differs from the Authorization header.")
    return client_id, secret


class TokenIssuer:
    """Clients, refresh and access tokens and authorization codes; thread-safe."""

    def __init__(
        self,
        ttl_s: int = 3600,
        client_secret: str = CLIENT_SECRET,
        refresh_token: str = REFRESH_TOKEN,
    ) -> None:
        self.ttl_s = ttl_s
        #: The emulator's own client's secret and refresh token (a scenario may choose them).
        self.client_secret, self.refresh_token = client_secret, refresh_token
        #: Clients registered by the scenario (``oauth_clients``), besides the emulator's own.
        self.clients: dict[str, OAuthClient] = {}
        self.codes = AuthorizationCodes()
        self._lock = threading.Lock()
        self._tokens: dict[str, _AccessToken] = {}
        self._refresh: dict[str, Grant] = {}
        self._refresh_revoked = False
        self._offline_consents: set[tuple[str, str]] = set()

    def client(self, client_id: str) -> OAuthClient | None:
        """The registered client with this id, or None."""
        if client_id == CLIENT_ID:
            # Loopback redirects: the emulator serves local tools and tests (RFC 8252 7.3).
            return OAuthClient(CLIENT_ID, self.client_secret, name="mcclink", loopback=True)
        return self.clients.get(client_id)

    def grant(
        self,
        form: Mapping[str, str],
        authorization: str | None = None,
        *,
        id_token: IdTokenMaker | None = None,
    ) -> dict[str, object]:
        """Answer a token request: its form fields and its ``Authorization`` header.

        Args:
            form: the request's form fields.
            authorization: the ``Authorization`` header, if any (HTTP Basic).
            id_token: makes ID tokens for grants that include ``openid``.

        Raises:
            OAuthError: an unsupported grant, a client that fails to authenticate, a bad,
                spent or revoked code or refresh token, or a scope beyond the one granted.
        """
        kind = form.get("grant_type")
        if kind not in ("refresh_token", "authorization_code"):
            raise OAuthError(
                "unsupported_grant_type",
                "Only refresh_token and authorization_code grants are supported.",
            )
        client = self._authenticated(form, authorization)
        if kind == "refresh_token":
            return self._issue(self._refreshed(client, form), id_token=id_token)
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code or not redirect_uri:
            raise OAuthError("invalid_request", "code and redirect_uri are required.")
        try:
            request = self.codes.redeem(
                code, client.client_id, redirect_uri, form.get("code_verifier")
            )
        except CodeReplayed as replay:
            self._revoke_issued(replay.tokens)
            raise
        answer = self._issue(
            request.grant, offline=request.offline, nonce=request.nonce, id_token=id_token
        )
        issued = [answer["access_token"], answer.get("refresh_token")]
        self.codes.record_tokens(code, [str(t) for t in issued if t])
        return answer

    def _authenticated(self, form: Mapping[str, str], authorization: str | None) -> OAuthClient:
        client_id, secret = client_credentials(form, authorization)
        client = self.client(client_id)
        if client is None or not hmac.compare_digest(
            secret.encode("utf-8"), client.client_secret.encode("utf-8")
        ):
            raise OAuthError("invalid_client", "The OAuth client was not found.")
        return client

    def _refreshed(self, client: OAuthClient, form: Mapping[str, str]) -> Grant:
        token = form.get("refresh_token", "")
        with self._lock:
            if token == self.refresh_token and client.client_id == CLIENT_ID:
                grant: Grant | None = Grant(MANAGER_EMAIL, CLIENT_ID, frozenset({ADWORDS_SCOPE}))
            else:
                grant = self._refresh.get(token)
            # RFC 6749 section 6: a refresh token works only for the client it was issued to.
            if grant is None or grant.client_id != client.client_id or self._refresh_revoked:
                raise OAuthError("invalid_grant", "Token has been expired or revoked.")
        asked = form.get("scope")
        if asked is None:
            return grant
        scopes = frozenset(asked.split())
        if not scopes <= grant.scopes:
            # Section 6: the scope may narrow the original grant, never widen it.
            raise OAuthError("invalid_scope", "The scope exceeds the one originally granted.")
        return Grant(grant.user, grant.client_id, scopes)

    def _issue(
        self,
        grant: Grant,
        *,
        offline: bool = False,
        nonce: str | None = None,
        id_token: IdTokenMaker | None = None,
    ) -> dict[str, object]:
        now = time.monotonic()
        token = "ya29.emulator." + secrets.token_urlsafe(24)
        answer: dict[str, object] = {
            "access_token": token,
            "expires_in": self.ttl_s,
            "token_type": "Bearer",
            "scope": grant.scope,
        }
        with self._lock:
            # Expired tokens are kept a while so that their use answers "expired", not "invalid".
            self._tokens = {
                k: v for k, v in self._tokens.items() if v.expires_at + _KEEP_EXPIRED_S > now
            }
            self._tokens[token] = _AccessToken(grant, expires_at=now + self.ttl_s)
            if offline:
                refresh = "1//emulator." + secrets.token_urlsafe(32)
                self._refresh[refresh] = grant
                answer["refresh_token"] = refresh
        if id_token is not None and "openid" in grant.scopes:
            answer["id_token"] = id_token(grant, nonce)
        return answer

    def lookup(self, token: str) -> Grant:
        """The grant behind a live access token.

        Raises:
            RpcFault: UNAUTHENTICATED with the ``AuthenticationError`` Google would send.
        """
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None:
            raise RpcFault(failures.OAUTH_TOKEN_INVALID, "Oauth token is invalid.")
        if issued.revoked:
            raise RpcFault(failures.OAUTH_TOKEN_REVOKED, "Oauth token is revoked.")
        if issued.expires_at <= time.monotonic():
            raise RpcFault(failures.OAUTH_TOKEN_EXPIRED, "Oauth token is expired.")
        return issued.grant

    def authenticate(self, authorization: str | None) -> Grant:
        """The grant behind the ``authorization`` metadata of a gRPC call.

        Raises:
            RpcFault: UNAUTHENTICATED with the ``AuthenticationError`` Google would send, or
                a bare PERMISSION_DENIED for a token without the Google Ads scope.
        """
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise RpcFault(failures.OAUTH_TOKEN_HEADER_INVALID, "Oauth token header is invalid.")
        grant = self.lookup(token)
        if ADWORDS_SCOPE not in grant.scopes:
            # Google's front end refuses such tokens before the Ads API sees the call: no
            # GoogleAdsFailure (see the failures module's list of choices).
            raise RpcFault(
                None,
                "Request had insufficient authentication scopes.",
                status=grpc.StatusCode.PERMISSION_DENIED,
            )
        return grant

    def first_offline_consent(self, grant: Grant) -> bool:
        """Record that the grant's user gave its client offline access; True the first time."""
        key = (grant.client_id, grant.user)
        with self._lock:
            first = key not in self._offline_consents
            self._offline_consents.add(key)
        return first

    def _revoke_issued(self, tokens: Iterable[str]) -> None:
        with self._lock:
            for token in tokens:
                self._refresh.pop(token, None)
                if token in self._tokens:
                    self._tokens[token].revoked = True

    def expire_all(self) -> None:
        """Make every access token issued so far expired (new grants still work)."""
        now = time.monotonic()
        with self._lock:
            for token in self._tokens.values():
                token.expires_at = min(token.expires_at, now)

    def revoke(self) -> None:
        """Revoke every refresh token and every access token issued so far."""
        with self._lock:
            self._refresh_revoked = True
            for token in self._tokens.values():
                token.revoked = True

    def restore(self) -> None:
        """Accept the refresh tokens again (after ``revoke``)."""
        with self._lock:
            self._refresh_revoked = False

    def reset(self) -> None:
        """Make the refresh tokens and every token issued so far valid again, for a full
        ``ttl_s``: clients that outlive an emulator reset keep working. Offline consents are
        forgotten, as in a new world."""
        expires_at = time.monotonic() + self.ttl_s
        with self._lock:
            self._refresh_revoked = False
            self._offline_consents.clear()
            for token in self._tokens.values():
                token.revoked, token.expires_at = False, expires_at
