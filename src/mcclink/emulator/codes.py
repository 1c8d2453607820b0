"""Authorization codes with PKCE, as an authorization server keeps them (RFC 6749, RFC 7636).

The rules, each applied in one place below:

- A code lives ``CODE_TTL_S`` (10 minutes, RFC 6749 section 4.1.2's recommended maximum;
  Google does not publish its own) and can be redeemed once. A second attempt is refused with
  ``invalid_grant`` and revokes the tokens issued from the code (section 4.1.2).
- Only the client the code was issued to may redeem it, with the same ``redirect_uri``
  (section 4.1.3).
- With a ``code_challenge`` the token request must carry the matching ``code_verifier``
  (RFC 7636 section 4.6, methods ``S256`` and ``plain``); a ``code_verifier`` for a code issued
  without a challenge is refused too (RFC 9700 section 2.1.1, against PKCE downgrade).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mcclink.emulator.grants import Grant, OAuthError

CODE_TTL_S = 600.0
#: ``code_challenge_method`` values; Google's default, as RFC 7636 section 4.3's, is plain.
CHALLENGE_METHODS = ("S256", "plain")
# RFC 7636 section 4.1 (verifier) and 4.2 (challenge): 43 to 128 unreserved characters.
_PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def check_challenge(challenge: str, method: str) -> None:
    """Accept an authorization request's ``code_challenge`` and ``code_challenge_method``.

    Raises:
        OAuthError: ``invalid_request`` for an unknown method or a malformed challenge.
    """
    if method not in CHALLENGE_METHODS:
        raise OAuthError(
            "invalid_request", f"code_challenge_method must be one of {list(CHALLENGE_METHODS)}."
        )
    if not _PKCE_VALUE.fullmatch(challenge):
        raise OAuthError(
            "invalid_request", "code_challenge must be 43 to 128 characters [A-Za-z0-9-._~]."
        )


def s256(verifier: str) -> str:
    """The S256 challenge of a verifier: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class CodeRequest:
    """What an approved authorization request settled, carried by its code."""

    grant: Grant
    redirect_uri: str
    offline: bool = False
    nonce: str | None = None
    challenge: str | None = None
    challenge_method: str = "plain"


@dataclass
class _Code:
    request: CodeRequest
    expires_at: float
    redeemed: bool = False
    tokens: list[str] = field(default_factory=list)


class CodeReplayed(OAuthError):
    """A code redeemed a second time; ``tokens`` were issued from it and must be revoked."""

    def __init__(self, tokens: list[str]) -> None:
        super().__init__("invalid_grant", "The authorization code was already used.")
        self.tokens = tokens


class AuthorizationCodes:
    """Issued authorization codes; thread-safe. ``clock`` is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}

    def issue(self, request: CodeRequest) -> str:
        """A new code for an approved request."""
        code = "4/emulator." + secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            # Expired codes are kept a while longer so that a late replay is still recognised.
            self._codes = {k: v for k, v in self._codes.items() if v.expires_at + CODE_TTL_S > now}
            self._codes[code] = _Code(request, expires_at=now + CODE_TTL_S)
        return code

    def redeem(
        self, code: str, client_id: str, redirect_uri: str, verifier: str | None
    ) -> CodeRequest:
        """The request behind ``code``, redeemed by ``client_id``; the code is then spent.

        Raises:
            CodeReplayed: the code was redeemed before.
            OAuthError: ``invalid_grant`` for an unknown, expired or another client's code, a
                different ``redirect_uri`` or a wrong ``code_verifier``.
        """
        with self._lock:
            issued = self._codes.get(code)
            if issued is not None and issued.redeemed:
                raise CodeReplayed(issued.tokens)
            if issued is None or issued.expires_at <= self._clock():
                raise OAuthError("invalid_grant", "The authorization code is invalid or expired.")
            request = issued.request
            if request.grant.client_id != client_id:
                raise OAuthError("invalid_grant", "The code was issued to another client.")
            if request.redirect_uri != redirect_uri:
                raise OAuthError("invalid_grant", "redirect_uri differs from the one authorized.")
            _check_verifier(request, verifier)
            issued.redeemed = True
            return request

    def record_tokens(self, code: str, tokens: list[str]) -> None:
        """Remember the tokens issued from ``code`` (revoked if the code is replayed)."""
        with self._lock:
            self._codes[code].tokens.extend(tokens)


def _check_verifier(request: CodeRequest, verifier: str | None) -> None:
    if request.challenge is None:
        if verifier is not None:
            raise OAuthError("invalid_grant", "code_verifier sent for a code without a challenge.")
        return
    if verifier is None:
        raise OAuthError("invalid_grant", "code_verifier is missing.")
    if not _PKCE_VALUE.fullmatch(verifier):
        raise OAuthError("invalid_grant", "code_verifier is malformed.")
    expected = s256(verifier) if request.challenge_method == "S256" else verifier
    if not hmac.compare_digest(expected, request.challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge.")
