"""Every command's usage line names its arguments as docs/cli.md's heading line does
(``CUSTOMER_ID``, ``CUSTOMER_ID...``, ``[CUSTOMER_ID]``), never as the Python parameter
(``{customer_id}``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from mcclink.cli import app

CLI_DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    subcommands = getattr(command, "commands", {})
    if not subcommands:
        yield " ".join(("mcclink", *path)), command
    for name, sub in subcommands.items():
        yield from _leaves(sub, (*path, name))


def _usage_arguments(command: Any, name: str) -> list[str]:
    """The arguments of ``command``'s usage line, without Typer's braces for a required one."""
    ctx = typer.Context(command, info_name=name)
    pieces = [p for p in command.collect_usage_pieces(ctx) if p != "[OPTIONS]"]
    return [re.sub(r"^\{(.*)\}", r"\1", p) for p in pieces]


def _documented_usage() -> dict[str, str]:
    """docs/cli.md's heading lines: command -> its usage, e.g. ``CUSTOMER_ID... [OPTIONS]``."""
    found = {}
    heading = re.compile(r"^`(mcclink(?: [a-z-]+)*)(?: ([^`]*))?`:", re.MULTILINE)
    for match in heading.finditer(CLI_DOC.read_text(encoding="utf-8")):
        found[match.group(1)] = match.group(2) or ""
    return found


def test_every_usage_line_names_its_arguments_as_the_docs_do() -> None:
    documented = _documented_usage()
    problems = []
    for name, command in _leaves(typer.main.get_command(app)):
        for argument in _usage_arguments(command, name):
            if argument.lower() == argument or argument not in documented.get(name, ""):
                problems.append(
                    f"{name}: usage says {argument!r}, docs/cli.md {documented.get(name)!r}"
                )
    assert not problems, "\n".join(problems)


def test_the_check_sees_the_arguments() -> None:
    usage = _documented_usage()

    assert usage["mcclink links hide"] == "CUSTOMER_ID... [OPTIONS]"
    assert usage["mcclink history"] == "[CUSTOMER_ID] [OPTIONS]"
    command = typer.main.get_command(app)
    leaves = dict(_leaves(command))
    assert _usage_arguments(leaves["mcclink links hide"], "hide") == ["CUSTOMER_ID..."]
    assert _usage_arguments(leaves["mcclink history"], "history") == ["[CUSTOMER_ID]"]
