"""#14 review follow-up: ``clients import`` reads a bounded amount of any path it is given.

A 100 MB file took 625 MB and /dev/zero was read until the kernel killed the process; now
at most ``MAX_CSV_BYTES`` + 1 bytes are read, and only from a regular file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from mcclink.importer import MAX_CSV_BYTES
from tests.e2e.conftest import Cli


def test_a_csv_over_the_limit_is_refused_naming_the_limit_and_the_fix(
    sqlite_cli: Cli, home: Path
) -> None:
    big = home / "big.csv"
    with big.open("w", encoding="utf-8") as file:
        file.write("customer_id,name\n111-222-3333,Padaria\n")
    os.truncate(big, MAX_CSV_BYTES + 1)  # sparse: the test writes nothing big

    refused = sqlite_cli("clients", "import", str(big), check=2)

    assert f"{big} is larger than 16 MiB, nothing imported" in refused.stderr
    assert "split it into smaller CSV files" in refused.stderr
    assert sqlite_cli.json("clients", "list") == []


def test_a_pipe_or_a_device_is_refused_without_opening_it(sqlite_cli: Cli, home: Path) -> None:
    fifo = home / "clients.csv"
    os.mkfifo(fifo)  # no writer: opening it would block for ever
    started = time.monotonic()

    # /dev/null stands for /dev/zero, which the old code read until it was killed.
    for path in (fifo, Path("/dev/null")):
        refused = sqlite_cli("clients", "import", str(path), check=2)
        assert f"{path} is not a regular file (a device or pipe)" in refused.stderr
        assert "give the path of a CSV file" in refused.stderr

    assert time.monotonic() - started < 60
    directory = sqlite_cli("clients", "import", str(home), check=2)
    assert f"cannot read {home}" in directory.stderr
    assert "Is a directory" in directory.stderr
    assert sqlite_cli.json("clients", "list") == []


def test_a_field_over_the_csv_modules_limit_names_line_column_and_limit(
    sqlite_cli: Cli, home: Path
) -> None:
    csv = home / "clients.csv"
    csv.write_text(f"customer_id,name,notes\n111-222-3333,Padaria,{'x' * 200_000}\n", "utf-8")

    refused = sqlite_cli("clients", "import", str(csv), check=2)

    assert "line 2: a field in column 3 ('notes') is over 131,072 characters" in refused.stderr
    assert "an attribute value 2,048" in refused.stderr
    assert sqlite_cli.json("clients", "list") == []
