"""Report periods: a day, an ISO week or a month of the agency's calendar (``MCC_TIMEZONE``).

A period is named as people write it (``2026-11``, ``2026-W47``, ``2026-11-05``) and covers
the instants from its first local midnight up to the next period's: ``start`` and ``end``
are those midnights in UTC, so a day of a daylight-saving change lasts 23 or 25 hours.
Pure values; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from mcclink.errors import InputError

PeriodKind = Literal["day", "week", "month"]

#: The forms ``Period.parse`` reads, quoted in its errors.
FORMS = "a month 2026-11, an ISO week 2026-W47 or a day 2026-11-05"

_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII | re.IGNORECASE)
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


@dataclass(frozen=True)
class Period:
    """One day, ISO week (Monday to Sunday) or calendar month in ``zone``."""

    kind: PeriodKind
    #: The period's first day: the day itself, the week's Monday, the month's 1st.
    first_day: date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.kind == "week" and self.first_day.isoweekday() != 1:
            raise InputError(f"a week starts on a Monday: {self.first_day} is not one")
        if self.kind == "month" and self.first_day.day != 1:
            raise InputError(f"a month starts on its 1st: {self.first_day} is not one")

    @classmethod
    def parse(cls, raw: str, zone: ZoneInfo) -> Period:
        """Read ``2026-11`` (month), ``2026-W47`` (ISO week) or ``2026-11-05`` (day).

        Raises:
            InputError: anything else, or a date that does not exist; the message names
                the value and the accepted forms.
        """
        text = raw.strip() if isinstance(raw, str) else ""
        try:
            if match := _DAY.fullmatch(text):
                year, month, day = map(int, match.groups())
                return cls("day", date(year, month, day), zone)
            if match := _WEEK.fullmatch(text):
                year, week = map(int, match.groups())
                return cls("week", date.fromisocalendar(year, week, 1), zone)
            if match := _MONTH.fullmatch(text):
                year, month = map(int, match.groups())
                return cls("month", date(year, month, 1), zone)
        except ValueError as exc:
            raise InputError(f"invalid period {raw!r} ({exc}): expected {FORMS}") from None
        raise InputError(f"invalid period {raw!r}: expected {FORMS}")

    @classmethod
    def containing(cls, kind: PeriodKind, moment: datetime, zone: ZoneInfo) -> Period:
        """The period of ``kind`` that holds ``moment`` (aware) in ``zone``'s calendar."""
        day = moment.astimezone(zone).date()
        if kind == "week":
            day -= timedelta(days=day.isoweekday() - 1)
        elif kind == "month":
            day = day.replace(day=1)
        return cls(kind, day, zone)

    @property
    def label(self) -> str:
        """The name ``parse`` reads back: ``2026-11``, ``2026-W47`` or ``2026-11-05``."""
        if self.kind == "month":
            return f"{self.first_day:%Y-%m}"
        if self.kind == "week":
            year, week, _ = self.first_day.isocalendar()
            return f"{year:04d}-W{week:02d}"
        return self.first_day.isoformat()

    @property
    def next_day(self) -> date:
        """The first day after the period."""
        if self.kind == "day":
            return self.first_day + timedelta(days=1)
        if self.kind == "week":
            return self.first_day + timedelta(days=7)
        year, month = divmod(self.first_day.month, 12)
        return date(self.first_day.year + year, month + 1, 1)

    @cached_property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return self.midnight(self.first_day)

    @cached_property
    def end(self) -> datetime:
        """The first instant after the period, in UTC."""
        return self.midnight(self.next_day)

    def midnight(self, day: date) -> datetime:
        """The first instant of ``day`` in the period's zone, in UTC. Where a zone skips
        midnight (clocks moved forward at 00:00), that is the day's first existing instant:
        ``zoneinfo`` reads the missing time with the offset in force before the change."""
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)

    def days(self) -> list[date]:
        """Every local day of the period, in order."""
        count = (self.next_day - self.first_day).days
        return [self.first_day + timedelta(days=n) for n in range(count)]

    def local_day(self, moment: datetime) -> date:
        """The local date of the aware instant ``moment`` in the period's zone."""
        return moment.astimezone(self.zone).date()

    def __str__(self) -> str:
        return self.label


def format_day(day: date, locale: str) -> str:
    """A date as the reader of ``locale`` writes it: ``05/11/2026`` in pt-BR, else ISO
    ``2026-11-05``."""
    return f"{day:%d/%m/%Y}" if locale == "pt-BR" else day.isoformat()
