"""Setting the adapter up: from the environment alone, service accounts, logging, secrets."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mcclink.ads import GoogleAdsClientService, configure_library_logging
from mcclink.config import GoogleAdsSettings, Settings
from mcclink.emulator import CLIENT_SECRET, DEVELOPER_TOKEN, REFRESH_TOKEN, Emulator
from mcclink.errors import AuthenticationFailed, ConfigurationError
from tests.ads.conftest import ACAI, FAST_RETRY, MCC, MakeAds

SEPARATE_PROCESS = """
from mcclink.ads import GoogleAdsClientService
from mcclink.config import Settings
from mcclink.domain import CustomerId

settings = Settings.from_env()
ads = GoogleAdsClientService(settings.google_ads())
mcc, client = settings.require_mcc(), CustomerId.parse("222-333-4444")
sent = ads.send_invitation(mcc, client).link
read = [link for link in ads.list_links(mcc).links if link.client == client]
print(sent.manager_link_id, [(link.manager_link_id, link.status.value) for link in read])
"""


def test_a_separate_process_with_only_the_emulator_env_invites_and_reads_back(
    emu: Emulator,
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SEPARATE_PROCESS],
        env=emu.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    link_id, read = result.stdout.split(" ", 1)
    assert read.strip() == f"[({link_id}, 'PENDING')]"
    assert emu.state.invitations_sent(ACAI.digits, MCC.digits) == 1


def service_account_key(path: Path, token_uri: str) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "mcclink-test",
                "private_key_id": "k1",
                "private_key": pem.decode(),
                "client_email": "ads@mcclink-test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": token_uri,
            }
        )
    )
    return path


def test_service_account_key_is_exchanged_at_its_token_uri(
    make_ads: MakeAds, emu: Emulator, tmp_path: Path
) -> None:
    key = service_account_key(tmp_path / "key.json", emu.token_uri)
    service = make_ads(json_key_file_path=key, impersonated_email="gestor@agencia.example")

    # The emulator grants refresh tokens only: its refusal proves a JWT grant was made.
    with pytest.raises(AuthenticationFailed) as caught:
        service.list_links(MCC)

    assert caught.value.code == "OAuthError.UNSUPPORTED_GRANT_TYPE"


def test_unusable_service_account_key_is_a_configuration_error(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_text('{"type": "service_account"}')
    service = GoogleAdsClientService(GoogleAdsSettings(json_key_file_path=key), FAST_RETRY)

    with pytest.raises(ConfigurationError, match="GOOGLE_ADS_JSON_KEY_FILE_PATH"):
        service.list_links(MCC)


def test_secrets_never_appear_in_reprs(emu: Emulator, make_ads: MakeAds) -> None:
    settings = Settings.from_env(emu.env())
    service = make_ads()
    service.list_links(MCC)

    shown = " ".join(
        [repr(settings), repr(settings.google_ads()), repr(service), str(service.stats)]
    )

    for secret in (REFRESH_TOKEN, CLIENT_SECRET, DEVELOPER_TOKEN):
        assert secret not in shown


def test_library_logging_is_quiet_unless_verbose() -> None:
    logger = logging.getLogger("google.ads.googleads.client")
    level = logger.level
    try:
        configure_library_logging(verbose=False)
        assert logger.getEffectiveLevel() == logging.ERROR
        configure_library_logging(verbose=True)
        assert logger.getEffectiveLevel() == logging.INFO
    finally:
        logger.setLevel(level)
