"""The staff's ID tokens are verified against the provider's JWKS: a forged, an expired and a
wrongly-audienced one are refused (issue #16, tests).

The provider here is a small one served on loopback: its discovery document, its JWKS (an
RSA key of the test's own) and a token endpoint that answers the ID token the test made with
PyJWT, so each claim can be wrong on purpose.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from mcclink.bootstrap import Container
from mcclink.config import Secret
from mcclink.staff import Role
from mcclink.staff_service import StaffDirectory
from mcclink.web.app import create_app
from mcclink.web.oidc_client import ONBOARDING, STAFF, Failure, OidcClient, SignInFailed
from mcclink.web.security import SESSION_COOKIE, WebSettings
from tests.web.staffing import staff_environ

CLIENT = "staff.apps.example"
REDIRECT = "http://127.0.0.1/login/callback"
ANA = "ana@agencia.com.br"
KID = "test-key"


class Provider:
    """An OpenID provider on loopback whose token endpoint answers ``id_token``."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.id_token = ""
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    self._json(provider.discovery())
                elif self.path == "/jwks":
                    jwk: dict[str, Any] = dict(
                        RSAAlgorithm.to_jwk(provider.key.public_key(), as_dict=True)
                    )
                    self._json({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]})
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                self._json(
                    {"access_token": "at", "token_type": "Bearer", "id_token": provider.id_token}
                )

            def _json(self, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def discovery(self) -> dict[str, str]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
        }

    def sign(self, nonce: str, key: rsa.RSAPrivateKey | None = None, **claims: object) -> None:
        """The next ID token: Ana's, valid, but for ``claims`` (None removes one)."""
        now = int(time.time())
        body: dict[str, object] = {
            "iss": self.url,
            "aud": CLIENT,
            "sub": "1000001",
            "iat": now,
            "exp": now + 3600,
            "nonce": nonce,
            "email": ANA,
            "email_verified": True,
            "hd": "agencia.com.br",
            "name": "Ana Souza",
        }
        body.update(claims)
        self.id_token = jwt.encode(
            {k: v for k, v in body.items() if v is not None},
            key or self.key,
            algorithm="RS256",
            headers={"kid": KID},
        )


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    served = Provider()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


def _begin(client: OidcClient) -> tuple[str, str]:
    """Start a sign-in in browser "b1": its state and nonce."""
    query = parse_qs(urlsplit(client.begin("/", "b1")).query)
    return query["state"][0], query["nonce"][0]


@pytest.fixture
def staff_client(provider: Provider) -> OidcClient:
    return OidcClient(provider.url, CLIENT, Secret("client-secret"), REDIRECT, purpose=STAFF)


def test_a_valid_id_token_says_who_signed_in_and_asks_openid_email_profile(
    provider: Provider, staff_client: OidcClient
) -> None:
    url = staff_client.begin("/clients", "b1")
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["openid email profile"]
    provider.sign(query["nonce"][0])

    done = staff_client.finish({"code": "c", "state": query["state"][0]}, "b1")

    assert (done.context, done.email, done.subject) == ("/clients", ANA, "1000001")
    assert (done.email_verified, done.hd, done.name) == (True, "agencia.com.br", "Ana Souza")


def test_an_unverified_address_is_left_to_staff_admission_but_refused_for_onboarding(
    provider: Provider, staff_client: OidcClient
) -> None:
    state, nonce = _begin(staff_client)
    provider.sign(nonce, email_verified=False)
    assert staff_client.finish({"code": "c", "state": state}, "b1").email_verified is False

    onboarding = OidcClient(provider.url, CLIENT, Secret("s"), REDIRECT, purpose=ONBOARDING)
    state, nonce = _begin(onboarding)
    provider.sign(nonce, email_verified=False)
    with pytest.raises(SignInFailed) as failed:
        onboarding.finish({"code": "c", "state": state}, "b1")
    assert failed.value.reason is Failure.INVALID_TOKEN


WRONG: dict[str, dict[str, Any]] = {
    "forged": {"key": rsa.generate_private_key(public_exponent=65537, key_size=2048)},
    "expired": {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
    "another audience": {"aud": "someone-else.apps.example"},
    "another issuer": {"iss": "https://accounts.example.com"},
    "another nonce": {"nonce": "not-the-one-sent"},
    "no subject": {"sub": None},
    "no e-mail": {"email": None},
}


@pytest.mark.parametrize("wrong", WRONG.values(), ids=WRONG.keys())
def test_an_id_token_that_fails_a_check_is_refused(
    provider: Provider, staff_client: OidcClient, wrong: dict[str, Any]
) -> None:
    state, nonce = _begin(staff_client)
    provider.sign(**{"nonce": nonce, **wrong})

    with pytest.raises(SignInFailed) as failed:
        staff_client.finish({"code": "c", "state": state}, "b1")

    assert failed.value.reason is Failure.INVALID_TOKEN


def test_an_id_token_signed_with_hmac_over_the_public_key_is_refused(
    provider: Provider, staff_client: OidcClient
) -> None:
    state, nonce = _begin(staff_client)
    provider.sign(nonce)
    claims = jwt.decode(provider.id_token, options={"verify_signature": False})
    provider.id_token = jwt.encode(
        claims, "a-shared-secret-of-32-bytes-long!", "HS256", {"kid": KID}
    )

    with pytest.raises(SignInFailed) as failed:
        staff_client.finish({"code": "c", "state": state}, "b1")

    assert failed.value.reason is Failure.INVALID_TOKEN


# -- through the app ------------------------------------------------------------------------


@pytest.fixture
def app(web_container: Container, web_env: dict[str, str], provider: Provider) -> FastAPI:
    StaffDirectory(web_container.store, "cli:test").add_user(ANA, Role.ADMIN)
    env = staff_environ(
        web_env,
        MCC_OIDC_ISSUER=provider.url,
        MCC_STAFF_CLIENT_ID=CLIENT,
        MCC_STAFF_CLIENT_SECRET="client-secret",
    )
    return create_app(web_container, WebSettings.from_env(env))


def _callback(app: FastAPI, provider: Provider, browser: TestClient, **wrong: Any) -> int:
    """Sign in at ``app`` with the ID token the provider signs (``wrong`` claims)."""
    start = browser.get("/login/google", follow_redirects=False)
    query = parse_qs(urlsplit(start.headers["location"]).query)
    provider.sign(**{"nonce": query["nonce"][0], **wrong})
    back = browser.get("/login/callback", params={"code": "c", "state": query["state"][0]})
    status: int = back.status_code
    assert status != 400 or "failed its checks" in back.text
    return status


@pytest.mark.parametrize("wrong", ["forged", "expired", "another audience"])
def test_the_callback_refuses_a_forged_expired_or_wrongly_audienced_id_token(
    app: FastAPI, provider: Provider, wrong: str
) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        assert _callback(app, provider, browser, **WRONG[wrong]) == 400

        assert SESSION_COOKIE not in browser.cookies
        assert browser.get("/", follow_redirects=False).status_code == 303


def test_the_callback_signs_in_with_an_id_token_that_holds(
    app: FastAPI, provider: Provider
) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        assert _callback(app, provider, browser) == 200

        assert browser.get("/", follow_redirects=False).status_code == 200
