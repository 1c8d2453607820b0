"""#14 follow-up: a script reads at most ``MAX_STDIN_BYTES`` of its stdin payload, so an
endless or huge input (``</dev/zero``, a wrong file piped in) is refused at once with one JSON
result naming the limit, not read into memory whole."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from mcclink.scripting import MAX_STDIN_BYTES
from tests.e2e.conftest import clean_env
from tests.e2e.test_scripts import SCRIPTS

#: The address space a script may use here: far below what a whole /dev/zero would take.
MEMORY_CAP = 4 * 1024**3


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def create_client(home: Path, stdin: IO[bytes]) -> tuple[int, dict[str, Any]]:
    env = {**clean_env(home), "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"}
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "create_client.py")],
        stdin=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        preexec_fn=_cap_memory,
    )
    assert "Traceback" not in done.stderr
    # Seen once under heavy load: nothing on stdout; say how the script ended if it recurs.
    assert done.stdout, (done.returncode, done.stderr[-2000:])
    return done.returncode, json.loads(done.stdout)


def assert_refused_naming_the_limit(home: Path, code: int, result: dict[str, Any]) -> None:
    assert (code, result["errorType"]) == (2, "InputError")
    assert "over 1,048,576 bytes (1 MiB)" in result["error"]
    assert not (home / "mcclink.db").exists()


def test_a_payload_over_the_limit_is_refused_naming_it(tmp_path: Path) -> None:
    payload = tmp_path / "payload.json"  # valid JSON, but padded past the limit
    padding = b" " * MAX_STDIN_BYTES
    payload.write_bytes(b'{"googleAdsCustomerId": "1112223333",' + padding + b'"name": "P"}')

    with payload.open("rb") as stdin:
        code, result = create_client(tmp_path, stdin)

    assert_refused_naming_the_limit(tmp_path, code, result)


def test_an_endless_stdin_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as stdin:
        code, result = create_client(tmp_path, stdin)

    assert_refused_naming_the_limit(tmp_path, code, result)


def test_a_payload_at_the_limit_is_read(tmp_path: Path) -> None:
    body = b'{"googleAdsCustomerId": "1112223333", "mccCustomerId": "1234567890", ' + (
        b'"name": "Padaria", "sendMccInvitation": false}'
    )
    payload = tmp_path / "payload.json"
    payload.write_bytes(body + b" " * (MAX_STDIN_BYTES - len(body)))

    with payload.open("rb") as stdin:
        code, result = create_client(tmp_path, stdin)

    assert (code, result["success"], result["clientId"]) == (0, True, "1112223333")
