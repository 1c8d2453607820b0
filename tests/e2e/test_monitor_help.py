"""#14 follow-up: ``mcclink monitor --help`` says how imported clients are named, a PENDING
one included (Google shows a manager no name for it, so it is ``Imported <id>``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.conftest import MCCLINK, clean_env


def test_monitor_help_says_a_pending_import_is_named_imported_id(tmp_path: Path) -> None:
    done = subprocess.run(
        [MCCLINK, "monitor", "--help"],
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        timeout=60,
    )

    help_text = " ".join(done.stdout.split())
    assert done.returncode == 0
    assert 'a PENDING one as "Imported <id>"' in help_text
    assert "Google shows a manager no name before the link is accepted" in help_text
