"""The advertiser's onboarding path with 50 advertisers at once (issue 13).

What runs: the Google Ads emulator in a child process (its ``latency_ms`` knob sleeps before
answering each gRPC call; its sign-in endpoints, the authorization page, ``/token`` and
``/jwks``, answer without it), and the web app as ``mcclink web`` builds it (``create_app``
over a ``Container``, a SQLite store), served by uvicorn on a loopback port from a thread of
this process: one worker, FastAPI's synchronous routes on its default pool of 40 threads.

50 advertisers, each a Google user ADMIN of their own account, registered NOT_LINKED with an
onboarding link of its own, go at once (asyncio here, one httpx client each with its own
cookies and its own ``X-Forwarded-For`` address from the trusted loopback proxy, so the
per-address throttle stays in the path): open the link, "Sign in with Google", the emulator's
authorization page, Allow, then the two steps measured, each from sending the request to
reading the whole answer, as the advertiser waits for it:

- **callback**: ``GET /onboard/callback``: the code exchanged at the token endpoint, the ID
  token checked (keys cached), the advertiser's accounts listed and described with their token;
- **accept**: ``POST /onboard/choose``: the MCC's invitation (agency's credentials), accepted as
  the client (advertiser's token), the store's writes and history (the 303, not followed).

**Waiting on Google** is measured in the server, per request (``bench._onboarding_world``):
timing wrappers add the wall time of every gRPC exchange with Google Ads and every HTTP call
of the sign-in to the request that made it; the share is that time over the request's wall
time as the advertiser saw it. It is the wait from mcclink's side: Google's time (the
emulator's sleep and work), the loopback network, and under load the wait of this process's
threads to get the GIL back to read the answer; the emulator's sleep alone (calls x latency)
is the floor. The gRPC exchanges timed are checked against the emulator's own call counters.
Time in the store (waiting for the SQLite connection's lock, then the SQL) is measured the same
way, as it is where most of the rest goes.

Side by side: the same with the emulator at 0 ms, where what remains is mcclink's work (and
the emulator's). ``ROUNDS`` rounds of each, interleaved (50, 0, 50, 0, ...) so that other load
on the machine falls on both alike; the percentiles pool the rounds. Each round starts from a
fresh emulator world, store and app; one warm-up advertiser goes first, alone and not counted
(the provider's discovery document and keys, the agency's access token and gRPC channel are
fetched once per server). After each round every advertiser must be APPROVED in the store and
ACTIVE at Google.

Run: ``python -m bench onboarding``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import urllib.parse
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from bench._common import _free_port, print_table, write_json
from bench._onboarding_world import (
    STEP_HEADER,
    EmulatorProcess,
    PerRequest,
    RequestTimes,
    timing,
)
from mcclink.bootstrap import Container
from mcclink.domain import Client, CustomerId, LinkStatus
from mcclink.onboard_links import new_onboarding_link
from mcclink.web.app import create_app
from mcclink.web.loopback import first_form, serving
from mcclink.web.security import WebSettings

ADVERTISERS = 50
LATENCIES_MS = (50, 0)
ROUNDS = 3
MCC = CustomerId.parse("123-456-7890")
FIRST_CLIENT = 4_100_000_000
#: The uncounted advertiser who goes first in each round.
WARM_UP = 0
TIMEOUT_S = 60.0
API_TOKEN = "bench-token-0123456789abcdef-ghijklmnop"
CALLBACK, ACCEPT = "callback", "accept"
STEPS = (CALLBACK, ACCEPT)


@dataclass
class Round:
    """Every advertiser at once at one latency: per measured request, its wall and server times."""

    latency_ms: int
    batch_s: float
    wall_s: dict[str, float]
    times: dict[str, RequestTimes]
    grpc_at_emulator: int
    approved: int
    active_at_google: int

    @property
    def grpc_timed(self) -> int:
        return sum(t.grpc_calls for t in self.times.values())

    @property
    def complete(self) -> bool:
        """Everyone linked (store and Google), and every gRPC call timed."""
        everyone = ADVERTISERS + 1
        linked = self.approved == self.active_at_google == everyone
        return linked and self.grpc_timed == self.grpc_at_emulator


@dataclass
class Step:
    """One measured step of every advertiser, pooled over the rounds at one latency."""

    name: str
    latency_ms: int
    wall_s: list[float]
    times: list[RequestTimes]

    @classmethod
    def pooled(cls, name: str, latency_ms: int, rounds: list[Round]) -> Step:
        mine = [r for r in rounds if r.latency_ms == latency_ms]
        keys = [(r, key) for r in mine for key in r.wall_s if key.endswith(f":{name}")]
        return cls(name, latency_ms, [r.wall_s[k] for r, k in keys], [r.times[k] for r, k in keys])

    def p(self, q: int) -> float:
        """The ``q``-th percentile of the wall times (inclusive method)."""
        return statistics.quantiles(self.wall_s, n=100, method="inclusive")[q - 1]

    def share(self, seconds: list[float]) -> float:
        """``seconds`` (one per request) over the requests' total wall time."""
        return sum(seconds) / sum(self.wall_s)

    def row(self) -> list[object]:
        google = [t.google_s for t in self.times]
        store = [t.store_s for t in self.times]
        return [
            self.name,
            self.latency_ms,
            len(self.wall_s),
            round(self.p(50), 3),
            round(self.p(95), 3),
            round(max(self.wall_s), 3),
            _spread([t.grpc_calls for t in self.times]),
            _spread([t.signin_calls for t in self.times]),
            round(statistics.median(google), 3),
            f"{self.share(google):.0%}",
            round(statistics.median(t.grpc_calls for t in self.times) * self.latency_ms / 1000, 3),
            _spread([t.store_uses for t in self.times]),
            round(statistics.median(store), 3),
            f"{self.share(store):.0%}",
        ]


def main() -> None:
    """Run the rounds, print the tables and write ``onboarding.json``."""
    saved = dict(os.environ)
    emulator = EmulatorProcess(_scenario(0))
    os.environ.update({**emulator.env, "no_proxy": "localhost,127.0.0.1"})
    try:
        with tempfile.TemporaryDirectory() as tmp, timing():
            rounds = [
                _round(emulator, latency, Path(tmp) / f"{n}-{latency}")
                for n in range(ROUNDS)
                for latency in LATENCIES_MS
            ]
    finally:
        emulator.stop()
        os.environ.clear()
        os.environ.update(saved)
    _report(rounds)


def _round(emulator: EmulatorProcess, latency_ms: int, tmp: Path) -> Round:
    """A fresh world at ``latency_ms``; the warm-up, then every advertiser at once; checked."""
    print(f"  {ADVERTISERS} advertisers, Google Ads at {latency_ms} ms per call ...", flush=True)
    tmp.mkdir()
    emulator.reset(_scenario(latency_ms))
    port = _free_port()
    env = {
        **emulator.env,
        "MCC_STORE": f"sqlite:///{tmp / 'mcclink.db'}",
        "MCC_API_TOKEN": API_TOKEN,
        "HOME": str(tmp),
        "MCC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MCC_TRUSTED_PROXIES": "127.0.0.1",
        "MCC_AGENCY_NAME": "Agência Bench",
    }
    container = Container(environ=env, actor="web")
    try:
        urls = _links(container)
        app = PerRequest(create_app(container, WebSettings.from_env(env)))
        with serving(app, port):
            asyncio.run(_onboard(urls[WARM_UP], WARM_UP))
            app.times.clear()
            before = emulator.grpc_calls()
            started = time.perf_counter()
            wall = asyncio.run(_everyone(urls))
            batch_s = time.perf_counter() - started
            at_emulator = emulator.grpc_calls() - before
        customers = [_customer(i) for i in range(ADVERTISERS + 1)]
        stored = [container.store.get_client(MCC, c) for c in customers]
        google = emulator.links(MCC.digits)
    finally:
        container.close()
    return Round(
        latency_ms=latency_ms,
        batch_s=batch_s,
        wall_s=wall,
        times=dict(app.times),
        grpc_at_emulator=at_emulator,
        approved=sum(c is not None and c.status is LinkStatus.APPROVED for c in stored),
        active_at_google=sum(google.get(c.digits) == "ACTIVE" for c in customers),
    )


def _links(container: Container) -> list[str]:
    """Register every advertiser NOT_LINKED and make each its onboarding link (staff's way)."""
    urls = []
    for index in range(ADVERTISERS + 1):
        customer = _customer(index)
        container.store.create_client(Client(customer, MCC, f"Anunciante {index}"))
        _, url = new_onboarding_link(container, customer, timedelta(days=1), "bench")
        urls.append(url)
    return urls


async def _everyone(urls: list[str]) -> dict[str, float]:
    """Every advertiser but the warm-up at once: each measured request's wall time."""
    advertisers = range(WARM_UP + 1, ADVERTISERS + 1)
    journeys = await asyncio.gather(*(_onboard(urls[i], i) for i in advertisers))
    return {key: seconds for journey in journeys for key, seconds in journey.items()}


async def _onboard(url: str, index: int) -> dict[str, float]:
    """One advertiser from the link to the result page; the callback's and accept's wall times.

    Raises:
        RuntimeError: a page answered otherwise than a browser going through expects.
    """
    headers = {"X-Forwarded-For": f"198.51.100.{index + 1}", "Accept-Language": "en"}
    base = url.split("/onboard/")[0]
    timed: dict[str, float] = {}
    async with httpx.AsyncClient(headers=headers, timeout=TIMEOUT_S) as browser:

        async def measured(step: str, sending: Awaitable[httpx.Response], status: int) -> str:
            started = time.perf_counter()
            answer = await _expect(sending, status, step)
            timed[f"{index}:{step}"] = time.perf_counter() - started
            return answer.text if status == 200 else answer.headers["location"]

        await _expect(browser.get(url), 200, "the link's page")
        signin = await _expect(browser.get(f"{url}/signin"), 303, "Sign in with Google")
        page = await _expect(browser.get(signin.headers["location"]), 200, "authorization page")
        target, consent = _form(str(page.url), page.text, action="allow", email=_email(index))
        allow = await _expect(browser.post(target, data=consent), 302, "Allow")
        callback = allow.headers["location"]
        step = {STEP_HEADER: f"{index}:{CALLBACK}"}
        choose = await measured(CALLBACK, browser.get(callback, headers=step), 200)
        target, form = _form(callback, choose, account=_customer(index).digits)
        step = {STEP_HEADER: f"{index}:{ACCEPT}"}
        sent = browser.post(target, data=form, headers=step)
        done = await _expect(browser.get(base + await measured(ACCEPT, sent, 303)), 200, "result")
    if "now manages this account" not in done.text:
        raise RuntimeError(f"advertiser {index} was not linked: {done.text[:2000]}")
    return timed


async def _expect(sending: Awaitable[httpx.Response], status: int, what: str) -> httpx.Response:
    answer = await sending
    if answer.status_code != status:
        raise RuntimeError(f"{what}: HTTP {answer.status_code}, expected {status}: {answer.text}")
    return answer


def _form(url: str, page: str, **choices: str) -> tuple[str, dict[str, str]]:
    """Where the first form of ``page`` (at ``url``) posts, and its hidden fields with
    ``choices``, as a browser sends them."""
    form = first_form(page)
    if form is None:
        raise RuntimeError(f"no form in the page: {page[:2000]}")
    return urllib.parse.urljoin(url, form.action), {**dict(form.hidden), **choices}


HEADERS = [
    "step",
    "Google ms/call",
    "requests",
    "p50 s",
    "p95 s",
    "max s",
    "Google Ads calls",
    "sign-in calls",
    "on Google p50 s",
    "on Google",
    "floor s",
    "store uses",
    "in store p50 s",
    "in store",
]


def _report(rounds: list[Round]) -> None:
    steps = {(n, ms): Step.pooled(n, ms, rounds) for ms in LATENCIES_MS for n in STEPS}
    print_table(
        f"Onboarding: {ADVERTISERS} advertisers at once, {ROUNDS} rounds per latency; wall time as "
        f"each advertiser waited; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        HEADERS,
        [step.row() for step in steps.values()],
    )
    slow, fast = LATENCIES_MS
    ratios = []
    for name in STEPS:
        s, f = steps[name, slow], steps[name, fast]
        sleep_ms = statistics.median(t.grpc_calls for t in s.times) * slow
        added_ms = (s.p(50) - f.p(50)) * 1000
        ratios.append([name, round(s.p(50) / f.p(50), 2), round(s.p(95) / f.p(95), 2)])
        ratios[-1] += [round(added_ms), round(sleep_ms)]
    print_table(
        f"{slow} ms against {fast} ms per Google Ads call",
        ["step", "p50 x", "p95 x", "p50 added ms", "Google's sleep ms"],
        ratios,
    )
    for r in rounds:
        print(
            f"at {r.latency_ms} ms: {ADVERTISERS} onboarded in {r.batch_s:.2f} s; APPROVED "
            f"{r.approved}/{ADVERTISERS + 1} in the store, ACTIVE {r.active_at_google}/"
            f"{ADVERTISERS + 1} at Google (warm-up included); gRPC calls timed {r.grpc_timed}, "
            f"counted by the emulator {r.grpc_at_emulator}"
        )
    write_json(
        "onboarding",
        {
            "advertisers": ADVERTISERS,
            "rounds": [{**asdict(r), "grpc_timed": r.grpc_timed} for r in rounds],
            "steps": [
                {"name": s.name, "latency_ms": s.latency_ms, "p50_s": s.p(50), "p95_s": s.p(95)}
                for s in steps.values()
            ],
            "load_average": os.getloadavg()[0],
        },
    )
    if not all(r.complete for r in rounds):
        raise SystemExit("bench.onboarding: not every advertiser was linked, or a call was untimed")


def _spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def _customer(index: int) -> CustomerId:
    return CustomerId(str(FIRST_CLIENT + index))


def _email(index: int) -> str:
    return f"dona{index}@anunciante{index}.com.br"


def _scenario(latency_ms: int) -> dict[str, object]:
    everyone = range(ADVERTISERS + 1)
    return {
        "managers": [{"id": MCC.digits, "name": "Agência Bench"}],
        "clients": [{"id": _customer(i).digits, "name": f"Anunciante {i}"} for i in everyone],
        "users": [
            {"email": _email(i), "name": f"Dona {i}", "access": {_customer(i).digits: "ADMIN"}}
            for i in everyone
        ],
        "latency_ms": latency_ms,
        "seed": 1,
    }


if __name__ == "__main__":
    main()
