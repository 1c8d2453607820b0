"""Wiring: the gRPC server (TLS, 127.0.0.1), the HTTP server, and the ``serve`` entry point."""

from __future__ import annotations

import shlex
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any, Self, TextIO

import grpc

from mcclink.emulator import client_files, oauth, protos, servicers, tls
from mcclink.emulator.scenario import Knobs, Scenario
from mcclink.emulator.state import EmulatorState
from mcclink.emulator.web import AdminServer
from mcclink.errors import ConfigurationError

BANNER = """\
# mcclink Google Ads emulator -- a LOCAL SANDBOX of a SUBSET of the Google Ads API ({versions}).
# It is not Google: no real account is read or changed. gRPC/TLS on {endpoint},
# OAuth token endpoint {token_uri}, admin endpoints {admin_url}/_emulator/...
# Answer as an advertiser: mcclink emulator respond CLIENT_ID --accept|--refuse|--unlink
# Stop with Ctrl-C.
"""

_GRPC_WORKERS = 16


class Emulator:
    """A running emulator: gRPC on ``endpoint``, HTTP on ``admin_url``; stop with ``stop()``."""

    def __init__(
        self,
        scenario: Scenario,
        state: EmulatorState,
        grpc_server: grpc.Server,
        admin: AdminServer,
        port: int,
        cert: tls.CertificatePair,
    ) -> None:
        self.scenario, self.state = scenario, state
        self._grpc, self._admin = grpc_server, admin
        self.endpoint = f"localhost:{port}"
        self.token_uri = f"http://127.0.0.1:{admin.port}/token"
        self.admin_url = f"http://127.0.0.1:{admin.port}"
        #: Where onboarding links point (and the sign-in may redirect): see ``AdminServer``.
        self.public_url = admin.public_url
        self.cert_path: Path = cert.cert_path

    def env(self) -> dict[str, str]:
        """The environment that points mcclink (and ``google-ads``) at this emulator: Google Ads,
        and the advertiser's sign-in (the emulator's own OAuth client, the emulator as the
        OpenID issuer, links under ``public_url``)."""
        return {
            "GOOGLE_ADS_ENDPOINT": self.endpoint,
            "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(self.cert_path),
            "GOOGLE_ADS_TOKEN_URI": self.token_uri,
            "MCC_CUSTOMER_ID": self.state.first_manager,
            "GOOGLE_ADS_CLIENT_ID": oauth.CLIENT_ID,
            "GOOGLE_ADS_CLIENT_SECRET": self.state.tokens.client_secret,
            "GOOGLE_ADS_REFRESH_TOKEN": self.state.tokens.refresh_token,
            "GOOGLE_ADS_DEVELOPER_TOKEN": oauth.DEVELOPER_TOKEN,
            "MCCLINK_EMULATOR_ADMIN_URL": self.admin_url,
            "MCC_ONBOARDING_CLIENT_ID": oauth.CLIENT_ID,
            "MCC_ONBOARDING_CLIENT_SECRET": self.state.tokens.client_secret,
            "MCC_OIDC_ISSUER": self.admin_url,
            "MCC_PUBLIC_URL": self.public_url,
        }

    def write_client_files(self, directory: Path | None = None) -> dict[str, str]:
        """Write ``google-ads.yaml`` and its credentials file for this emulator (see
        ``client_files``) into ``directory`` (default: the certificate's).

        Returns:
            The environment variables that point any ``google-ads`` program at the files.

        Raises:
            ConfigurationError: a file cannot be written.
        """
        env = self.env()
        config = client_files.ClientConfig(
            endpoint=self.endpoint,
            token_url=self.token_uri,
            client_id=env["GOOGLE_ADS_CLIENT_ID"],
            client_secret=env["GOOGLE_ADS_CLIENT_SECRET"],
            refresh_token=env["GOOGLE_ADS_REFRESH_TOKEN"],
            developer_token=env["GOOGLE_ADS_DEVELOPER_TOKEN"],
        )
        try:
            return client_files.write(config, directory or self.cert_path.parent)
        except OSError as exc:
            raise ConfigurationError(f"cannot write the emulator's client files: {exc}") from exc

    def set_knobs(self, **knobs: object) -> Knobs:
        """Change ``latency_ms``, ``qps_limit``, ``fault_rate``, ``seed`` or ``token_ttl_s``.

        Raises:
            InputError: an unknown knob or a value out of range.
        """
        return self.state.set_knobs(**knobs)

    def reset(self, scenario: Scenario | None = None) -> None:
        """Start over from ``scenario`` (default: the one the emulator started with)."""
        self.state.load(scenario or self.scenario)

    def stop(self) -> None:
        """Stop both servers and release their ports."""
        self._grpc.stop(grace=None).wait(timeout=5)
        self._admin.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start(
    scenario: Scenario | None = None,
    *,
    port: int = 0,
    http_port: int = 0,
    cert_dir: Path | None = None,
) -> Emulator:
    """Start an emulator in background threads; returns once both servers are serving.

    Args:
        scenario: accounts, links and knobs (default: ``Scenario.demo()``).
        port: gRPC port on 127.0.0.1 (0 picks a free one).
        http_port: HTTP port for the token and admin endpoints (0 picks a free one).
        cert_dir: where the TLS certificate is kept (default: ``tls.default_cert_dir()``).

    Raises:
        ConfigurationError: a port is taken or the certificate cannot be written.
    """
    scenario = scenario or Scenario.demo()
    try:
        cert = tls.ensure_certificate(cert_dir)
        key_pem, cert_pem = cert.read()
    except OSError as exc:
        raise ConfigurationError(f"cannot prepare the emulator's TLS certificate: {exc}") from exc
    state = EmulatorState(scenario)
    grpc_server, bound = _grpc_server(state, port, key_pem, cert_pem)
    try:
        admin = AdminServer(http_port, state, scenario, cert.cert_path.parent)
    except OSError as exc:
        grpc_server.stop(grace=None)
        raise ConfigurationError(
            f"cannot listen on 127.0.0.1:{http_port} for the emulator's HTTP endpoints ({exc}): "
            "choose another --http-port"
        ) from exc
    grpc_server.start()
    admin.start()
    return Emulator(scenario, state, grpc_server, admin, bound, cert)


def _grpc_server(
    state: EmulatorState, port: int, key_pem: bytes, cert_pem: bytes
) -> tuple[grpc.Server, int]:
    server = grpc.server(
        ThreadPoolExecutor(max_workers=_GRPC_WORKERS, thread_name_prefix="emulator-grpc"),
        handlers=[servicers.GoogleAdsHandler(state)],
        # Without this a second emulator could silently share a port with the first.
        options=[("grpc.so_reuseport", 0)],
    )
    credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)])
    try:
        bound = server.add_secure_port(f"127.0.0.1:{port}", credentials)
    except RuntimeError:
        bound = 0
    if not bound:
        raise ConfigurationError(
            f"cannot listen on 127.0.0.1:{port} for the emulator's gRPC endpoint: "
            "choose another --port"
        )
    return server, int(bound)


def serve(scenario_path: Path | None, port: int, http_port: int, out: TextIO) -> None:
    """Run an emulator in the foreground until SIGINT or SIGTERM, then stop it cleanly.

    Writes ``google-ads.yaml`` and its credentials file next to the TLS certificate, prints the
    ``export NAME=value`` lines of ``Emulator.env()`` and of those files first, then a banner.

    Raises:
        InputError: the scenario file cannot be read or has a wrong shape.
        ConfigurationError: a port is taken, or the certificate or client files cannot be
            written.
    """
    scenario = Scenario.load(scenario_path) if scenario_path else Scenario.demo()
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous: dict[int, Any] = {
        sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        with start(scenario, port=port, http_port=http_port) as emulator:
            for name, value in {**emulator.env(), **emulator.write_client_files()}.items():
                out.write(f"export {name}={shlex.quote(value)}\n")
            out.write(
                BANNER.format(
                    versions=", ".join(protos.versions()),
                    endpoint=emulator.endpoint,
                    token_uri=emulator.token_uri,
                    admin_url=emulator.admin_url,
                )
            )
            out.flush()
            while not stopping.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
