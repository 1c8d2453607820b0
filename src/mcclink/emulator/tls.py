"""The emulator's self-signed TLS certificate, made with ``cryptography`` and reused.

The ``google-ads`` library only speaks TLS, so the emulator needs a certificate the client
trusts: clients point ``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`` at this one file (before their first
TLS connection). It names ``DNS:localhost`` and ``IP:127.0.0.1``, lives in a per-user directory
(mode 0700, files 0600) and is regenerated only when missing, unreadable or near expiry.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mcclink.files import make_private_dirs

_VALIDITY = dt.timedelta(days=3650)
_RENEW_BEFORE = dt.timedelta(days=30)
_NAMES = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]


@dataclass(frozen=True)
class CertificatePair:
    """Where the certificate and its private key are (both PEM)."""

    cert_path: Path
    key_path: Path

    def read(self) -> tuple[bytes, bytes]:
        """The PEM private key and certificate, in the order ``grpc`` wants them."""
        return self.key_path.read_bytes(), self.cert_path.read_bytes()


def default_cert_dir() -> Path:
    """``$XDG_DATA_HOME/mcclink/emulator`` (``~/.local/share/mcclink/emulator`` by default)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mcclink" / "emulator"


def ensure_certificate(cert_dir: Path | None = None) -> CertificatePair:
    """The certificate in ``cert_dir`` (default: ``default_cert_dir()``), made if needed.

    Raises:
        OSError: the directory or files cannot be created or written.
    """
    directory = cert_dir or default_cert_dir()
    make_private_dirs(directory)
    pair = CertificatePair(directory / "emulator-cert.pem", directory / "emulator-key.pem")
    if not _usable(pair):
        _generate(pair)
    return pair


def _usable(pair: CertificatePair) -> bool:
    try:
        key_pem, cert_pem = pair.read()
        key = serialization.load_pem_private_key(key_pem, password=None)
        cert = x509.load_pem_x509_certificate(cert_pem)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    fresh = cert.not_valid_after_utc - dt.datetime.now(dt.UTC) > _RENEW_BEFORE
    same_key = cert.public_key() == key.public_key()
    return fresh and same_key and all(name in names for name in _NAMES)


def _generate(pair: CertificatePair) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mcclink Google Ads emulator")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.SubjectAlternativeName(_NAMES), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Key first: a reader that sees the new certificate must also see its key.
    write_private(pair.key_path, key_pem)
    write_private(pair.cert_path, cert.public_bytes(serialization.Encoding.PEM))


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically (readers never see half a file).

    Raises:
        OSError: the file cannot be written.
    """
    # mkstemp: a fresh name (two emulators in one process may write the same file at once)
    # created 0600, never a leftover temporary file with a wider mode.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
