"""The files that point any ``google-ads`` program at a running emulator by configuration alone.

Given a refresh token in its configuration, the library refreshes it only at Google's fixed
token URL (``google.ads.googleads.oauth2.get_installed_app_credentials``). So these files take
the other road it offers: ``use_application_default_credentials: True`` in ``google-ads.yaml``
makes it call ``google.auth.default()``, which reads the JSON file that
``GOOGLE_APPLICATION_CREDENTIALS`` names. Of the kinds of file ``google-auth`` reads, an
``authorized_user`` one always refreshes at Google (``Credentials.from_authorized_user_info``
overrides its ``token_uri``); an ``external_account_authorized_user`` one refreshes its
``refresh_token`` at the file's ``token_url``, sending the client id and secret by HTTP Basic:
the emulator's token endpoint. ``endpoint`` (``host:port``) replaces Google's address, and
``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`` makes gRPC trust the emulator's certificate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mcclink.emulator.tls import write_private
from mcclink.files import make_private_dirs

GOOGLE_ADS_YAML = "google-ads.yaml"
CREDENTIALS_JSON = "application-default-credentials.json"


@dataclass(frozen=True)
class ClientConfig:
    """What a ``google-ads`` program needs to reach one emulator as its demo user."""

    endpoint: str
    token_url: str
    client_id: str
    client_secret: str
    refresh_token: str
    developer_token: str


def write(config: ClientConfig, directory: Path) -> dict[str, str]:
    """Write ``google-ads.yaml`` and its credentials file into ``directory`` (files 0600).

    Returns:
        The environment variables that point the library at the two files.

    Raises:
        OSError: the directory or a file cannot be written.
    """
    make_private_dirs(directory)
    credentials_path = directory / CREDENTIALS_JSON
    credentials = {
        "type": "external_account_authorized_user",
        "token_url": config.token_url,
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "refresh_token": config.refresh_token,
    }
    write_private(credentials_path, json.dumps(credentials, indent=2).encode())
    yaml_path = directory / GOOGLE_ADS_YAML
    settings = {
        "use_proto_plus": True,
        "use_application_default_credentials": True,
        "endpoint": config.endpoint,
        "developer_token": config.developer_token,
    }
    # No login_customer_id: mcclink reads this file too (GOOGLE_ADS_CONFIGURATION_FILE_PATH),
    # and a fixed login would stop it acting for any other manager (--mcc). A program sets
    # it per call, as Google's examples do.
    # JSON scalars are YAML scalars: no YAML writer needed for four flat settings.
    lines = [f"{name}: {json.dumps(value)}" for name, value in settings.items()]
    header = "# The local mcclink Google Ads emulator (a sandbox, not Google); written by serve.\n"
    write_private(yaml_path, (header + "\n".join(lines) + "\n").encode())
    return {
        "GOOGLE_ADS_CONFIGURATION_FILE_PATH": str(yaml_path),
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials_path),
    }
