"""Bulk invitations at Google's rate limit (issue 6, benchmark 2).

2,000 advertisers in an emulator that answers each call after 50 ms and admits 20 calls per
rolling second (then ``RESOURCE_EXHAUSTED`` with a ``retry_delay``). Invitations go through
the service exactly as ``mcclink links invite`` and ``clients import --invite`` send them:
the ``Container`` the CLI builds, ``run_bulk`` 8 at a time, here with ``GOOGLE_ADS_MAX_QPS=20``.
Side by side, in the same run, each on a fresh emulator world and a fresh SQLite store:

- **one by one**: a plain loop over ``service.invite``, no limiter (what a simple script does);
- **concurrent, unpaced**: ``run_bulk`` as before the limiter existed, on a sample, to show
  the refusals the limiter prevents.

After each run every client is audited: the store's status against the invitations the
emulator actually received (``emu.state.invitations_sent``): none may be lost (sent but not
recorded, or recorded but never sent) or sent twice.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bench._common import CERT_DIR, print_table, write_json
from mcclink.ads import GoogleAdsClientService
from mcclink.bootstrap import Container
from mcclink.cli._common import run_bulk
from mcclink.domain import Client, CustomerId, LinkStatus
from mcclink.emulator import Emulator, Scenario, start
from mcclink.errors import MccLinkError
from mcclink.store.sqlite import SqliteStore

CLIENTS = 2_000
LATENCY_MS = 50
QPS_LIMIT = 20
#: As the CLI's ``--concurrency`` default.
CONCURRENCY = 8
#: The one-by-one run is cut to a sample if the whole would take longer than this.
ONE_BY_ONE_BUDGET_S = 180.0
#: Clients in the one-by-one sample (when cut) and in the unpaced concurrent run.
SAMPLE = 400

PACED = f"concurrent x{CONCURRENCY}, paced at {QPS_LIMIT}/s"
ONE_BY_ONE = "one by one, unpaced"
UNPACED = f"concurrent x{CONCURRENCY}, unpaced (sample of {SAMPLE})"

MCC = CustomerId.parse("123-456-7890")
FIRST_CLIENT = 3_000_000_000

#: Sends invitations to the ids; returns (how many it tried, how many failed).
HEADERS = [
    "approach",
    "clients",
    "wall s",
    "invites/s",
    "of limit",
    "calls",
    "RES_EXH",
    "RES_EXH %",
    "retries",
    "failed",
    "lost",
    "dup",
]

Invite = Callable[[Container, Sequence[CustomerId]], tuple[int, int]]


@dataclass
class Run:
    """What one approach did, measured and audited."""

    approach: str
    clients: int
    wall_s: float
    failed: int
    calls: int
    resource_exhausted: int
    retries: int
    lost: int
    duplicated: int

    @property
    def per_second(self) -> float:
        return (self.clients - self.failed) / self.wall_s

    @property
    def refused_share(self) -> float:
        return self.resource_exhausted / max(self.calls, 1)

    def row(self) -> list[object]:
        return [
            self.approach,
            self.clients,
            round(self.wall_s, 1),
            round(self.per_second, 2),
            f"{self.per_second / QPS_LIMIT:.0%}",
            self.calls,
            self.resource_exhausted,
            f"{self.refused_share:.2%}",
            self.retries,
            self.failed,
            self.lost,
            self.duplicated,
        ]


def main() -> None:
    """Run the three approaches, print the table and write ``bulk_invite.json``."""
    ids = [CustomerId(str(FIRST_CLIENT + i)) for i in range(CLIENTS)]
    saved = dict(os.environ)
    with start(_scenario(ids), cert_dir=CERT_DIR) as emu, tempfile.TemporaryDirectory() as tmp:
        # gRPC reads the certificate's path once, at the process's first TLS connection.
        os.environ.update({**emu.env(), "no_proxy": "localhost,127.0.0.1"})
        try:
            runs = [
                _measure(emu, Path(tmp), PACED, ids, _concurrently, QPS_LIMIT),
                _measure(emu, Path(tmp), ONE_BY_ONE, ids, _sequentially, None),
                _measure(emu, Path(tmp), UNPACED, ids[:SAMPLE], _concurrently, None),
            ]
        finally:
            os.environ.clear()
            os.environ.update(saved)
    paced, one_by_one, unpaced = runs
    print_table(
        f"Bulk invite: {CLIENTS:,} clients, emulator at {LATENCY_MS} ms per call and "
        f"{QPS_LIMIT} calls/s (RESOURCE_EXHAUSTED beyond)",
        HEADERS,
        [run.row() for run in runs],
    )
    speedup = paced.per_second / one_by_one.per_second
    print(
        f"paced bulk: {paced.per_second / QPS_LIMIT:.0%} of the limit (target >= 90%), "
        f"RESOURCE_EXHAUSTED {paced.refused_share:.2%} of calls (target < 1%), "
        f"lost {paced.lost}, duplicated {paced.duplicated} (target 0)"
    )
    print(
        f"paced bulk vs one by one: {speedup:.2f}x the throughput; one by one waits for each "
        f"answer ({one_by_one.wall_s / one_by_one.clients * 1000:.0f} ms per invitation here)"
    )
    print(
        f"unpaced concurrent: {unpaced.refused_share:.1%} of calls refused, "
        f"{unpaced.retries} retries for {unpaced.clients} invitations"
    )
    write_json(
        "bulk_invite",
        {
            "clients": CLIENTS,
            "latency_ms": LATENCY_MS,
            "qps_limit": QPS_LIMIT,
            "concurrency": CONCURRENCY,
            "runs": [
                {**asdict(run), "per_second": run.per_second, "refused_share": run.refused_share}
                for run in runs
            ],
            "paced_vs_one_by_one": speedup,
        },
    )


def _scenario(ids: Sequence[CustomerId]) -> Scenario:
    return Scenario.from_dict(
        {
            "managers": [{"id": MCC.digits, "name": "Agência Bench"}],
            "clients": [{"id": cid.digits, "name": f"Anunciante {cid}"} for cid in ids],
            "latency_ms": LATENCY_MS,
            "qps_limit": QPS_LIMIT,
            "seed": 1,
        },
        source="bench.bulk_invite",
    )


def _concurrently(container: Container, ids: Sequence[CustomerId]) -> tuple[int, int]:
    """``mcclink links invite``'s way: ``run_bulk`` over the service."""
    service = container.service
    result = run_bulk(
        ids,
        lambda cid: service.invite(container.mcc, cid),
        label="Inviting",
        concurrency=CONCURRENCY,
        show_progress=False,
    )
    return len(ids), len(result.failed)


def _sequentially(container: Container, ids: Sequence[CustomerId]) -> tuple[int, int]:
    """A plain loop, one invitation after the other.

    Stops after the first ``SAMPLE`` if the pace so far says the whole would outlast
    ``ONE_BY_ONE_BUDGET_S``.
    """
    failed = 0
    started = time.perf_counter()
    for done, cid in enumerate(ids):
        if done == SAMPLE and (time.perf_counter() - started) * len(ids) / SAMPLE > (
            ONE_BY_ONE_BUDGET_S
        ):
            return done, failed
        try:
            container.service.invite(container.mcc, cid)
        except MccLinkError:
            failed += 1
    return len(ids), failed


def _measure(
    emu: Emulator,
    tmp: Path,
    approach: str,
    ids: Sequence[CustomerId],
    invite: Invite,
    max_qps: float | None,
) -> Run:
    """Invite ``ids`` on a fresh world and store; time it, count calls, audit the result."""
    emu.reset()
    path = tmp / f"bulk-{time.monotonic_ns()}.db"
    _register(path, ids)
    environ = {**os.environ, "HOME": str(tmp), "MCC_CUSTOMER_ID": MCC.digits}
    environ.pop("GOOGLE_ADS_MAX_QPS", None)
    container = Container(store_url=f"sqlite://{path}", environ=environ, max_qps=max_qps)
    print(f"  {approach}: {len(ids):,} invitations ...", flush=True)
    try:
        started = time.perf_counter()
        tried, failed = invite(container, ids)
        wall = time.perf_counter() - started
        ads = container.ads
        assert isinstance(ads, GoogleAdsClientService)
        lost, duplicated = _audit(container, emu, ids[:tried])
        if tried < len(ids):
            approach = f"{approach} (sample of {tried:,})"
        return Run(
            approach=approach,
            clients=tried,
            wall_s=wall,
            failed=failed,
            calls=sum(emu.state.calls.values()),
            resource_exhausted=emu.state.resource_exhausted,
            retries=ads.stats.retries,
            lost=lost,
            duplicated=duplicated,
        )
    finally:
        container.close()


def _register(path: Path, ids: Sequence[CustomerId]) -> None:
    """Register every client ``NOT_LINKED``, straight through the store (fast)."""
    store = SqliteStore(path)
    try:
        for cid in ids:
            store.create_client(Client(cid, MCC, f"Anunciante {cid}"))
    finally:
        store.close()


def _audit(container: Container, emu: Emulator, ids: Sequence[CustomerId]) -> tuple[int, int]:
    """(lost, duplicated): the store's statuses against what the emulator received."""
    lost = duplicated = 0
    for cid in ids:
        sent = emu.state.invitations_sent(cid.digits, MCC.digits)
        client = container.store.get_client(MCC, cid)
        recorded = client is not None and client.status is LinkStatus.PENDING
        duplicated += sent > 1
        lost += (sent > 0) != recorded
    return lost, duplicated


if __name__ == "__main__":
    main()
