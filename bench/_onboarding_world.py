"""What the onboarding benchmark runs on: the emulator in a child process, the web app under
uvicorn, and the per-request timing of Google and the store (see ``bench.onboarding``).

- ``timing()``: while it lasts, every gRPC exchange with Google Ads (``Connection._attempt``:
  one attempt, with the agency's token refresh when due), every HTTP call of the sign-in
  (``oidc_client._fetch_json``: token endpoint, discovery; ``PyJWKClient.fetch_data``: keys)
  and every use of the SQLite store (``SqliteStore._locked``: waiting for its connection's lock,
  then the SQL) adds its wall time to the ``RequestTimes`` of the request that made it.
- ``PerRequest``: an ASGI wrapper that gives each request its ``RequestTimes`` in a context
  variable (Starlette copies the context into the worker thread that runs a synchronous
  route) and keeps it under the request's ``STEP_HEADER``.

The app is served by ``mcclink.web.loopback.serving``, as the demo serves it.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any, TypeVar
from unittest.mock import patch

import jwt
from starlette.types import ASGIApp, Receive, Scope, Send

from bench._common import CERT_DIR
from mcclink.ads.connection import Connection
from mcclink.emulator import fetch_state
from mcclink.store.sqlite import SqliteStore
from mcclink.web import oidc_client

#: The request header that names an advertiser's measured step for the server's records.
STEP_HEADER = "x-bench-step"
_STARTUP_S = 30.0

T = TypeVar("T")


@dataclass
class RequestTimes:
    """One request's calls to Google and uses of the store, and their wall seconds."""

    grpc_calls: int = 0
    grpc_s: float = 0.0
    signin_calls: int = 0
    signin_s: float = 0.0
    store_uses: int = 0
    store_s: float = 0.0

    @property
    def google_s(self) -> float:
        """Seconds waiting on Google: Google Ads and the sign-in."""
        return self.grpc_s + self.signin_s

    def add(self, kind: str, seconds: float) -> None:
        calls, spent = f"{kind}_calls" if kind != "store" else "store_uses", f"{kind}_s"
        setattr(self, calls, getattr(self, calls) + 1)
        setattr(self, spent, getattr(self, spent) + seconds)


_TIMES: ContextVar[RequestTimes | None] = ContextVar("bench_request_times", default=None)


def _record(kind: str, started: float) -> None:
    times = _TIMES.get()
    if times is not None:
        times.add(kind, time.perf_counter() - started)


def _timed(kind: str, call: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(call)
    def timed(*args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            _record(kind, started)

    return timed


def _timed_block(
    kind: str, block: Callable[..., AbstractContextManager[T]]
) -> Callable[..., AbstractContextManager[T]]:
    @functools.wraps(block)
    @contextmanager
    def timed(*args: Any, **kwargs: Any) -> Iterator[T]:
        started = time.perf_counter()
        try:
            with block(*args, **kwargs) as value:
                yield value
        finally:
            _record(kind, started)

    return timed


@contextmanager
def timing() -> Iterator[None]:
    """Time every call to Google and every store use of this process, per request."""
    with (
        patch.object(Connection, "_attempt", _timed("grpc", Connection._attempt)),
        patch.object(oidc_client, "_fetch_json", _timed("signin", oidc_client._fetch_json)),
        patch.object(jwt.PyJWKClient, "fetch_data", _timed("signin", jwt.PyJWKClient.fetch_data)),
        patch.object(SqliteStore, "_locked", _timed_block("store", SqliteStore._locked)),
    ):
        yield


class PerRequest:
    """ASGI wrapper: a ``RequestTimes`` per request, kept under the request's step header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.times: dict[str, RequestTimes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        times = RequestTimes()
        reset = _TIMES.set(times)
        try:
            await self.app(scope, receive, send)
        finally:
            _TIMES.reset(reset)
            step = dict(scope["headers"]).get(STEP_HEADER.encode())
            if step:
                self.times[step.decode()] = times


class EmulatorProcess:
    """The emulator in a child process (its CPU is not this process's), driven over HTTP."""

    def __init__(self, scenario: dict[str, object]) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child_end, CERT_DIR, scenario), name="bench-emulator"
        )
        self._process.start()
        child_end.close()
        if not self._pipe.poll(_STARTUP_S):
            self.stop()
            raise RuntimeError("the emulator's process did not start")
        self.env: dict[str, str] = self._pipe.recv()
        self.admin_url = self.env["MCCLINK_EMULATOR_ADMIN_URL"]

    def reset(self, scenario: dict[str, object]) -> None:
        """A fresh world, knobs and counters: ``scenario``'s."""
        request = urllib.request.Request(
            f"{self.admin_url}/_emulator/reset",
            data=json.dumps(scenario).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=_STARTUP_S):
            pass

    def grpc_calls(self) -> int:
        """Every gRPC call the emulator has answered since its last reset."""
        return sum(fetch_state(self.admin_url)["calls"].values())

    def links(self, manager: str) -> dict[str, str]:
        """Each client's newest link status under ``manager``, as Google holds it."""
        return {
            link["client"]: link["status"]
            for link in fetch_state(self.admin_url)["links"]
            if link["manager"] == manager
        }

    def stop(self) -> None:
        """Stop the emulator and its process."""
        if self._process.is_alive():
            self._pipe.send("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def _serve(pipe: Pipe, cert_dir: Path, scenario: dict[str, object]) -> None:
    """The child process: an emulator until the parent says stop."""
    from mcclink.emulator import Scenario, start

    with start(Scenario.from_dict(scenario, source="bench.onboarding"), cert_dir=cert_dir) as emu:
        pipe.send(emu.env())
        pipe.recv()
