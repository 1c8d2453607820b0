"""Start-up time of the CLI (issue 6, benchmark 3).

Each command runs in a fresh subprocess, as a person types it, against a SQLite store of
10,000 clients (filled straight through the store); the figure is the median wall time of
``RUNS`` runs after one unmeasured warm-up run (which compiles the bytecode and fills the page
cache). Side by side: ``python -c pass`` (the interpreter's own start-up), and the same
10,000 rows laid out by Rich's table, the way ``clients list`` printed them before. A probe
run of each ``mcclink`` command reports whether ``google.ads`` or ``grpc`` were imported, and
``-X importtime`` gives the heaviest imports of ``clients list``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench._common import CommandRun, print_table, run_command, write_json
from mcclink.domain import Client, CustomerId, LinkStatus, utcnow
from mcclink.store.sqlite import SqliteStore

CLIENTS = 10_000
RUNS = 7
#: The Rich-table rendering takes seconds a run: fewer runs.
SLOW_RUNS = 3
TARGET_S = 0.5
MCC = CustomerId.parse("123-456-7890")
PYTHON = sys.executable
MCCLINK = str(Path(sys.executable).with_name("mcclink"))

# Runs the CLI in-process, then reports on stderr which heavy modules it imported.
_PROBE = """\
import json, sys
from mcclink.cli import main
sys.argv = ["mcclink", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
names = ("google.ads", "grpc", "rich.progress", "rich.table", "concurrent.futures")
loaded = {n: any(m == n or m.startswith(n + ".") for m in sys.modules) for n in names}
print(json.dumps({"modules": len(sys.modules), "loaded": loaded}), file=sys.stderr)
"""

# The old ``clients list``: every row through Rich's table layout.
_RICH_TABLE = """\
import sys
from mcclink.cli._common import clients_table, out
from mcclink.domain import CustomerId
from mcclink.store import open_store
rows = list(open_store().list_clients(CustomerId.parse(sys.argv[1])))
out.print(clients_table(rows, title=f"Clients ({len(rows)})"))
"""


@dataclass
class Timing:
    """Wall times of one command's runs."""

    label: str
    argv: list[str]
    walls: list[float]
    loaded: Mapping[str, bool] | None = None
    modules: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


def main() -> None:
    """Fill the store, time every command, print the tables, write ``startup.json``."""
    with tempfile.TemporaryDirectory() as tmp:
        env = _environment(Path(tmp))
        _fill(Path(tmp) / "startup.db")
        timings = [
            _time("python -c pass", [PYTHON, "-c", "pass"], env, RUNS),
            _time("mcclink --help", [MCCLINK, "--help"], env, RUNS),
            _time("mcclink clients list", [MCCLINK, "clients", "list"], env, RUNS),
            _time("mcclink clients list --json", [MCCLINK, "clients", "list", "--json"], env, RUNS),
            _time(
                "mcclink clients list, on a terminal",
                [MCCLINK, "clients", "list"],
                {**env, "FORCE_COLOR": "1", "COLUMNS": "120"},
                RUNS,
            ),
            _time(
                "the same rows in Rich's table (before)",
                [PYTHON, "-c", _RICH_TABLE, MCC.digits],
                env,
                SLOW_RUNS,
            ),
        ]
        for timing in timings[1:4]:
            _probe(timing, env)
        imports = _heaviest_imports([MCCLINK, "clients", "list"], env)
    _report(timings, imports)


def _environment(home: Path) -> dict[str, str]:
    """This process's environment without mcclink or Google settings, on the bench store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_ADS_", "MCC", "GRPC_"))}
    return {
        **env,
        "HOME": str(home),
        "MCC_STORE": f"sqlite://{home / 'startup.db'}",
        "MCC_CUSTOMER_ID": MCC.digits,
    }


def _fill(path: Path) -> None:
    """``CLIENTS`` clients in every status, straight through the store."""
    store = SqliteStore(path)
    statuses = list(LinkStatus)
    changed = utcnow() - timedelta(hours=3)
    try:
        for i in range(CLIENTS):
            status = statuses[i % len(statuses)]
            store.create_client(
                Client(
                    CustomerId(str(2_000_000_000 + i)),
                    MCC,
                    f"Anunciante {i} Comércio Ltda",
                    status=status,
                    status_changed_at=None if status is LinkStatus.NOT_LINKED else changed,
                )
            )
    finally:
        store.close()


def _time(label: str, argv: list[str], env: Mapping[str, str], runs: int) -> Timing:
    print(f"  {label}: {runs} runs ...", flush=True)
    _checked(argv, env)  # warm-up, not measured
    done = [_checked(argv, env) for _ in range(runs)]
    return Timing(label, argv, [r.wall_s for r in done])


def _checked(argv: Sequence[str], env: Mapping[str, str]) -> CommandRun:
    run = run_command(argv, env=env)
    if run.returncode != 0:
        raise RuntimeError(f"{argv[:3]} exited {run.returncode}: {run.stderr[-2000:]}")
    return run


def _probe(timing: Timing, env: Mapping[str, str]) -> None:
    """Run the command in-process under the probe; record what it imported."""
    run = run_command([PYTHON, "-c", _PROBE, *timing.argv[1:]], env=env)
    report = json.loads(run.stderr.strip().splitlines()[-1])
    timing.loaded, timing.modules = report["loaded"], report["modules"]


def _heaviest_imports(argv: Sequence[str], env: Mapping[str, str]) -> list[tuple[str, float]]:
    """The top-level imports of the command by cumulative time (``-X importtime``), ms."""
    run = run_command([PYTHON, "-X", "importtime", *argv], env=env)
    cumulative: dict[str, float] = {}
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, total, name = line.split("|")
        if name.startswith("  ") or not total.strip().isdigit():
            continue  # nested, or the header line
        cumulative[name.strip()] = cumulative.get(name.strip(), 0.0) + int(total) / 1000
    return sorted(cumulative.items(), key=lambda item: -item[1])[:8]


def _report(timings: list[Timing], imports: list[tuple[str, float]]) -> None:
    baseline = timings[0].median

    def flag(timing: Timing, name: str) -> str:
        return "-" if timing.loaded is None else ("yes" if timing.loaded[name] else "no")

    print_table(
        f"Start-up: median of {RUNS} runs ({SLOW_RUNS} for Rich's table), "
        f"store of {CLIENTS:,} clients, output to a file; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        [
            "command",
            "median s",
            "min s",
            "x python -c pass",
            "google.ads",
            "grpc",
            "modules",
        ],
        [
            [
                t.label,
                round(t.median, 3),
                round(min(t.walls), 3),
                round(t.median / baseline, 1),
                flag(t, "google.ads"),
                flag(t, "grpc"),
                t.modules if t.modules is not None else "-",
            ]
            for t in timings
        ],
    )
    print_table(
        "Heaviest top-level imports of `mcclink clients list` (-X importtime, cumulative)",
        ["module", "ms"],
        [[name, round(ms, 1)] for name, ms in imports],
    )
    listing, rich_table = timings[2], timings[5]
    print(
        f"clients list on {CLIENTS:,} clients: {listing.median:.3f} s (target <= {TARGET_S} s), "
        f"{rich_table.median / listing.median:.0f}x faster than Rich's table; "
        f"google.ads imported: {flag(listing, 'google.ads')}"
    )
    write_json(
        "startup",
        {
            "clients": CLIENTS,
            "runs": RUNS,
            "target_s": TARGET_S,
            "timings": [
                {
                    "label": t.label,
                    "median_s": t.median,
                    "walls_s": t.walls,
                    "loaded": t.loaded,
                    "modules": t.modules,
                }
                for t in timings
            ],
            "heaviest_imports_ms": dict(imports),
        },
    )


if __name__ == "__main__":
    main()
