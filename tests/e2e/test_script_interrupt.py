"""#14 follow-up: Ctrl-C while a script is still importing (its first few hundred
milliseconds) gives the documented result too: one JSON result, exit 130, no traceback, however
many times it is pressed.

Python's ``-X importtime`` reports each import on stderr as it ends, so the test sends SIGINT
at a known point: as soon as the first of mcclink's modules is imported (the script's first
import), and in the middle of the heavy imports (``mcclink.bootstrap`` done, the service and
the Google Ads library still to come in some scripts)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import clean_env
from tests.e2e.test_script_results import ALL
from tests.e2e.test_scripts import SCRIPTS


def interrupted(home: Path, name: str, after: str) -> tuple[int, str, str]:
    """Run ``name``; once the import that ``after`` matches has ended, press Ctrl-C three times.

    Returns:
        The exit code, stdout and stderr.
    """
    env = {**clean_env(home), "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", str(SCRIPTS / name)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.rsplit("|", 1)[-1].strip().startswith(after):
            break
    for _ in range(3):
        process.send_signal(signal.SIGINT)
        time.sleep(0.01)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, "".join(seen) + err


@pytest.mark.parametrize("after", ["mcclink.", "mcclink.bootstrap"])
@pytest.mark.parametrize("name", ALL)
def test_ctrl_c_while_a_script_imports_gives_one_json_result_and_130(
    name: str, after: str, tmp_path: Path
) -> None:
    code, out, err = interrupted(tmp_path, name, after)

    assert "Traceback" not in err
    assert code == 130, err[-2000:]
    assert json.loads(out) == {
        "success": False,
        "error": "interrupted (Ctrl-C)",
        "errorType": "Interrupted",
    }
