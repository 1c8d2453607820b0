"""#16: ``mcclink history`` shows who acted and filters by any part of the actor (the API's
rule: case and accents aside), in a subprocess on SQLite."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Cli

PADARIA, ACAI = "1112223333", "2223334444"


def as_actor(cli: Cli, home: Path, actor: str, **env: str) -> Cli:
    return Cli(home, {**cli.env, "MCCLINK_ACTOR": actor, **env})


def two_people(sqlite_cli: Cli, home: Path) -> tuple[Cli, Cli]:
    """Ana registers the Padaria; João registers the Açaí and archives the Padaria."""
    ana, joao = as_actor(sqlite_cli, home, "Ana Souza"), as_actor(sqlite_cli, home, "João")
    ana("clients", "add", PADARIA, "--name", "Padaria", "--no-invite")
    joao("clients", "add", ACAI, "--name", "Açaí", "--no-invite")
    joao("clients", "archive", PADARIA)
    return ana, joao


def actors(entries: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(e["operation"], e["actor"]) for e in entries]


def test_history_shows_who_acted_in_both_listings(sqlite_cli: Cli, home: Path) -> None:
    two_people(sqlite_cli, home)

    everything = sqlite_cli("history").stdout
    one_client = sqlite_cli("history", PADARIA).stdout

    assert "Who" in everything
    assert everything.count("cli:Ana Souza") == 1
    assert everything.count("cli:João") == 2
    assert "Who" in one_client
    assert "cli:Ana Souza" in one_client
    assert "cli:João" in one_client


def test_the_actor_filter_takes_any_part_whatever_the_case_and_accents(
    sqlite_cli: Cli, home: Path
) -> None:
    two_people(sqlite_cli, home)

    by_joao = sqlite_cli.json("history", "--actor", " JOAO ")
    by_ana = sqlite_cli("history", "--actor", "ana sou").stdout
    of_padaria_by_ana = sqlite_cli.json("history", PADARIA, "--actor", "ana", "--limit", "1")
    of_acai_by_ana = sqlite_cli.json("history", ACAI, "--actor", "ana")

    assert actors(by_joao) == [("REGISTER", "cli:João"), ("ARCHIVE", "cli:João")]
    assert "cli:Ana Souza" in by_ana
    assert "cli:João" not in by_ana
    assert "History (1)" in by_ana
    # The limit counts the actor's entries: João's archive is newer, yet Ana's entry shows.
    assert actors(of_padaria_by_ana) == [("REGISTER", "cli:Ana Souza")]
    assert of_acai_by_ana == []


def test_at_80_columns_a_short_actor_still_shows(sqlite_cli: Cli, home: Path) -> None:
    two_people(sqlite_cli, home)
    narrow = as_actor(sqlite_cli, home, "ana", COLUMNS="80")

    printed = narrow("history").stdout

    assert "Who" in printed
    assert "cli:João" in printed
    assert max(len(line.rstrip()) for line in printed.splitlines()) <= 80


def test_an_actor_filter_longer_than_any_actor_is_refused_before_the_store_is_read(
    sqlite_cli: Cli, home: Path
) -> None:
    store = Cli(home, {**sqlite_cli.env, "MCC_STORE": f"sqlite:///{home / 'none' / 'x.db'}"})

    refused = store("history", "--actor", "a" * 301, check=2)

    assert "the actor filter has 301 characters: an actor has at most 300" in refused.stderr
    assert "type a part of it" in refused.stderr
    assert not (home / "none").exists()
