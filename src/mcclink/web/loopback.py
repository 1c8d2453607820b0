"""The web app driven from this process, as a browser would: served by uvicorn from a thread on
a loopback port, and its pages' forms read. The demo's advertiser (``mcclink.cli.demo``) and
the onboarding benchmark (``bench.onboarding``) both go through the pages this way;
``mcclink web`` itself runs uvicorn in the foreground.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser

import uvicorn
from starlette.types import ASGIApp

from mcclink.errors import ConfigurationError

_STARTUP_S = 30.0


def free_port() -> int:
    """A loopback port free right now (the pages' address must be known before they start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: ASGIApp, port: int) -> Iterator[str]:
    """``app`` served by uvicorn (as ``mcclink web`` serves it) in a thread on loopback
    ``port`` until the block ends; yields its base URL.

    Raises:
        ConfigurationError: uvicorn did not start (the port taken, or the app failed).
    """
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="mcclink-web-loopback", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ConfigurationError(f"the web app could not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass(frozen=True)
class Form:
    """A page's form as a browser would send it: where to, and its hidden fields."""

    action: str
    hidden: tuple[tuple[str, str], ...]


def first_form(page: str) -> Form | None:
    """The first form of ``page`` (HTML), or None when it has none."""
    parser = _FirstForm()
    parser.feed(page)
    parser.close()
    return None if parser.action is None else Form(parser.action, tuple(parser.hidden))


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
