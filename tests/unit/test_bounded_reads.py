"""#14 review, the class of 'clients import reads the whole file': every file a user names is
read within a bound, and a device or pipe is never opened (files.read_plain_file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mcclink.config import MAX_YAML_BYTES, Settings
from mcclink.emulator.scenario import MAX_SCENARIO_BYTES, Scenario
from mcclink.errors import ConfigurationError, InputError
from mcclink.files import NotAPlainFile, read_plain_file
from tests.unit.test_config import OAUTH, env


def test_a_plain_file_within_the_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"12345")

    assert read_plain_file(path, 5) == b"12345"
    with pytest.raises(NotAPlainFile) as caught:
        read_plain_file(path, 4)
    assert caught.value.strerror == "larger than 0 MiB"


def test_a_pipe_is_refused_without_being_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # no writer: opening it would block for ever

    with pytest.raises(NotAPlainFile, match="not a regular file"):
        read_plain_file(fifo, 10)


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as file:
        file.truncate(size)  # nothing big is written
    return path


@pytest.mark.parametrize("named", ["/dev/null", "big"])
def test_google_ads_yaml_is_read_within_a_bound(tmp_path: Path, named: str) -> None:
    # A character device stands for /dev/zero, which the old code read until it was killed.
    path = Path(named) if named.startswith("/") else sparse(tmp_path / named, MAX_YAML_BYTES + 1)

    settings = Settings.from_env(
        env(tmp_path, **OAUTH, GOOGLE_ADS_CONFIGURATION_FILE_PATH=str(path))
    )
    with pytest.raises(ConfigurationError) as caught:
        settings.google_ads()

    reason = "not a regular file" if named == "/dev/null" else "larger than 1 MiB"
    assert f"cannot read {path} (NotAPlainFile: {reason}" in str(caught.value)


def test_a_scenario_file_is_read_within_a_bound(tmp_path: Path) -> None:
    big = sparse(tmp_path / "world.json", MAX_SCENARIO_BYTES + 1)

    with pytest.raises(InputError, match=r"cannot read scenario file .*larger than 64 MiB"):
        Scenario.load(big)
    with pytest.raises(InputError, match="not a regular file"):
        Scenario.load(Path("/dev/null"))
