"""``open_store``: which URL opens which backend, and what a bad URL says."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mcclink.errors import ConfigurationError, InvalidStoreUrl
from mcclink.store import default_store_url, open_store
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.sqlite import SqliteStore
from mcclink.store.tables import TableNames


@pytest.mark.parametrize(
    "url",
    [
        "sqlit:///tmp/x.db",
        "mysql://db.example.com/mcclink",
        "dynamodb://?regoin=sa-east-1",
        "dynamodb://?region=sa-east-1&region=us-east-1",
        "dynamodb://?region=nowhere",
        "dynamodb://?prefix=bad/prefix",
        "dynamodb://my-table?region=sa-east-1",
        "sqlite://relative.db",
        "sqlite:///tmp/x.db?mode=ro",
        "/tmp/plain-path.db",
    ],
)
def test_a_url_naming_no_backend_raises_invalid_store_url(url: str) -> None:
    with pytest.raises(InvalidStoreUrl) as caught:
        open_store(url, {})

    message = str(caught.value)
    assert repr(url) in message
    assert "sqlite:///path/to/file.db" in message
    assert "dynamodb://?region=REGION&prefix=PREFIX" in message


def test_a_bad_mcc_store_is_reported_like_a_bad_url() -> None:
    with pytest.raises(InvalidStoreUrl, match="postgres://x"):
        open_store(None, {"MCC_STORE": "postgres://x"})


def test_sqlite_url_opens_that_file(tmp_path: Path) -> None:
    store = open_store(f"sqlite://{tmp_path}/my%20store.db", {})

    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "my store.db"
    assert store.path.exists()
    store.close()


def test_without_url_mcc_store_decides(tmp_path: Path) -> None:
    store = open_store(None, {"MCC_STORE": f"sqlite://{tmp_path}/from-env.db"})

    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "from-env.db"
    store.close()


def test_an_explicit_url_beats_mcc_store(tmp_path: Path) -> None:
    environ = {"MCC_STORE": "dynamodb://?region=sa-east-1"}

    store = open_store(f"sqlite://{tmp_path}/explicit.db", environ)

    assert isinstance(store, SqliteStore)
    store.close()


def test_the_default_is_an_owner_only_file_under_xdg_data_home(tmp_path: Path) -> None:
    store = open_store(None, {"XDG_DATA_HOME": str(tmp_path / "data")})

    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "data" / "mcclink" / "mcclink.db"
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.close()


def test_the_default_falls_back_to_home_local_share(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "XDG_DATA_HOME": "relative/ignored"}

    assert default_store_url(environ) == f"sqlite://{tmp_path}/.local/share/mcclink/mcclink.db"


def test_dynamodb_url_opens_without_contacting_aws() -> None:
    store = open_store("dynamodb://?region=sa-east-1&prefix=prod-", {})

    assert isinstance(store, DynamoDBStore)
    assert store.names == TableNames(
        "prod-Clients", "prod-ExecutionHistory", "prod-OnboardingLinks"
    )


def test_an_invalid_table_name_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="'x'"):
        open_store("dynamodb://?region=sa-east-1", {"CLIENTS_TABLE": "x"})


def test_importing_the_store_imports_neither_boto3_nor_google_ads(tmp_path: Path) -> None:
    probe = (
        "import sys; from mcclink.store import open_store; "
        f"open_store('sqlite://{tmp_path}/x.db', {{}}).close(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')"
        " or m.startswith('google.ads')))"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout

    assert loaded.strip() == "[]"
