"""The README and docs/ stay true: links resolve, every CLI option is documented (and no
option that does not exist), the README stays a newcomer's page, and the SQLite backup
command it points to really backs up a store in WAL mode."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import typer

from mcclink.cli import app
from mcclink.domain import CustomerId
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService, Registration

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CLI_DOC = DOCS / "cli.md"
PAGES = [README, *sorted(DOCS.glob("*.md"))]

_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^(#{1,6}) (.+)$", re.MULTILINE)


def _prose(text: str) -> str:
    """The text outside fenced code blocks."""
    return _FENCE.sub("", text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in {"L", "N"})
    return kept.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for match in _HEADING.finditer(_prose(page.read_text(encoding="utf-8"))):
        slug = _slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _relative_links(page: Path) -> list[str]:
    text = _CODE_SPAN.sub("", _prose(page.read_text(encoding="utf-8")))
    return [t for t in _LINK.findall(text) if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in _relative_links(page):
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{target}: no heading with that anchor in {resolved.name}")
    assert not broken, f"{page.relative_to(ROOT)}: broken links: {broken}"


def test_the_readme_is_a_newcomers_page_with_its_contents_listed() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200, "move reference material to docs/, keep the README short"
    opening = text.split("```")[1]
    assert "make demo" in opening
    assert "make test" in opening
    contents = text.split("## Contents", 1)[1].split("\n## ", 1)[0]
    sections = [m.group(2) for m in _HEADING.finditer(_prose(text)) if m.group(1) == "##"]
    missing = [s for s in sections if s != "Contents" and f"(#{_slug(s)})" not in contents]
    assert not missing, f"sections not in the README's contents: {missing}"


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    linked = {(README.parent / t.partition("#")[0]).resolve() for t in _relative_links(README)}
    orphans = [p.name for p in DOCS.glob("*.md") if p.resolve() not in linked]
    assert not orphans, f"docs pages the README's 'Where to go next' does not list: {orphans}"


def _commands(command: Any, path: tuple[str, ...] = ()) -> dict[str, set[str]]:
    """The root, every leaf command of the Typer app and every group that runs without a
    subcommand (``mcclink remind``) -> its option names."""
    found = {}
    if not path or not hasattr(command, "commands") or command.invoke_without_command:
        found[" ".join(("mcclink", *path))] = {
            name
            for param in command.params
            if param.param_type_name == "option"
            for name in (*param.opts, *param.secondary_opts)
        }
    for name, sub in getattr(command, "commands", {}).items():
        found.update(_commands(sub, (*path, name)))
    return found


def _documented_commands() -> dict[str, set[str]]:
    """docs/cli.md's "Every command and option": each ### heading -> options in its table."""
    text = CLI_DOC.read_text(encoding="utf-8")
    section = text.split("## Every command and option", 1)[1].split("\n## ", 1)[0]
    documented = {}
    for block in section.split("\n### ")[1:]:
        heading, _, body = block.partition("\n")
        rows = "\n".join(line for line in body.splitlines() if line.startswith("| `"))
        first_cells = [row.split("|")[1] for row in rows.splitlines()]
        documented[heading.strip()] = set(re.findall(r"`(--?[\w-]+)`", " ".join(first_cells)))
    return documented


def test_the_cli_reference_documents_every_command_and_option_that_exists() -> None:
    actual = _commands(typer.main.get_command(app))
    documented = _documented_commands()
    problems = [f"{name}: not in docs/cli.md" for name in actual.keys() - documented.keys()]
    problems += [f"{name}: no such command" for name in documented.keys() - actual.keys()]
    for name in actual.keys() & documented.keys():
        for option in sorted(actual[name] - documented[name]):
            problems.append(f"{name} {option}: exists, not documented under '### {name}'")
        for option in sorted(documented[name] - actual[name]):
            problems.append(f"{name} {option}: documented, but its --help has no such option")
    assert not problems, "docs/cli.md and the CLI disagree:\n" + "\n".join(problems)


def _backup_program() -> str:
    """The Python program of the backup command docs/store.md gives."""
    text = (DOCS / "store.md").read_text(encoding="utf-8")
    section = text.split("### Backing up the SQLite store", 1)[1]
    match = re.search(r"python3 -c '([^']+)'", section)
    assert match, "docs/store.md gives no `python3 -c '...'` backup command"
    return match.group(1)


def test_the_documented_backup_copies_what_a_copy_of_the_db_file_alone_misses(
    tmp_path: Path, store: Store, service: GoogleAdsMCCService
) -> None:
    db = tmp_path / "mcclink.db"
    with sqlite3.connect(db) as probe:
        assert probe.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    mcc = CustomerId.parse("123-456-7890")
    service.register(mcc, Registration(CustomerId.parse("111-222-3333"), "Padaria Sol"))
    service.register(mcc, Registration(CustomerId.parse("444-555-6666"), "Lua Doces"))

    shutil.copyfile(db, tmp_path / "copy.db")  # the store is still open: its writes are in -wal
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
        copied = copy.execute("SELECT COUNT(*) FROM Clients").fetchone()[0] if tables else 0
    assert copied < 2, "the premise: a copy of the .db alone misses writes still in the WAL"

    backup = tmp_path / "backup.db"
    subprocess.run([sys.executable, "-c", _backup_program(), str(db), str(backup)], check=True)
    with sqlite3.connect(backup) as restored:
        assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = {row[0] for row in restored.execute("SELECT name FROM Clients")}
    assert names == {"Padaria Sol", "Lua Doces"}
