"""The self-signed certificate: the names gRPC checks, private files, reuse and repair."""

from __future__ import annotations

import ipaddress
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography import x509

from mcclink.emulator.tls import default_cert_dir, ensure_certificate, write_private


def test_certificate_names_localhost_and_the_loopback_address(tmp_path: Path) -> None:
    pair = ensure_certificate(tmp_path / "certs")

    cert = x509.load_pem_x509_certificate(pair.cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]


def test_certificate_files_are_private(tmp_path: Path) -> None:
    pair = ensure_certificate(tmp_path / "certs")

    assert stat.S_IMODE(pair.key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(pair.cert_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "certs").stat().st_mode) == 0o700


def test_writes_of_one_private_file_at_once_all_land_and_leave_no_temporary(
    tmp_path: Path,
) -> None:
    target = tmp_path / "oidc-signing-key.pem"

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: write_private(target, b"key %d" % n), range(64)))

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes().startswith(b"key ")
    assert [path.name for path in tmp_path.iterdir()] == [target.name]


def test_certificate_is_reused_and_remade_when_damaged(tmp_path: Path) -> None:
    first = ensure_certificate(tmp_path).read()
    assert ensure_certificate(tmp_path).read() == first

    (tmp_path / "emulator-key.pem").write_text("not a key", encoding="utf-8")

    remade = ensure_certificate(tmp_path).read()
    assert remade != first
    assert b"PRIVATE KEY" in remade[0]


def test_default_directory_follows_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))

    assert default_cert_dir() == tmp_path / "mcclink" / "emulator"
