"""#14 item 11: a script never shows a traceback. Every path prints one JSON result and exits
with the documented code, with no terminal (stdin ``</dev/null``) or a closing one too."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import clean_env
from tests.e2e.test_scripts import SCRIPTS

ALL = (
    "create_client.py",
    "manage_mcc_links.py",
    "monitor_mcc_status.py",
    "test_mcc_system.py",
    "exemplo_uso_mcc.py",
)


def run(
    home: Path, name: str, *args: str, payload: bytes | None = None
) -> tuple[int, dict[str, object], str]:
    """The script in ``home`` with no settings, ``payload`` on stdin (else ``</dev/null``):
    its exit code, its one JSON result, and stderr."""
    env = {**clean_env(home), "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"}
    source = Path(os.devnull)
    if payload is not None:
        source = home / "payload.json"
        source.write_bytes(payload)
    with source.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, str(SCRIPTS / name), *args],
            stdin=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def test_manage_without_a_terminal_asks_nothing_and_says_what_to_pass(tmp_path: Path) -> None:
    code, result, _ = run(tmp_path, "manage_mcc_links.py")

    assert (code, result["success"], result["errorType"]) == (2, False, "InputError")
    assert "no action given: pass --action" in str(result["error"])
    assert not (tmp_path / "mcclink.db").exists()


def test_manage_in_a_terminal_closed_at_the_prompt_answers_json(tmp_path: Path) -> None:
    main, terminal = pty.openpty()
    env = {**clean_env(tmp_path), "MCC_STORE": f"sqlite:///{tmp_path / 'mcclink.db'}"}
    process = subprocess.Popen(
        [sys.executable, str(SCRIPTS / "manage_mcc_links.py")],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(terminal)
    os.write(main, b"\x04")  # Ctrl-D: end of input, read by the script's first prompt
    stdout, stderr = process.communicate(timeout=60)
    os.close(main)

    assert "Action [invite/status/list/cancel/unlink]" in stderr.decode()  # it did ask
    assert "Traceback" not in stderr.decode()
    assert process.returncode == 2
    assert "no action given" in json.loads(stdout)["error"]


@pytest.mark.parametrize("name", ALL)
def test_every_script_answers_a_bad_option_with_json_and_exit_2(tmp_path: Path, name: str) -> None:
    code, result, _ = run(tmp_path, name, "--bogus")

    assert (code, result["errorType"]) == (2, "InputError")
    assert "unrecognized arguments: --bogus" in str(result["error"])
    assert "--help" in str(result["error"])


def test_a_payload_that_is_not_utf8_is_refused_with_json(tmp_path: Path) -> None:
    code, result, _ = run(tmp_path, "create_client.py", payload=b'{"name": "P\xffadaria"}')

    assert (code, result["errorType"]) == (2, "InputError")
    assert "not UTF-8" in str(result["error"])


def test_a_payload_with_an_integer_too_long_to_read_is_refused_with_json(tmp_path: Path) -> None:
    code, result, _ = run(
        tmp_path, "monitor_mcc_status.py", "--params", '{"pendingHours": 1' + "0" * 5000 + "}"
    )

    assert (code, result["errorType"]) == (2, "InputError")
    assert result["error"] == (
        "pendingHours: the number is too long (a number of 5,001 digits): send a short value"
    )
