"""Google sign-in on the emulator over plain HTTP, as a browser and a web server would do it."""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from mcclink.emulator import CLIENT_ID, CLIENT_SECRET, Emulator
from mcclink.emulator.codes import s256

REDIRECT = "http://127.0.0.1:8765/callback"
VERIFIER = "v" * 20 + "-verifier.of_PKCE~" + "x" * 20
ADWORDS = "https://www.googleapis.com/auth/adwords"
ANA_EMAIL, BETO_EMAIL = "ana@padaria.com.br", "beto@acai.com.br"
ANA: dict[str, object] = {
    "email": ANA_EMAIL,
    "name": "Ana",
    "hd": "padaria.com.br",
    "access": {"1112223333": "ADMIN", "2223334444": "READ_ONLY"},
}
BETO: dict[str, object] = {"email": BETO_EMAIL, "name": "Beto", "access": {"2223334444": "ADMIN"}}


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, headers and body text."""

    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    def redirect_query(self) -> dict[str, str]:
        """The query of the ``Location`` a 302 sends the browser to."""
        assert self.status == 302, self.text
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.headers["Location"]).query))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def http(
    url: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """GET ``url`` (or POST ``form``), without following redirects."""
    data = None if form is None else urllib.parse.urlencode(form).encode()
    return _open(urllib.request.Request(url, data=data, headers=headers or {}))


def _open(request: urllib.request.Request) -> Answer:
    try:
        with _OPENER.open(request, timeout=5) as response:
            return Answer(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, dict(exc.headers), exc.read().decode())


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    """An HTTP Basic header as RFC 6749 section 2.3.1 builds it."""
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def authorize_url(emulator: Emulator, **params: str) -> str:
    """``/authorize`` with the emulator's own client, PKCE S256 and the openid scopes."""
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": f"openid email profile {ADWORDS}",
        "state": "st-42",
        "nonce": "n-7",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        **params,
    }
    return f"{emulator.admin_url}/authorize?{urllib.parse.urlencode(query)}"


def txn_of(page: str) -> str:
    """The one-time transaction id in the page's form."""
    match = re.search(r'name="txn" value="([^"]+)"', page)
    assert match, page
    return match[1]


def sign_in(emulator: Emulator, email: str | None, action: str = "allow", **params: str) -> Answer:
    """Open the page, choose ``email`` and press ``action``: the redirect answer."""
    page = http(authorize_url(emulator, **params))
    assert page.status == 200, page.text
    form = {"txn": txn_of(page.text), "action": action}
    if email is not None:
        form["email"] = email
    return http(f"{emulator.admin_url}/authorize", form)


def exchange(emulator: Emulator, code: str, /, **overrides: str) -> Answer:
    """Redeem a code at the token endpoint, authenticating with HTTP Basic."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        **overrides,
    }
    return http(emulator.token_uri, form, basic())


def tokens_for(emulator: Emulator, email: str, **params: str) -> dict[str, Any]:
    """The token endpoint's answer for ``email`` signing in and allowing."""
    code = sign_in(emulator, email, **params).redirect_query()["code"]
    answer = exchange(emulator, code)
    assert answer.status == 200, answer.text
    return dict(answer.json())


def post_json(emulator: Emulator, path: str, body: object) -> Answer:
    """POST a JSON body to an admin endpoint."""
    return _open(urllib.request.Request(emulator.admin_url + path, data=json.dumps(body).encode()))
