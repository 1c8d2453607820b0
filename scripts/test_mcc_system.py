#!/usr/bin/env python3
"""Test the MCC system: run ``mcclink doctor`` checks; with ``--e2e``, the whole flow too.

``--e2e`` runs the demo's flow against the local Google Ads emulator and a temporary SQLite
store (no credentials needed) and checks where every advertiser ends up. Prints one JSON
result; exit code 0 only when every check passed.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from mcclink import scripting
from mcclink.cli.demo import EXPECTED, run_demo
from mcclink.doctor import run_checks


def main() -> dict[str, Any]:
    p = scripting.parser(__doc__.splitlines()[0])
    p.add_argument("--e2e", action="store_true", help="run the whole flow on the emulator")
    args = p.parse_args()
    if args.e2e:
        final = run_demo(Console(file=io.StringIO()))
        checks = [
            {
                "check": f"{cid} ends {want.value}",
                "ok": final.get(cid) is want,
                "detail": str(final.get(cid)),
            }
            for cid, want in EXPECTED.items()
        ]
    else:
        deps = scripting.container(args, scripting.payload(args))
        checks = [{"check": c.name, "ok": c.ok, "detail": c.detail} for c in run_checks(deps)]
    return {"success": all(c["ok"] for c in checks), "checks": checks}


if __name__ == "__main__":
    scripting.run(main)
