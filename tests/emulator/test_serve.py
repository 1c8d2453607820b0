"""``serve`` in its own process: exports first, then the banner; stops cleanly on a signal."""

from __future__ import annotations

import io
import os
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mcclink.emulator import Scenario, serve, start
from mcclink.errors import ConfigurationError, InputError
from tests.fixtures.emulator import CERT_DIR

SERVE = "import sys; from mcclink.emulator import serve; serve(None, 0, 0, sys.stdout)"


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_exports_then_a_sandbox_banner_and_stops_on_a_signal(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE], stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    exports = {}
    line = process.stdout.readline()
    while line.startswith("export "):
        name, _, value = line.removeprefix("export ").strip().partition("=")
        exports[name] = shlex.split(value)[0]
        line = process.stdout.readline()
    banner = line + process.stdout.readline()

    process.send_signal(stop_signal)

    assert process.wait(timeout=10) == 0
    assert exports["MCC_CUSTOMER_ID"] == "1234567890"
    assert exports["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"].startswith(str(tmp_path))
    assert exports["GOOGLE_ADS_ENDPOINT"].startswith("localhost:")
    assert "SUBSET of the Google Ads API" in banner
    assert "not Google" in banner


def test_serve_refuses_a_bad_scenario_file_before_starting(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read scenario file"):
        serve(tmp_path / "nope.json", 0, 0, io.StringIO())


def test_starting_on_a_taken_port_is_a_configuration_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(ConfigurationError, match=f"127.0.0.1:{port}"):
            start(Scenario.demo(), port=port, cert_dir=CERT_DIR)
        with pytest.raises(ConfigurationError, match="--http-port"):
            start(Scenario.demo(), http_port=port, cert_dir=CERT_DIR)
