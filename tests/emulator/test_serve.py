"""``mcclink emulator serve`` in its own process: exports first, then the banner; stops cleanly
on a signal."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mcclink.config import LOCAL_PUBLIC_URL
from mcclink.emulator import Scenario, protos, serve, start
from mcclink.errors import ConfigurationError, InputError
from tests.e2e.conftest import Served, serve_emulator
from tests.fixtures.emulator import CERT_DIR

PROGRAM = Path(__file__).with_name("google_ads_program.py")
#: What a google-ads program needs from ``serve``'s exports, and nothing else.
CLIENT_EXPORTS = (
    "GOOGLE_ADS_CONFIGURATION_FILE_PATH",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
)


@contextmanager
def served(home: Path) -> Iterator[Served]:
    """``mcclink emulator serve`` with its data under ``home``, up to the banner; stopped after."""
    serving = serve_emulator(home)
    try:
        yield serving
    finally:
        if serving.process.poll() is None:
            serving.process.send_signal(signal.SIGTERM)
        serving.process.wait(timeout=10)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_exports_then_a_sandbox_banner_and_stops_on_a_signal(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    with served(tmp_path) as serving:
        serving.process.send_signal(stop_signal)

        assert serving.process.wait(timeout=10) == 0
    exports = serving.env
    assert exports["MCC_CUSTOMER_ID"] == "1234567890"
    assert exports["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"].startswith(str(tmp_path))
    assert exports["GOOGLE_ADS_ENDPOINT"].startswith("localhost:")
    assert exports["MCC_ONBOARDING_CLIENT_ID"] == exports["GOOGLE_ADS_CLIENT_ID"]
    assert exports["MCC_ONBOARDING_CLIENT_SECRET"] == exports["GOOGLE_ADS_CLIENT_SECRET"]
    assert exports["MCC_OIDC_ISSUER"] == exports["MCCLINK_EMULATOR_ADMIN_URL"]
    assert exports["MCC_PUBLIC_URL"] == LOCAL_PUBLIC_URL
    assert f"SUBSET of the Google Ads API ({', '.join(protos.versions())})" in serving.banner
    assert "not Google" in serving.banner


def test_serve_writes_owner_only_client_files_next_to_its_certificate(tmp_path: Path) -> None:
    with served(tmp_path) as serving:
        exports = serving.env

    certificate = Path(exports["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"])
    for name in ("GOOGLE_ADS_CONFIGURATION_FILE_PATH", "GOOGLE_APPLICATION_CREDENTIALS"):
        path = Path(exports[name])
        assert path.parent == certificate.parent
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    credentials = json.loads(Path(exports["GOOGLE_APPLICATION_CREDENTIALS"]).read_text())
    assert credentials["token_url"] == exports["GOOGLE_ADS_TOKEN_URI"]


def test_a_google_ads_program_reaches_serve_by_its_exported_files_alone(tmp_path: Path) -> None:
    """A v24 program in the style of Google's examples, with no mcclink and no emulator code:
    ``load_from_storage``, a GAQL search, an invitation as the manager, an accept as the client
    with the library's own field mask."""
    with served(tmp_path) as serving:
        env = {name: serving.env[name] for name in CLIENT_EXPORTS}
        env |= {name: os.environ[name] for name in ("PATH", "no_proxy", "NO_PROXY")}
        result = subprocess.run(
            [sys.executable, str(PROGRAM), "1234567890", "1112223333"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["invited"].startswith("customers/1234567890/customerClientLinks/1112223333~")
    assert seen["status_after_invite"] == "PENDING"
    assert seen["accepted"].startswith("customers/1112223333/customerManagerLinks/1234567890~")
    assert seen["status_after_accept"] == "ACTIVE"


def test_the_exported_public_url_is_the_users_own_when_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MCC_PUBLIC_URL", "https://ads.example.com")

    with start(Scenario.demo(), cert_dir=CERT_DIR) as emulator:
        env = emulator.env()

    assert env["MCC_PUBLIC_URL"] == "https://ads.example.com"


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
