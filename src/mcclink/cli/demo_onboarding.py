"""The demo's advertiser who onboards through a link: the real pages, over real HTTP.

``mcclink web``'s app is served on a loopback port; a minimal browser (cookies, redirects,
forms; no JavaScript, as the pages need none) opens the link, follows "Sign in with Google" to
the emulator's authorization page, chooses the advertiser and Allow, and ticks the account on
the choice page: what a person does in a browser, step by step.
"""

from __future__ import annotations

import secrets
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.cookiejar import CookieJar

from mcclink.bootstrap import Container
from mcclink.config import Secret
from mcclink.errors import ConfigurationError
from mcclink.web.loopback import first_form, serving

_TIMEOUT_S = 30.0


@contextmanager
def serving_pages(container: Container, port: int) -> Iterator[None]:
    """``mcclink web``'s app for ``container`` on ``127.0.0.1:port`` until the block ends.

    Raises:
        ConfigurationError: the app's settings are wrong, or it could not start.
    """
    from mcclink.web.app import create_app
    from mcclink.web.security import WebSettings

    # Nobody signs in as staff during the demo: a random token nobody knows.
    app = create_app(container, WebSettings(token=Secret(secrets.token_urlsafe(32))))
    with serving(app, port):
        yield


class Browser:
    """Just enough of a browser: a cookie jar, redirects followed, forms posted; no proxy
    (every address is on loopback)."""

    def __init__(self) -> None:
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(CookieJar())
        )
        self.url, self.page = "", ""

    def open(self, url: str, form: Sequence[tuple[str, str]] | None = None) -> str:
        """GET ``url`` (POST ``form``), following redirects; returns the page it lands on."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        with self._opener.open(url, data=data, timeout=_TIMEOUT_S) as answer:
            self.url, self.page = answer.geturl(), answer.read().decode("utf-8")
        return self.page

    def submit(self, *choices: tuple[str, str]) -> str:
        """Post the page's first form: its hidden fields and ``choices`` (the button pressed,
        the boxes ticked); returns the page it lands on."""
        form = first_form(self.page)
        if form is None:
            raise ConfigurationError(f"no form on {self.url}: the page was {self.page[:300]!r}")
        return self.open(urllib.parse.urljoin(self.url, form.action), [*form.hidden, *choices])
