"""#16: history tables name who acted; on a narrow terminal that column goes after the
customer id and the outcome, before the statuses, so error codes stay whole."""

from __future__ import annotations

import pytest

from mcclink.cli._common import history_table
from tests.unit.test_cli_output import entry, render

TOKEN = "token:ci (ana.souza@agencia.com.br)"


def test_a_wide_table_names_every_actor_whole() -> None:
    printed = render(history_table([entry(actor=TOKEN), entry(None, actor="cli:ana")]), 200)

    assert "Who" in printed
    assert TOKEN in printed
    assert "cli:ana" in printed


@pytest.mark.parametrize(
    ("code", "actor", "who", "statuses"),
    [
        (None, "cli:ana", True, True),
        ("ManagerLinkError.TOO_MANY_MANAGERS", TOKEN, False, True),
        ("AuthorizationError.INVALID_CUSTOMER_ID_FOR_LOGIN_CUSTOMER_ID", "cli:ana", False, False),
    ],
)
def test_at_80_columns_who_goes_after_the_outcome_and_before_the_statuses(
    code: str | None, actor: str, who: bool, statuses: bool
) -> None:
    printed = render(history_table([entry(code, actor=actor)]), 80)

    assert "111-222-3333" not in printed
    assert ("SUCCESS" in printed or "FAILED" in printed) is False
    assert ("Who" in printed) is who
    assert ("NOT_LINKED" in printed) is statuses
    assert max(len(line.rstrip()) for line in printed.splitlines()) <= 80


def test_an_actor_is_printed_as_written_never_as_markup_or_escape_sequences() -> None:
    printed = render(history_table([entry(None, actor="cli:[bold]ana\x1b[2J")]), 200)

    assert "cli:[bold]ana\\x1b[2J" in printed
