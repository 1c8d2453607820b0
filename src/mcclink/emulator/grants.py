"""What OAuth hands out and to whom: clients, grants, scopes and the OAuth error.

Shared by the token issuer (``oauth``), the authorization codes (``codes``), the ID tokens
(``oidc``) and the sign-in page (``signin``).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

#: The Google Ads API scope; the only one gRPC calls accept.
ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"
#: Scopes the emulator grants: OpenID Connect's (openid, email, profile; Google also accepts
#: the long ``userinfo.*`` names) and the Google Ads API's.
SCOPES = frozenset(
    {
        "openid",
        "email",
        "profile",
        "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/userinfo.profile",
        ADWORDS_SCOPE,
    }
)
EMAIL_SCOPES = frozenset({"email", "https://www.googleapis.com/auth/userinfo.email"})
PROFILE_SCOPES = frozenset({"profile", "https://www.googleapis.com/auth/userinfo.profile"})


class OAuthError(Exception):
    """A refused OAuth request; ``error`` is the RFC 6749 error name (sections 4.1.2.1, 5.2)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description

    @property
    def status(self) -> HTTPStatus:
        """The token endpoint's HTTP status: 401 for a client that failed to authenticate,
        400 otherwise (RFC 6749 section 5.2)."""
        return HTTPStatus.UNAUTHORIZED if self.error == "invalid_client" else HTTPStatus.BAD_REQUEST


@dataclass(frozen=True)
class OAuthClient:
    """A registered OAuth client (an application's client id and secret).

    ``redirect_uris`` are compared as exact strings (RFC 6749 section 3.1.2.3, and Google's
    "redirect_uri_mismatch"); ``loopback`` also allows any ``http`` redirect to a loopback
    host on any port (RFC 8252 section 7.3, Google's loopback IP flow).
    """

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] = ()
    name: str = "mcclink"
    loopback: bool = False


@dataclass(frozen=True)
class Grant:
    """What a token speaks for: a user (by email), the client it was issued to, its scopes."""

    user: str
    client_id: str
    scopes: frozenset[str]

    @property
    def scope(self) -> str:
        """The scopes as the token endpoint reports them (space-delimited, sorted)."""
        return " ".join(sorted(self.scopes))
