"""#14 follow-up: ``clients show`` at 80 columns: the page is about one client, so its history
table has no Customer ID column, and each entry's date and status change stay on one line."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.conftest import Cli

GHOST = "9876543210"  # unknown to the emulator: its invitation fails


def test_a_clients_history_at_80_columns_is_one_line_an_entry(sqlite_cli: Cli) -> None:
    narrow = Cli(Path(sqlite_cli.env["HOME"]), {**sqlite_cli.env, "COLUMNS": "80"})
    narrow("clients", "add", GHOST, "--name", "Empresa Fantasma", check=1)

    printed = narrow("clients", "show", GHOST).stdout
    history = printed.split("History (newest first)", 1)[1]

    assert "Customer ID" not in history
    assert "987-654-3210" not in history
    entries = [line for line in history.splitlines() if re.search(r"20\d\d-\d\d-\d\d", line)]
    assert len(entries) == 2, history  # REGISTER, then the failed INVITE
    assert all(re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d", line) for line in entries)
    assert "NOT_LINKED → NOT_LINKED" in entries[0]
    assert "· → NOT_LINKED" in entries[1]
    assert len(history.strip().splitlines()) == 4, history  # header, rule, two entries
    assert max(len(line) for line in printed.splitlines()) <= 80
