"""Run every benchmark (``python -m bench``), or the ones named (``python -m bench monitor``).

Each benchmark module has a ``main() -> None`` that prints its table(s) and writes its JSON.
"""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = (
    "monitor",
    "monitor_all",
    "bulk_invite",
    "startup",
    "onboarding",
    "reminders",
    "reports",
)


def main(names: list[str]) -> None:
    """Run the benchmarks ``names`` (all of them when empty), in the order given."""
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}: expected some of {list(BENCHMARKS)}")
    for name in names or BENCHMARKS:
        started = time.perf_counter()
        print(f"\n=== bench.{name} ===", flush=True)
        importlib.import_module(f"bench.{name}").main()
        print(f"(bench.{name} took {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
