#!/usr/bin/env python3
"""Test the MCC system: run ``mcclink doctor`` checks; with ``--e2e``, the whole flow too.

The doctor checks read your settings (``MCC_CUSTOMER_ID`` or ``mccCustomerId``,
``GOOGLE_ADS_*``, the store of ``--store`` / ``MCC_STORE``). ``--e2e`` then runs the demo's
flow against the local Google Ads emulator (no credentials needed) on a temporary SQLite
store, or on ``--store`` when given (under the emulator's MCC 1234567890, so use a store
without that MCC's clients), and checks where every advertiser ends up.

Prints one JSON result, ``{"success", "checks", "exitCode"}``; the exit code is 0 only when
every check passed, 2 when a setting must be fixed (the settings check lists every
problem), else 1.
"""

from __future__ import annotations

from mcclink import scripting  # first: Ctrl-C gets a JSON result from here on

# isort: split
import io
import json
import subprocess
import sys
from typing import Any

from rich.console import Console

from mcclink.errors import MccLinkError

#: ``mcclink doctor`` in a child process: gRPC trusts the first TLS roots a process loads,
#: and the e2e flow's emulator has roots of its own.
DOCTOR = [sys.executable, "-c", "from mcclink.cli import main; main()"]


def main() -> dict[str, Any]:
    p = scripting.parser(__doc__.splitlines()[0])
    p.add_argument("--e2e", action="store_true", help="run the whole flow on the emulator too")
    args = p.parse_args()
    data = scripting.payload(args, {})
    checks, code = _doctor(args.store, data.get("mccCustomerId"))
    if args.e2e:
        flow = _flow(args.store)
        checks += flow
        code = max(code, 0 if all(c["ok"] for c in flow) else 1)
    return {"success": code == 0, "checks": checks, "exitCode": code}


def _doctor(store: str | None, mcc: object) -> tuple[list[dict[str, Any]], int]:
    """The doctor's checks and exit code.

    Raises:
        MccLinkError: the doctor answered no checks (its last line of error with it).
    """
    options = [*(["--store", store] if store else []), *(["--mcc", str(mcc)] if mcc else [])]
    done = subprocess.run(
        [*DOCTOR, *options, "doctor", "--json"], capture_output=True, text=True, check=False
    )
    try:
        checks = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise MccLinkError(
            f"mcclink doctor gave no checks (exit {done.returncode}): {last}"
        ) from None
    return checks, done.returncode


def _flow(store: str | None) -> list[dict[str, Any]]:
    from mcclink.cli.demo import EXPECTED, run_demo

    final = run_demo(Console(file=io.StringIO()), store_url=store)
    return [
        {
            "check": f"{cid} ends {want.value}",
            "ok": final.get(cid) is want,
            "detail": str(final.get(cid)),
        }
        for cid, want in EXPECTED.items()
    ]


if __name__ == "__main__":
    scripting.run(main)
