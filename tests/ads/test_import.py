"""Importing the adapter is cheap: the library loads on first use only."""

from __future__ import annotations

import subprocess
import sys


def test_importing_mcclink_ads_does_not_import_google_ads_or_grpc() -> None:
    probe = (
        "import sys, mcclink.ads, mcclink.ads.client, mcclink.ads.errors, mcclink.config\n"
        "print(sorted(m for m in sys.modules if m.startswith(('google', 'grpc'))))"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.strip() == "[]"
