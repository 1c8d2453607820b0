"""The demo's advertiser who onboards through a link: the real pages, over real HTTP.

``mcclink web``'s app is served on a loopback port; a minimal browser (cookies, redirects,
forms; no JavaScript, as the pages need none) opens the link, follows "Sign in with Google" to
the emulator's authorization page, chooses the advertiser and Allow, and ticks the account on
the choice page: what a person does in a browser, step by step.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from html.parser import HTMLParser
from http.cookiejar import CookieJar

from mcclink.bootstrap import Container
from mcclink.config import Secret
from mcclink.errors import ConfigurationError

_TIMEOUT_S = 30.0


def free_port() -> int:
    """A loopback port free right now (the pages' address must be known before they start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving_pages(container: Container, port: int) -> Iterator[None]:
    """``mcclink web``'s app for ``container`` on ``127.0.0.1:port`` until the block ends.

    Raises:
        ConfigurationError: the app's settings are wrong, or it could not start.
    """
    import uvicorn

    from mcclink.web.app import create_app
    from mcclink.web.security import WebSettings

    # Nobody signs in as staff during the demo: a random token nobody knows.
    app = create_app(container, WebSettings(token=Secret(secrets.token_urlsafe(32))))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="demo-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + _TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ConfigurationError(f"the demo's pages could not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


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
        form = _FirstForm()
        form.feed(self.page)
        if form.action is None:
            raise ConfigurationError(f"no form on {self.url}: the page was {self.page[:300]!r}")
        return self.open(urllib.parse.urljoin(self.url, form.action), [*form.hidden, *choices])


class _FirstForm(HTMLParser):
    """The first form's action and hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.hidden: list[tuple[str, str]] = []
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {name: value or "" for name, value in attrs}
        in_form = self.action is not None and not self._done
        if tag == "form" and self.action is None:
            self.action = given.get("action", "")
        elif in_form and tag == "input" and given.get("type") == "hidden" and given.get("name"):
            self.hidden.append((given["name"], given.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._done = True
