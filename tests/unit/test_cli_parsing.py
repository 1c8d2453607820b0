"""Parsing the CLI's arguments: durations and lists of customer ids."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mcclink.cli._common import parse_ids
from mcclink.domain import parse_duration
from mcclink.errors import InputError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("10m", timedelta(minutes=10)),
        ("24h", timedelta(hours=24)),
        ("1h30m", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
    ],
)
def test_durations_are_read(raw: str, expected: timedelta) -> None:
    assert parse_duration(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "10", "ten minutes", "0s", "5x", "-1m", "\uff11d", "99999999999999999999d"]
)
def test_bad_durations_name_the_expected_form(raw: str) -> None:
    with pytest.raises(InputError, match="duration"):
        parse_duration(raw)


def test_every_bad_id_is_reported_at_once_and_duplicates_collapse() -> None:
    with pytest.raises(InputError) as info:
        parse_ids(["111-222-3333", "abc", "12"])
    assert "'abc'" in str(info.value)
    assert "'12'" in str(info.value)
    assert [c.digits for c in parse_ids(["1112223333", "111-222-3333"])] == ["1112223333"]
