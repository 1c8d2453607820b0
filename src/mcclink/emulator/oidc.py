"""OpenID Connect: the signing key, its JWKS, ID tokens, userinfo claims and discovery.

As Google's (https://developers.google.com/identity/openid-connect/openid-connect): ID tokens
are RS256 JWTs (signed by PyJWT) with ``iss`` (the emulator's HTTP base URL), ``aud`` and
``azp`` (the client id), ``sub`` (a stable numeric id per email), ``iat`` and ``exp`` (one
hour), the request's ``nonce``; ``email`` and ``email_verified`` with the email scope, ``name``
with the profile scope, ``hd`` for a Workspace user. Keys are published at the discovery
document's ``jwks_uri``.

The RSA key is made per emulator run, lazily (start-up stays fast), and written to the data
directory (next to the TLS certificate) as ``oidc-signing-key.pem``, mode 0600; the ``kid`` is
derived from the public key, so a token's header always names the key that verifies it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from mcclink.emulator.grants import EMAIL_SCOPES, PROFILE_SCOPES, SCOPES, Grant
from mcclink.emulator.model import User
from mcclink.emulator.tls import write_private

ID_TOKEN_TTL_S = 3600
KEY_FILE = "oidc-signing-key.pem"
_CLAIMS = (
    "aud",
    "azp",
    "email",
    "email_verified",
    "exp",
    "hd",
    "iat",
    "iss",
    "name",
    "nonce",
    "sub",
)


def subject(email: str) -> str:
    """A stable ``sub`` for an email: 21 digits, shaped like Google's account ids."""
    digest = hashlib.sha256(email.lower().encode("utf-8")).digest()
    return str(10**20 + int.from_bytes(digest[:8], "big") % (9 * 10**20))


def user_claims(user: User, scopes: frozenset[str]) -> dict[str, object]:
    """The claims about ``user`` that ``scopes`` allow (userinfo, and inside ID tokens)."""
    claims: dict[str, object] = {"sub": subject(user.email)}
    if scopes & EMAIL_SCOPES:
        claims.update(email=user.email, email_verified=user.email_verified)
    if scopes & PROFILE_SCOPES:
        claims["name"] = user.name
    if user.hd:
        claims["hd"] = user.hd
    return claims


def discovery(issuer: str) -> dict[str, object]:
    """The OpenID Provider metadata (OpenID Connect Discovery 1.0, section 3)."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": sorted(SCOPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "claims_supported": sorted(_CLAIMS),
    }


class Signer:
    """Signs ID tokens with the run's RSA key and publishes it; thread-safe."""

    def __init__(self, data_dir: Path, issuer: str) -> None:
        self.issuer = issuer
        self._path = data_dir / KEY_FILE
        self._lock = threading.Lock()
        self._key: rsa.RSAPrivateKey | None = None
        self._kid = ""

    def _signing_key(self) -> tuple[rsa.RSAPrivateKey, str]:
        with self._lock:
            if self._key is None:
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                write_private(self._path, _pem(key))
                public = key.public_key().public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                self._key, self._kid = key, hashlib.sha256(public).hexdigest()[:16]
            return self._key, self._kid

    def jwks(self) -> dict[str, object]:
        """The JSON Web Key Set that verifies this run's ID tokens (RFC 7517 section 5)."""
        key, kid = self._signing_key()
        jwk: dict[str, Any] = dict(RSAAlgorithm.to_jwk(key.public_key(), as_dict=True))
        return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}

    def id_token(self, grant: Grant, user: User, nonce: str | None) -> str:
        """An RS256 ID token for ``user``, issued to ``grant``'s client."""
        key, kid = self._signing_key()
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": self.issuer,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_TTL_S,
            **user_claims(user, grant.scopes),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
