"""Report periods: the forms people write, the agency's calendar, month ends and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mcclink.config import Settings
from mcclink.errors import ConfigurationError, InputError
from mcclink.reports.periods import FORMS, Period, format_day

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("raw", "kind", "first", "next_day"),
    [
        ("2026-11", "month", date(2026, 11, 1), date(2026, 12, 1)),
        ("2026-12", "month", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-02", "month", date(2026, 2, 1), date(2026, 3, 1)),
        ("2028-02", "month", date(2028, 2, 1), date(2028, 3, 1)),
        ("2026-W47", "week", date(2026, 11, 16), date(2026, 11, 23)),
        ("2026-w01", "week", date(2025, 12, 29), date(2026, 1, 5)),
        ("2026-W53", "week", date(2026, 12, 28), date(2027, 1, 4)),
        ("2026-11-05", "day", date(2026, 11, 5), date(2026, 11, 6)),
        (" 2026-12-31 ", "day", date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_a_period_is_read_from_its_label(raw: str, kind: str, first: date, next_day: date) -> None:
    period = Period.parse(raw, SAO_PAULO)

    assert (period.kind, period.first_day, period.next_day) == (kind, first, next_day)
    assert period.days() == [first + timedelta(days=n) for n in range((next_day - first).days)]
    assert Period.parse(period.label, SAO_PAULO) == period
    assert str(period) == period.label == raw.strip().upper()


def test_month_ends_count_their_days() -> None:
    assert len(Period.parse("2026-02", SAO_PAULO).days()) == 28
    assert len(Period.parse("2028-02", SAO_PAULO).days()) == 29
    assert len(Period.parse("2026-04", SAO_PAULO).days()) == 30
    assert Period.parse("2026-12", SAO_PAULO).days()[-1] == date(2026, 12, 31)


@pytest.mark.parametrize(
    "raw", ["2026-13", "2026-00", "2026-02-30", "2026-W54", "2027-W53", "2026-W00", "0000-01"]
)
def test_a_date_that_does_not_exist_is_refused_with_the_forms(raw: str) -> None:
    with pytest.raises(InputError) as caught:
        Period.parse(raw, SAO_PAULO)

    assert repr(raw) in str(caught.value)
    assert FORMS in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "nov",
        "2026/11",
        "11-2026",
        "2026-11-5",
        "2026-W4",
        "\u0662\u0660\u0662\u0666-\u0661\u0661",
    ],
)
def test_other_text_is_refused_with_the_forms(raw: str) -> None:
    with pytest.raises(InputError, match="expected a month 2026-11, an ISO week 2026-W47"):
        Period.parse(raw, SAO_PAULO)


def test_a_week_starts_on_monday_and_a_month_on_its_first() -> None:
    with pytest.raises(InputError, match="a week starts on a Monday"):
        Period("week", date(2026, 11, 17), SAO_PAULO)
    with pytest.raises(InputError, match="starts on its 1st"):
        Period("month", date(2026, 11, 2), SAO_PAULO)


def test_start_and_end_are_the_agency_s_midnights_in_utc() -> None:
    november = Period.parse("2026-11", SAO_PAULO)  # UTC-3, no daylight saving since 2019

    assert november.start == datetime(2026, 11, 1, 3, tzinfo=UTC)
    assert november.end == datetime(2026, 12, 1, 3, tzinfo=UTC)
    # 01:00 UTC on Nov 2 is still Nov 1 in Sao Paulo.
    assert november.local_day(datetime(2026, 11, 2, 1, tzinfo=UTC)) == date(2026, 11, 1)


def test_days_of_a_daylight_saving_change_last_23_and_25_hours() -> None:
    spring = Period.parse("2026-03-08", NEW_YORK)  # clocks forward at 02:00
    autumn = Period.parse("2026-11-01", NEW_YORK)  # clocks back at 02:00

    assert spring.end - spring.start == timedelta(hours=23)
    assert autumn.end - autumn.start == timedelta(hours=25)
    march = Period.parse("2026-03", NEW_YORK)
    assert march.start == datetime(2026, 3, 1, 5, tzinfo=UTC)  # EST, UTC-5
    assert march.end == datetime(2026, 4, 1, 4, tzinfo=UTC)  # EDT, UTC-4
    assert march.end - march.start == timedelta(days=31, hours=-1)


def test_a_day_whose_midnight_was_skipped_starts_at_its_first_instant() -> None:
    # Brazil's daylight saving began at 00:00 on 2018-11-04: clocks went from 23:59:59
    # (UTC-3) to 01:00 (UTC-2).
    skipped = Period.parse("2018-11-04", SAO_PAULO)

    assert skipped.start == datetime(2018, 11, 4, 3, tzinfo=UTC)  # 01:00 local, UTC-2
    assert skipped.end - skipped.start == timedelta(hours=23)
    assert Period.parse("2018-11-03", SAO_PAULO).end == skipped.start


def test_the_period_containing_a_moment_is_read_in_the_zone() -> None:
    late_sunday = datetime(2026, 11, 23, 2, tzinfo=UTC)  # Sunday Nov 22, 23:00 in Sao Paulo

    assert Period.containing("day", late_sunday, SAO_PAULO).label == "2026-11-22"
    assert Period.containing("week", late_sunday, SAO_PAULO).label == "2026-W47"
    assert Period.containing("month", late_sunday, SAO_PAULO).label == "2026-11"
    assert Period.containing("day", late_sunday, ZoneInfo("UTC")).label == "2026-11-23"


def test_dates_print_as_the_locale_writes_them() -> None:
    assert format_day(date(2026, 11, 5), "pt-BR") == "05/11/2026"
    assert format_day(date(2026, 11, 5), "en") == "2026-11-05"


def test_the_agency_s_zone_defaults_to_sao_paulo_and_is_checked() -> None:
    assert Settings.from_env({}).time_zone == SAO_PAULO
    assert Settings.from_env({"MCC_TIMEZONE": " Europe/Lisbon "}).time_zone == ZoneInfo(
        "Europe/Lisbon"
    )
    for bad in ("Mars/Olympus", "../etc/passwd", "/etc/localtime", "utc", "America"):
        with pytest.raises(ConfigurationError) as caught:
            Settings.from_env({"MCC_TIMEZONE": bad}).time_zone  # noqa: B018
        assert f"MCC_TIMEZONE {bad!r} is not a time zone" in str(caught.value)
        assert "America/Sao_Paulo" in str(caught.value)
