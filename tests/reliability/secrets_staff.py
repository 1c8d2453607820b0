"""The staff's side, for the secrets check (``fault_secrets``): personal API tokens and a
Google sign-in to the dashboard.

- ``tokens create`` prints its token once, by design: ``learn`` takes it from that output
  (stdout holds the token alone, or ``--json``'s ``"token"``) and hands back the rest to be
  checked like any output. From then on the token is a secret like the others: only its
  prefix ``mcl_<id>`` may appear anywhere.
- ``sign_in`` plays a staff member's browser against ``mcclink web``: "Sign in with Google"
  at the emulator (the scenario's staff OAuth client, with a distinctive secret), the
  callback, pages with the session cookie, sign-out, and the ended session refused. The
  authorization code and the session cookie's value join the secrets; the one place the
  cookie may stand is the callback's ``Set-Cookie`` header.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from typing import Any

import httpx

from mcclink.web.security import CSRF_FIELD, SESSION_COOKIE
from tests.fixtures.signin import consent

STAFF_CLIENT_ID = "staff-R3.apps.local"
STAFF_SECRET = "stsecret-R3-5e7a1c9b3d"
ADMIN, VIEWER = "ana@agencia.example", "joao@agencia.example"
#: A personal API token as ``tokens create`` prints it: ``mcl_<12 id>_<43 secret>``.
TOKEN = re.compile(r"mcl_[a-z0-9]{12}_[\w-]{43}")


def scenario(port: int) -> dict[str, Any]:
    """What the scenario adds: the admin who signs in, and the staff's OAuth client for
    ``mcclink web`` on loopback ``port``."""
    return {
        "users": [{"email": ADMIN, "name": "Ana", "access": {}}],
        "oauth_clients": [
            {
                "client_id": STAFF_CLIENT_ID,
                "client_secret": STAFF_SECRET,
                "redirect_uris": [f"http://127.0.0.1:{port}/login/callback"],
                "name": "mcclink staff",
            }
        ],
    }


#: ``mcclink web``'s staff settings: Google sign-in, and the break-glass token kept usable
#: once users exist (the check still sends it).
ENVIRONMENT = {
    "MCC_STAFF_CLIENT_ID": STAFF_CLIENT_ID,
    "MCC_STAFF_CLIENT_SECRET": STAFF_SECRET,
    "MCC_BREAK_GLASS": "on",
}


def learn(done: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    """The token a ``tokens create`` run printed, and the rest of its output (to be checked).

    Raises:
        AssertionError: the run printed no token, or more than the token on stdout.
    """
    if done.stdout.lstrip().startswith("{"):
        record = json.loads(done.stdout)
        secret = str(record.pop("token", ""))
        rest = json.dumps(record)
    else:
        secret, rest = done.stdout.strip(), ""
    assert TOKEN.fullmatch(secret), f"tokens create printed no token alone: {done.stderr[-300:]}"
    return secret, rest + done.stderr


@dataclass
class SignIn:
    """What the staff member's browser saw, and the secrets it learned on the way."""

    answers: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    def keep(self, answer: httpx.Response) -> str:
        """Record ``answer`` (status, headers, body), the session cookie a ``Set-Cookie``
        header gives masked: that header is where it must stand."""
        headers = dict(answer.headers)
        for value in self.secrets:
            cookie = headers.get("set-cookie", "")
            headers["set-cookie"] = cookie.replace(f"{SESSION_COOKIE}={value}", SESSION_COOKIE)
        self.answers.append(f"{answer.status_code} {headers} {answer.text}")
        self.statuses.append(answer.status_code)
        return answer.text


def sign_in(base: str) -> SignIn:
    """``ADMIN`` signs in with Google on ``mcclink web`` at ``base``, opens the home page and
    the admin's tokens page (prefixes only), signs out, then tries the ended session."""
    seen = SignIn()
    with httpx.Client(base_url=base, headers={"Accept-Language": "en"}, timeout=30) as browser:
        start = browser.get("/login/google?next=/admin/tokens")
        seen.keep(start)
        query = consent(start.headers["location"], ADMIN)
        seen.secrets.append(query["code"])
        back = browser.get("/login/callback", params=query)
        cookie = back.cookies.get(SESSION_COOKIE, "")
        assert cookie, back.text
        seen.secrets.append(cookie)
        seen.keep(back)
        seen.keep(browser.get("/"))
        tokens = seen.keep(browser.get("/admin/tokens"))
        csrf = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', tokens)
        assert csrf, tokens
        seen.keep(browser.post("/logout", data={CSRF_FIELD: csrf[1]}))
        browser.cookies.set(SESSION_COOKIE, cookie)  # the ended session, sent again
        seen.keep(browser.get("/admin/tokens"))
    return seen
