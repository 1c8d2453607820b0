"""The CLI as a user runs it: ``mcclink`` in a subprocess, against ``mcclink emulator serve``."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest

from mcclink.emulator.server import BANNER

MCCLINK = str(Path(sys.executable).with_name("mcclink"))
MCC = "1234567890"

#: Variables of the caller's environment that must not leak into a user's run.
_SCRUBBED = (
    "MCCLINK_",
    "MCC_",
    "GOOGLE_ADS_",
    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
    "CLIENTS_TABLE",
    "EXECUTION_HISTORY_TABLE",
    "ONBOARDING_LINKS_TABLE",
    "STAFF_TABLE",
)


@dataclass
class Served:
    """A running ``mcclink emulator serve``: the environment it printed, then its banner."""

    process: subprocess.Popen[str]
    env: dict[str, str]
    banner: str = ""

    @property
    def admin_url(self) -> str:
        return self.env["MCCLINK_EMULATOR_ADMIN_URL"]

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the emulator's admin endpoint (GET, or POST with a JSON body)."""
        data = json.dumps(body).encode() if body is not None else None
        request = Request(
            f"{self.admin_url}{path}", data=data, headers={"Content-Type": "application/json"}
        )
        with urlopen(request, timeout=10) as answer:
            return json.load(answer)


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED)}
    env.update(XDG_DATA_HOME=str(home / "data"), HOME=str(home), NO_COLOR="1", COLUMNS="200")
    return env


def serve_emulator(home: Path, scenario: dict[str, Any] | None = None) -> Served:
    """Start ``mcclink emulator serve`` and read the export lines it prints first, then the
    banner."""
    args = [MCCLINK, "emulator", "serve"]
    if scenario is not None:
        path = home / "scenario.json"
        path.write_text(json.dumps(scenario), encoding="utf-8")
        args += ["--scenario", str(path)]
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(home)
    )
    assert process.stdout is not None
    env: dict[str, str] = {}
    line = process.stdout.readline()
    while line.startswith("export "):
        name, _, value = line.removeprefix("export ").strip().partition("=")
        env[name] = shlex.split(value)[0] if value else ""
        line = process.stdout.readline()
    if not env:
        process.kill()
        raise RuntimeError(
            f"emulator printed no exports: {process.stderr.read() if process.stderr else ''}"
        )
    banner = line + "".join(process.stdout.readline() for _ in range(BANNER.count("\n") - 1))
    return Served(process, env, banner)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def emulator_process(home: Path) -> Iterator[Served]:
    served = serve_emulator(home)
    yield served
    served.process.send_signal(signal.SIGINT)
    served.process.wait(timeout=10)


class Cli:
    """Runs ``mcclink`` with a user's environment: the emulator's exports and a store."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.env = {**clean_env(home), **env}

    def __call__(
        self, *args: str, input: str | None = None, check: int | None = 0
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [MCCLINK, *args], capture_output=True, text=True, env=self.env, input=input, timeout=120
        )
        if check is not None:
            assert done.returncode == check, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def json(self, *args: str, check: int | None = 0) -> Any:
        return json.loads(self(*args, "--json", check=check).stdout)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [MCCLINK, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )

    @staticmethod
    def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "condition not met in time"
            time.sleep(0.01)


@pytest.fixture
def sqlite_cli(home: Path, emulator_process: Served) -> Cli:
    """The CLI on a SQLite store in the test's home."""
    return Cli(home, {**emulator_process.env, "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"})


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def cli(request: pytest.FixtureRequest, home: Path, emulator_process: Served) -> Cli:
    """The CLI on each store: SQLite, and DynamoDB on the moto server (tables of its own)."""
    return cli_on_store(request, home, emulator_process.env)


def cli_on_store(request: pytest.FixtureRequest, home: Path, env: dict[str, str]) -> Cli:
    """The CLI with ``env`` on the store a fixture's ``request.param`` names: ``sqlite`` (a
    file in ``home``) or ``dynamodb`` (the moto server, tables of its own, created)."""
    if request.param == "sqlite":
        return Cli(home, {**env, "MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"})
    request.getfixturevalue("moto_endpoint")  # the session's AWS environment points at it
    url = f"dynamodb://?region=us-east-1&prefix=e2e{uuid.uuid4().hex[:8]}-"
    cli = Cli(home, {**env, "MCC_STORE": url})
    cli("tables", "create")
    return cli
