"""#14 review: a SQLite store path that cannot hold a database is exit 2 with the real cause:
a file where a directory should be (``mkdir -p`` would fail there), or a directory where no
file can be created (``/proc``), which was exit 1 with no fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Cli


@pytest.mark.parametrize("below", ["x.db", "a/b/x.db"])
def test_a_file_in_the_path_is_named_as_a_file(sqlite_cli: Cli, home: Path, below: str) -> None:
    notdb = home / "notdb.db"
    notdb.write_text("notes\n", encoding="utf-8")

    refused = sqlite_cli("--store", f"sqlite://{notdb}/{below}", "clients", "list", check=2)

    assert f"{notdb} is a file, not a directory" in refused.stderr
    assert "correct the path in --store" in refused.stderr
    assert "mkdir" not in refused.stderr
    assert notdb.read_text(encoding="utf-8") == "notes\n"


def test_a_directory_where_no_file_can_be_made_is_exit_2(sqlite_cli: Cli) -> None:
    refused = sqlite_cli("--store", "sqlite:////proc/x.db", "clients", "list", check=2)

    assert "the SQLite store /proc/x.db cannot be created or opened there" in refused.stderr
    assert "a directory you may write" in refused.stderr
    assert "Traceback" not in refused.stderr
