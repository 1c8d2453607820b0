"""OAuth 2.0 for the emulator: the fake client credentials, token grants and token checks.

The emulator's own credentials are constants (they open nothing but the local sandbox). The
token endpoint (``POST /token`` on the emulator's HTTP server) accepts only the
``refresh_token`` grant with these credentials and answers as Google's does, including the
``invalid_grant`` error that ``google-auth`` turns into ``RefreshError``. Every gRPC call must
carry ``authorization: Bearer <access token>`` with a token issued here and still alive.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from mcclink.emulator import failures
from mcclink.emulator.failures import RpcFault

# Public sandbox constants, not secrets: they open nothing but a local emulator.
CLIENT_ID = "mcclink-emulator.apps.local"
CLIENT_SECRET = "mcclink-emulator-client-secret"
REFRESH_TOKEN = "mcclink-emulator-refresh-token"
DEVELOPER_TOKEN = "mcclink-emulator-developer-token"  # sent, and ignored as by Google

_KEEP_EXPIRED_S = 3600.0


class OAuthError(Exception):
    """A refused token request; ``error`` is the OAuth error name (RFC 6749 section 5.2)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


@dataclass
class _AccessToken:
    expires_at: float
    revoked: bool = False


class TokenIssuer:
    """Issues access tokens for the emulator's refresh token and checks them; thread-safe."""

    def __init__(
        self,
        ttl_s: int = 3600,
        client_secret: str = CLIENT_SECRET,
        refresh_token: str = REFRESH_TOKEN,
    ) -> None:
        self.ttl_s = ttl_s
        #: What ``grant`` accepts; a scenario may choose its own (``Scenario.oauth``).
        self.client_secret, self.refresh_token = client_secret, refresh_token
        self._lock = threading.Lock()
        self._tokens: dict[str, _AccessToken] = {}
        self._refresh_revoked = False

    def grant(self, form: Mapping[str, str]) -> dict[str, object]:
        """Answer a token request (the form fields of ``POST /token``).

        Raises:
            OAuthError: an unsupported grant, unknown client or a bad / revoked refresh token.
        """
        if form.get("grant_type") != "refresh_token":
            raise OAuthError("unsupported_grant_type", "Only refresh_token grants are supported.")
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != self.client_secret:
            raise OAuthError("invalid_client", "The OAuth client was not found.")
        with self._lock:
            if form.get("refresh_token") != self.refresh_token or self._refresh_revoked:
                raise OAuthError("invalid_grant", "Token has been expired or revoked.")
            now = time.monotonic()
            # Expired tokens are kept a while so that their use answers "expired", not "invalid".
            self._tokens = {
                k: v for k, v in self._tokens.items() if v.expires_at + _KEEP_EXPIRED_S > now
            }
            token = "ya29.emulator." + secrets.token_urlsafe(24)
            self._tokens[token] = _AccessToken(expires_at=now + self.ttl_s)
        return {"access_token": token, "expires_in": self.ttl_s, "token_type": "Bearer"}

    def authenticate(self, authorization: str | None) -> None:
        """Accept the ``authorization`` metadata of a gRPC call.

        Raises:
            RpcFault: UNAUTHENTICATED with the ``AuthenticationError`` Google would send.
        """
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise RpcFault(failures.OAUTH_TOKEN_HEADER_INVALID, "Oauth token header is invalid.")
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None:
            raise RpcFault(failures.OAUTH_TOKEN_INVALID, "Oauth token is invalid.")
        if issued.revoked:
            raise RpcFault(failures.OAUTH_TOKEN_REVOKED, "Oauth token is revoked.")
        if issued.expires_at <= time.monotonic():
            raise RpcFault(failures.OAUTH_TOKEN_EXPIRED, "Oauth token is expired.")

    def expire_all(self) -> None:
        """Make every access token issued so far expired (new grants still work)."""
        now = time.monotonic()
        with self._lock:
            for token in self._tokens.values():
                token.expires_at = min(token.expires_at, now)

    def revoke(self) -> None:
        """Revoke the refresh token and every access token issued so far."""
        with self._lock:
            self._refresh_revoked = True
            for token in self._tokens.values():
                token.revoked = True

    def restore(self) -> None:
        """Accept the refresh token again (after ``revoke``)."""
        with self._lock:
            self._refresh_revoked = False

    def reset(self) -> None:
        """Make the refresh token and every token issued so far valid again, for a full
        ``ttl_s``: clients that outlive an emulator reset keep working."""
        expires_at = time.monotonic() + self.ttl_s
        with self._lock:
            self._refresh_revoked = False
            for token in self._tokens.values():
                token.revoked, token.expires_at = False, expires_at
