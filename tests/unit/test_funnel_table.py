"""The onboarding links' table (``mcclink onboard list``, the demo's "The link's funnel")
keeps its headers and values whole at 80 columns, and drops columns rather than folding
words when narrower."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from mcclink.cli.onboard import links_table
from mcclink.domain import CustomerId
from mcclink.onboarding import OnboardingLink

NOW = datetime(2026, 11, 29, 3, 4, tzinfo=UTC)
LINKS = [
    OnboardingLink(
        id="q3JxV0mN8bTz2WcA",  # a real id's length: 16 characters
        mcc_customer_id=CustomerId.parse("123-456-7890"),
        customer_id=account,
        secret_hash="0" * 64,
        created_at=NOW,
        expires_at=NOW + timedelta(days=14),
        created_by="cli:ana",
        revoked_at=revoked,
        opened=12,
        signed_in=9,
        accepted=7,
    )
    for account, revoked in ((None, None), (CustomerId.parse("111-222-3333"), NOW))
]


def words_at(width: int) -> tuple[set[str], int]:
    written = io.StringIO()
    Console(file=written, width=width, color_system=None).print(
        links_table(LINKS, NOW, "The link's funnel")
    )
    lines = written.getvalue().splitlines()
    return {word for line in lines for word in line.split()}, max(map(len, lines))


def test_at_80_columns_every_header_and_value_is_whole() -> None:
    words, widest = words_at(80)

    assert widest <= 80
    assert {"ID", "Account", "State", "Expires", "Opened", "Signed", "in", "Accepted"} <= words
    assert {"q3JxV0mN8bTz2WcA", "111-222-3333", "revoked", "2026-12-13", "12", "9", "7"} <= words


@pytest.mark.parametrize("width", [60, 70])
def test_narrower_the_expiry_goes_before_a_word_is_folded(width: int) -> None:
    words, widest = words_at(width)

    assert widest <= width
    assert {"Opened", "Signed", "Accepted", "q3JxV0mN8bTz2WcA", "111-222-3333"} <= words
    assert "Expires" not in words
