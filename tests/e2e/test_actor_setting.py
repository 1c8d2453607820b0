"""#14 review: MCCLINK_ACTOR is recorded in every history entry, so a value with escape
sequences (which would replay on the terminal of whoever reads the history) or thousands of
characters (on DynamoDB, a large one breaks every write) is exit 2 before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Cli

PADARIA = "111-222-3333"


@pytest.mark.parametrize(
    ("actor", "phrase"),
    [
        ("ana\x1b[2J\x1b[31m", "it holds U+001B"),
        ("ana\u202e", "it holds U+202E"),
        ("a" * 5000, "(it has 5,000)"),
    ],
)
def test_a_bad_actor_is_refused_naming_the_variable_and_nothing_is_written(
    sqlite_cli: Cli, home: Path, actor: str, phrase: str
) -> None:
    bad = Cli(home, {**sqlite_cli.env, "MCCLINK_ACTOR": actor})

    refused = bad("clients", "add", PADARIA, "--name", "Padaria", "--no-invite", check=2)

    assert "MCCLINK_ACTOR must be a printable name of at most 64 characters" in refused.stderr
    assert phrase in refused.stderr
    assert "set MCCLINK_ACTOR to a short name" in refused.stderr
    assert actor not in refused.stderr
    assert sqlite_cli.json("clients", "list") == []


def test_a_plain_actor_is_recorded(sqlite_cli: Cli, home: Path) -> None:
    named = Cli(home, {**sqlite_cli.env, "MCCLINK_ACTOR": "Ana Souza"})

    named("clients", "add", PADARIA, "--name", "Padaria", "--no-invite")

    [entry] = sqlite_cli.json("clients", "show", PADARIA)["history"]
    assert entry["actor"] == "cli:Ana Souza"
