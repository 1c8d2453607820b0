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
        "prod-Clients", "prod-ExecutionHistory", "prod-OnboardingLinks", "prod-Staff"
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


def test_an_explicit_url_in_a_missing_directory_is_refused_and_creates_nothing(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "typo-dir" / "sub"

    with pytest.raises(ConfigurationError) as caught:
        open_store(f"sqlite://{missing}/x.db", {"XDG_DATA_HOME": str(tmp_path / "data")})

    message = str(caught.value)
    assert f"directory {missing} does not exist" in message
    assert f"mkdir -p {missing}" in message
    assert not (tmp_path / "typo-dir").exists()
    assert not (tmp_path / "data").exists()


def test_mcc_store_in_a_missing_directory_is_refused_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        open_store(None, {"MCC_STORE": f"sqlite://{tmp_path}/nowhere/x.db"})

    assert not (tmp_path / "nowhere").exists()


def test_a_store_under_a_file_says_its_directory_is_not_one(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")

    with pytest.raises(ConfigurationError, match=r"notes\.txt is a file, not a directory"):
        open_store(f"sqlite://{tmp_path}/notes.txt/x.db", {})


def test_the_default_location_named_explicitly_is_still_created(tmp_path: Path) -> None:
    environ = {"XDG_DATA_HOME": str(tmp_path / "data")}

    store = open_store(default_store_url(environ), environ)

    assert isinstance(store, SqliteStore)
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    store.close()


def test_four_slashes_name_the_same_absolute_path_and_the_default_is_still_created(
    tmp_path: Path,
) -> None:
    environ = {"XDG_DATA_HOME": str(tmp_path / "data")}

    store = open_store(f"sqlite:///{tmp_path}/data/mcclink/mcclink.db", environ)

    assert isinstance(store, SqliteStore)
    assert str(store.path) == f"{tmp_path}/data/mcclink/mcclink.db"  # not //tmp/...
    store.close()


@pytest.mark.parametrize("content", [b"customer_id,name\n1112223333,Sol\n", b"\x00" * 4096])
def test_a_file_that_is_not_a_database_is_a_configuration_error_and_stays_as_it_was(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes(content)

    with pytest.raises(ConfigurationError) as caught:
        open_store(f"sqlite://{path}", {})

    assert f"{path} is not a SQLite database" in str(caught.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.csv"]
