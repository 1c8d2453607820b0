"""The sign-in page's HTML: plain, server-rendered, no JavaScript; every value escaped."""

from __future__ import annotations

from html import escape

from mcclink.emulator.grants import ADWORDS_SCOPE, EMAIL_SCOPES, PROFILE_SCOPES
from mcclink.emulator.signin import Consent

#: Security headers for the page: no script at all, never framed (RFC 6749 section 10.13,
#: clickjacking), never cached, no referrer leaking the request's parameters.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f1f3f4; color: #202124; }
main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem;
       border: 1px solid #dadce0; border-radius: 8px; }
h1 { font-size: 1.4rem; margin-top: 0; }
fieldset { border: 0; padding: 0; margin: 1rem 0; }
label { display: block; padding: .5rem; border: 1px solid #dadce0; border-radius: 4px;
        margin-bottom: .5rem; }
.actions { display: flex; gap: 1rem; justify-content: flex-end; }
button { font: inherit; padding: .5rem 1.5rem; border-radius: 4px; border: 1px solid #dadce0; }
button[value=allow] { background: #1a73e8; color: #fff; border-color: #1a73e8; }
.error { color: #b3261e; }
small { color: #5f6368; }
"""


def _scope_phrases(scopes: frozenset[str]) -> list[str]:
    phrases = []
    if ADWORDS_SCOPE in scopes:
        phrases.append("See, edit, create and delete your Google Ads accounts and data")
    if scopes & EMAIL_SCOPES:
        phrases.append("See your primary email address")
    if scopes & PROFILE_SCOPES:
        phrases.append("See your personal info, including your name")
    if "openid" in scopes:
        phrases.append("Associate you with your personal info")
    return phrases


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - mcclink Google Ads emulator</title>"
        f"<style>{_STYLE}</style></head>\n<body><main>{body}"
        "<p><small>mcclink's local emulator of Google sign-in: no Google account is used."
        "</small></p></main></body></html>\n"
    )


def consent_page(consent: Consent, error: str | None = None) -> str:
    """The account choice and consent form for a pending request."""
    request = consent.request
    choices = "".join(
        f'<label><input type="radio" name="email" value="{escape(user.email)}"'
        f"{' checked' if user.email == consent.chosen or len(consent.users) == 1 else ''}> "
        f"{escape(user.name)} <small>{escape(user.email)}</small></label>"
        for user in consent.users
    )
    wants = "".join(f"<li>{escape(p)}</li>" for p in _scope_phrases(request.scopes))
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        "<h1>Sign in with Google</h1>"
        f"<p><strong>{escape(request.client.name)}</strong> wants to:</p><ul>{wants}</ul>"
        f'{problem}<form method="post" action="/authorize">'
        f'<input type="hidden" name="txn" value="{escape(consent.txn)}">'
        f"<fieldset><legend>Choose an account</legend>{choices}</fieldset>"
        '<div class="actions">'
        '<button type="submit" name="action" value="deny">Deny</button>'
        '<button type="submit" name="action" value="allow">Allow</button>'
        "</div></form>"
    )
    return _page("Sign in", body)


def error_page(error: str, description: str) -> str:
    """A refusal shown on the page itself (nothing is sent to the client)."""
    body = (
        f"<h1>Error 400: {escape(error)}</h1>"
        f'<p class="error" role="alert">{escape(description)}</p>'
        "<p>The application that sent you here made a request the sign-in cannot answer.</p>"
    )
    return _page("Error", body)
