"""#16: docs/web-api.md's "Who acted" table lists the actors mcclink records, each with an
example the code writes; nothing records a bare ``monitor``, so no page offers it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from mcclink.bootstrap import Container
from mcclink.domain import utcnow
from mcclink.staff import Role, mint_token
from mcclink.web.background import WebhookWorker

ROOT = Path(__file__).parents[2]
DOC = (ROOT / "docs" / "web-api.md").read_text(encoding="utf-8")
HISTORY_PAGE = (ROOT / "src" / "mcclink" / "web" / "templates" / "history.html").read_text(
    encoding="utf-8"
)


def who_acted() -> dict[str, list[str]]:
    """Each row's actor form and the examples of its last cell."""
    section = DOC.split("### Who acted", 1)[1].split("\n\n")[2]
    rows = [line.split(" | ") for line in section.splitlines()[2:]]
    return {row[0].strip("| `"): re.findall(r"`([^`]+)`", row[-1]) for row in rows}


def test_every_actor_form_is_listed_with_an_example_of_its_shape() -> None:
    table = who_acted()

    assert list(table) == [
        "user:<email>",
        "token:<name> (<owner>)",
        "break-glass:<address>",
        "cli:<user>",
        "lambda:<function>",
        "advertiser:<email>",
        "web",
        "demo`, `script",
    ]
    assert all(table.values())
    for form in (f for f in table if "<" in f):
        prefix = form.split("<", 1)[0]
        assert all(example.startswith(prefix) for example in table[form]), form


def test_the_examples_are_what_the_code_records() -> None:
    examples = {e for found in who_acted().values() for e in found}
    _, token = mint_token("cron", Role.VIEWER, "cli:ana", utcnow())

    assert Container(environ={"MCCLINK_ACTOR": "ana"}).actor in examples
    assert token.actor in examples
    assert inspect.signature(WebhookWorker).parameters["actor"].default in examples


def test_no_page_offers_monitor_as_an_actor() -> None:
    assert "`monitor` the monitor" not in DOC
    assert "actor=monitor" not in DOC
    assert "token:ci, lambda:" in HISTORY_PAGE
    assert ", monitor" not in HISTORY_PAGE
