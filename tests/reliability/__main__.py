"""Run every reliability fault on both stores and print docs/reliability.md's table.

``python -m tests.reliability`` (``make reliability``) imports each
``tests/reliability/fault_*.py``, runs its ``FAULT`` with the module's ``FULL_TRIALS``
(default 1) on SQLite and on DynamoDB, prints one Markdown table row per fault and store,
and exits 1 if any trial failed.

Each fault on DynamoDB gets a moto server of its own, started here and stopped after it:
moto keeps every table in one process and copies a transaction's tables to apply it, so
tables an earlier fault left behind would slow every later one down (a full run then
measures the leftovers, not mcclink). Tables a fault leaves are reported all the same.

Options: ``--fast`` runs each fault's ``FAST_TRIALS`` (default 1); ``--store sqlite`` (or
``dynamodb``) runs one store; other arguments select faults by name
(``python -m tests.reliability crash_bulk_invite``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from tests.reliability.runner import STORES, Fault, TrialSummary

_HERE = Path(__file__).resolve().parent
_HEADERS = ("fault", "store", "trials", "what was checked", "result")


def discover(names: list[str]) -> list[ModuleType]:
    """The fault modules, sorted by file name; only those in ``names`` when given.

    Raises:
        SystemExit: a name matches no fault module.
    """
    found = {p.stem.removeprefix("fault_"): p.stem for p in sorted(_HERE.glob("fault_*.py"))}
    unknown = sorted(set(names) - set(found))
    if unknown:
        raise SystemExit(f"unknown fault(s) {unknown}: expected some of {sorted(found)}")
    chosen = [found[n] for n in names] if names else list(found.values())
    return [importlib.import_module(f"tests.reliability.{stem}") for stem in chosen]


def run_fault(fault: Fault, trials: int, store: str) -> TrialSummary:
    """``fault.run(trials, store)``; a fault that crashes counts as every trial failed."""
    try:
        return fault.run(trials, store)
    except Exception as exc:  # the table must still be printed, with the reason
        return TrialSummary(trials=trials, passed=0, details=f"crashed: {exc!r}"[:300])


@contextlib.contextmanager
def store_environment(store: str) -> Iterator[None]:
    """A moto DynamoDB server of its own for the block when ``store`` is DynamoDB; the
    tables still there at the end are reported on stderr."""
    if store != "dynamodb":
        yield
        return
    import boto3
    from bench._common import moto_server

    with moto_server():
        yield
        pages = boto3.client("dynamodb").get_paginator("list_tables").paginate()
        left = [name for page in pages for name in page["TableNames"]]
        if left:
            print(f"  the fault left {len(left)} table(s) behind", file=sys.stderr, flush=True)


def markdown_table(rows: list[tuple[str, ...]]) -> str:
    """``rows`` under the table's headers, as Markdown (pipes in cells escaped)."""
    lines = ["| " + " | ".join(_HEADERS) + " |", "|" + "---|" * len(_HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def result_cell(summary: TrialSummary) -> str:
    """ "pass" or "FAIL n/m", then the fault's details."""
    verdict = "pass" if summary.ok else f"FAIL {summary.trials - summary.passed}/{summary.trials}"
    return f"{verdict}: {summary.details}" if summary.details else verdict


def main(argv: list[str]) -> int:
    """Run the chosen faults; print the table; return the exit status (1 if any failed)."""
    parser = argparse.ArgumentParser(prog="python -m tests.reliability")
    parser.add_argument("faults", nargs="*", help="fault names (default: all)")
    parser.add_argument(
        "--fast", action="store_true", help="FAST_TRIALS (default 1) per fault and store"
    )
    parser.add_argument("--store", choices=STORES, action="append", help="default: both")
    args = parser.parse_args(argv)
    os.environ["no_proxy"] = os.environ["NO_PROXY"] = "localhost,127.0.0.1"
    stores: list[str] = args.store or list(STORES)
    rows: list[tuple[str, ...]] = []
    failed = False
    for module in discover(args.faults):
        fault: Fault = module.FAULT
        trials = int(getattr(module, "FAST_TRIALS" if args.fast else "FULL_TRIALS", 1))
        for store in stores:
            started = time.perf_counter()
            print(f"{fault.name} on {store}: {trials} trial(s) ...", file=sys.stderr, flush=True)
            with store_environment(store):
                summary = run_fault(fault, trials, store)
            elapsed = time.perf_counter() - started
            print(f"  {result_cell(summary)} ({elapsed:.0f} s)", file=sys.stderr, flush=True)
            failed |= not summary.ok
            rows.append(
                (fault.name, store, str(summary.trials), fault.checked, result_cell(summary))
            )
    print(markdown_table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
