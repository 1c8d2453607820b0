"""The advertiser's onboarding, for the secrets check (``fault_secrets``).

The scenario registers the agency's onboarding OAuth client with a distinctive fake secret
(``oauth_clients``) and a person who can sign in, ADMIN of one account (``users``). ``walk``
plays that person's browser against ``mcclink web``: the link's page, "Sign in with Google",
the emulator's authorization page (``tests.fixtures.signin.consent``), the callback, the
choice, the result, and a replay of the callback. What each answer showed is kept, with the
secrets only the walk learns (the authorization code, the link's secret part), so the check
looks for them everywhere: pages, the server's output, the store, files.

The advertiser's access token and ID token never reach the test (the server exchanges the
code itself), so ``TOKEN_SHAPES`` finds them by shape instead: the emulator's access tokens,
codes and refresh tokens, and any JWT.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from mcclink.onboarding import parse_token
from tests.e2e.conftest import MCCLINK
from tests.fixtures.signin import consent

if TYPE_CHECKING:
    from tests.reliability.fault_secrets import Run

ONBOARDING_CLIENT_ID = "onboarding-R3.apps.local"
ONBOARDING_SECRET = "obsecret-R3-8a4c2e6f1d"
ADVERTISER = "bia@sorveteria.example"
ACCOUNT = "6667778888"
#: The sign-in's secrets by shape, whoever they were issued to: the emulator's access tokens
#: (``ya29.``), codes (``4/``) and refresh tokens (``1//``), and any JWT (the ID token).
TOKEN_SHAPES = re.compile(r"ya29\.|4/emulator\.|1//emulator\.|eyJ[\w-]+\.eyJ[\w-]+\.")


def scenario(port: int) -> dict[str, Any]:
    """What the scenario adds: the account, its administrator, and the agency's OAuth client
    for ``mcclink web`` on loopback ``port``."""
    return {
        "clients": [{"id": ACCOUNT, "name": "Sorveteria Polar"}],
        "users": [{"email": ADVERTISER, "name": "Bia", "access": {ACCOUNT: "ADMIN"}}],
        "oauth_clients": [
            {
                "client_id": ONBOARDING_CLIENT_ID,
                "client_secret": ONBOARDING_SECRET,
                "redirect_uris": [f"http://127.0.0.1:{port}/onboard/callback"],
                "name": "Agência Demo",
            }
        ],
    }


def environment(port: int) -> dict[str, str]:
    """The onboarding settings of every command: links under ``mcclink web`` on ``port``."""
    return {
        "MCC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MCC_ONBOARDING_CLIENT_ID": ONBOARDING_CLIENT_ID,
        "MCC_ONBOARDING_CLIENT_SECRET": ONBOARDING_SECRET,
    }


@dataclass
class Walk:
    """What the advertiser's browser saw, and the secrets it learned on the way."""

    answers: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def keep(self, answer: httpx.Response, token: str) -> str:
        """Record ``answer`` (status, headers, body); the links back to the advertiser's own
        link are the one place its token may stand (same-origin, ``no-store`` pages)."""
        text = f"{answer.status_code} {dict(answer.headers)} {answer.text}"
        self.answers.append(text.replace(f'href="/onboard/{token}', 'href="/onboard/(link)'))
        self.statuses.append(answer.status_code)
        return answer.text


def walk(base: str, url: str) -> Walk:
    """The advertiser opens ``url``, signs in, accepts ``ACCOUNT``; then replays the
    callback."""
    token = url.rsplit("/", 1)[1]
    seen = Walk(secrets=[parse_token(token)[1]])
    with httpx.Client(base_url=base, headers={"Accept-Language": "en"}, timeout=30) as browser:
        seen.keep(browser.get(f"/onboard/{token}"), token)
        start = browser.get(f"/onboard/{token}/signin")
        seen.keep(start, token)
        query = consent(start.headers["location"], ADVERTISER)
        seen.secrets.append(query["code"])
        choose = seen.keep(browser.get("/onboard/callback", params=query), token)
        fields = dict(re.findall(r'name="(choice|csrf_token)" value="([^"]+)"', choose))
        form = {**fields, "account": ACCOUNT}
        seen.keep(browser.post("/onboard/choose", data=form, follow_redirects=True), token)
        seen.keep(browser.get("/onboard/callback", params=query), token)  # the code, replayed
    return seen


def after_revoke(seen: Walk, url: str) -> None:
    """Open the revoked link: its refusal is kept with the rest."""
    token = url.rsplit("/", 1)[1]
    with httpx.Client(timeout=30) as browser:
        seen.keep(browser.get(url), token)


def through_a_new_link(run: Run, base: str) -> Walk:
    """A general link made with the CLI (its URL, printed this once, is not kept), the walk
    through it on ``mcclink web`` at ``base``, then the link revoked with the CLI and opened
    again. The secrets learned join ``run.learned``."""
    made = subprocess.run(
        [MCCLINK, "--verbose", "onboard", "link", "--json"],
        capture_output=True,
        text=True,
        env=run.env,
        cwd=run.home,
        timeout=60,
    )
    run.outputs.append(("onboard link (stderr)", made.stderr))
    link = json.loads(made.stdout)
    walked = walk(base, link["url"])
    run.learned += walked.secrets
    run.run(("onboard", "revoke", link["id"]), {})
    after_revoke(walked, link["url"])
    return walked
