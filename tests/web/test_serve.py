"""``mcclink web`` as a user starts it: refusals before serving, then a live dashboard."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.e2e.conftest import MCCLINK, clean_env
from tests.web.conftest import TOKEN


def run_web(home: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [MCCLINK, "web", *args],
        capture_output=True,
        text=True,
        env={**clean_env(home), "MCC_CUSTOMER_ID": "123-456-7890", **(env or {})},
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr


def test_with_no_way_in_it_refuses_to_start_and_names_every_way(tmp_path: Path) -> None:
    code, output = run_web(tmp_path)
    assert code == 2
    assert "nobody could sign in" in output
    for way in ("MCC_STAFF_CLIENT_ID", "mcclink tokens create", "MCC_API_TOKEN"):
        assert way in output
    assert "secrets.token_urlsafe" in output


def test_a_bad_pending_age_is_refused_before_serving(tmp_path: Path) -> None:
    code, output = run_web(tmp_path, "--pending-age", "soon", env={"MCC_API_TOKEN": TOKEN})
    assert code == 2
    assert "soon" in output


def test_the_dashboard_uses_the_pending_age_it_was_started_with(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **clean_env(tmp_path),
        "MCC_CUSTOMER_ID": "123-456-7890",
        "MCC_API_TOKEN": TOKEN,
        "MCC_STORE": f"sqlite:///{tmp_path / 'web.db'}",
    }
    server = subprocess.Popen(
        [MCCLINK, "web", "--port", str(port), "--pending-age", "2h"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = _get(opener, f"http://127.0.0.1:{port}/login")
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = f"csrf_token={csrf}&token={TOKEN}&next=/".encode()
        with opener.open(f"http://127.0.0.1:{port}/login", data=form, timeout=10) as signed_in:
            dashboard = signed_in.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "Pending over 2 h" in dashboard


def _get(opener: urllib.request.OpenerDirector, url: str) -> str:
    deadline = time.monotonic() + 20
    while True:
        try:
            with opener.open(url, timeout=5) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_a_port_in_use_is_refused_with_the_fix(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = run_web(tmp_path, "--port", str(port), env={"MCC_API_TOKEN": TOKEN})
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in output
    assert "--port" in output
