"""The conditions the agency is told about, their settings, and ``assess``, which finds them
in one MCC's clients and history (pure)."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from mcclink.domain import (
    Client,
    HistoryEntry,
    LinkStatus,
    Operation,
    Outcome,
    is_email_address,
    parse_duration,
)
from mcclink.errors import ConfigurationError, InputError
from mcclink.outcomes import InvitationOutcomes, errors_by_code

EMAIL_VAR = "MCC_ALERT_EMAIL"
PENDING_AGE_VAR = "MCC_ALERT_PENDING_AGE"
REFUSAL_RATE_VAR = "MCC_ALERT_REFUSAL_RATE"
REFUSAL_WINDOW_VAR = "MCC_ALERT_REFUSAL_WINDOW"
#: Failures older than this raise no alert any more.
ERROR_WINDOW = timedelta(hours=24)
#: A receiver whose last this-many deliveries failed "keeps failing".
WEBHOOK_FAILURES = 3
#: Monitor runs closer than this are not taken for its interval (someone ran it by hand).
MIN_MONITOR_INTERVAL = timedelta(minutes=1)
#: At most this many lines (clients, error codes) under one alert.
MAX_LINES = 20
RESOLVED_EVENT = "alert.resolved"

_T = TypeVar("_T")


class AlertKind(StrEnum):
    """A condition the agency is told about; ``alert.<value>`` is its webhook event."""

    PENDING_OVERDUE = "pending_overdue"
    REFUSAL_RATE = "refusal_rate"
    PERMISSION_ERRORS = "permission_errors"
    API_FAILURES = "api_failures"
    MONITOR_STALE = "monitor_stale"
    WEBHOOK_FAILING = "webhook_failing"

    @property
    def event(self) -> str:
        """The ``X-Mcclink-Event`` of this alert's webhook delivery."""
        return f"alert.{self.value}"

    @property
    def heading(self) -> str:
        """The condition in a few words (mail subjects, the dashboard)."""
        return _TITLES[self]


_TITLES: Mapping[AlertKind, str] = MappingProxyType(
    {
        AlertKind.PENDING_OVERDUE: "Invitations pending too long",
        AlertKind.REFUSAL_RATE: "High refusal rate",
        AlertKind.PERMISSION_ERRORS: "Permission errors",
        AlertKind.API_FAILURES: "Google Ads API failures",
        AlertKind.MONITOR_STALE: "Monitor not running",
        AlertKind.WEBHOOK_FAILING: "Webhook receiver failing",
    }
)


@dataclass(frozen=True)
class AlertSettings:
    """Who is told, and the thresholds (``MCC_ALERT_*``)."""

    emails: tuple[str, ...] = ()
    pending_age: timedelta = timedelta(hours=48)
    refusal_rate: float = 0.5
    refusal_window: int = 10

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> AlertSettings:
        """Read the settings; unset ones take their defaults.

        Raises:
            ConfigurationError: every malformed setting, named, with its fix.
        """
        problems: list[str] = []
        default = cls()
        emails = _emails(environ.get(EMAIL_VAR, ""), problems)
        age = _setting(environ, PENDING_AGE_VAR, parse_duration, default.pending_age, problems)
        rate = _setting(environ, REFUSAL_RATE_VAR, _rate, default.refusal_rate, problems)
        window = _setting(environ, REFUSAL_WINDOW_VAR, _window, default.refusal_window, problems)
        if problems:
            raise ConfigurationError(problems)
        return cls(emails, age, rate, window)

    def to_dict(self) -> dict[str, Any]:
        """The settings as the API, ``mcclink alerts --json`` and the dashboard show them."""
        return {
            "emails": list(self.emails),
            "pending_age_s": self.pending_age.total_seconds(),
            "refusal_rate": self.refusal_rate,
            "refusal_window": self.refusal_window,
        }


def _emails(raw: str, problems: list[str]) -> tuple[str, ...]:
    emails = tuple(part.strip() for part in raw.split(",") if part.strip())
    bad = [e for e in emails if not is_email_address(e)]
    if bad:
        problems.append(
            f"{EMAIL_VAR} holds {', '.join(repr(e[:80]) for e in bad)}: expected e-mail "
            "addresses separated by commas, e.g. ops@agency.example,ana@agency.example"
        )
    return emails


def _setting(
    environ: Mapping[str, str],
    var: str,
    parse: Callable[[str], _T],
    default: _T,
    problems: list[str],
) -> _T:
    raw = environ.get(var, "").strip()
    if not raw:
        return default
    try:
        return parse(raw)
    except InputError as exc:
        problems.append(f"{var} {raw[:80]!r}: {exc}")
        return default


def _rate(raw: str) -> float:
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 0 <= rate < 1:
        raise InputError(
            "expected the share of refusals above which to alert, from 0 to 0.99 (e.g. 0.5)"
        )
    return rate


def _window(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 1000):
        raise InputError("expected how many of the last answers to count, from 1 to 1000 (e.g. 10)")
    return int(raw)


@dataclass(frozen=True)
class Alert:
    """One condition that holds now."""

    kind: AlertKind
    summary: str
    lines: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The alert as JSON (API, CLI, webhook body)."""
        return {
            "kind": self.kind.value,
            "event": self.kind.event,
            "title": self.kind.heading,
            "summary": self.summary,
            "lines": list(self.lines),
        }


def assess(
    clients: Iterable[Client],
    history: Sequence[HistoryEntry],
    now: datetime,
    settings: AlertSettings,
) -> list[Alert]:
    """The conditions that hold for one MCC's ``clients`` and ``history`` (oldest first)."""
    found = [
        _pending(clients, now, settings.pending_age),
        _refusals(history, settings),
        *_failures(history, now),
        _monitor(history, now),
        _webhook(history, now),
    ]
    return [alert for alert in found if alert is not None]


def _pending(clients: Iterable[Client], now: datetime, age: timedelta) -> Alert | None:
    overdue = [
        c
        for c in clients
        if c.status is LinkStatus.PENDING and c.invited_at is not None and now - c.invited_at > age
    ]
    if not overdue:
        return None
    lines = [f"{c.customer_id} {c.name}: invited {_minute(c.invited_at)}" for c in overdue]
    summary = f"{len(overdue)} invitation(s) pending for more than {span(age)}"
    return Alert(AlertKind.PENDING_OVERDUE, summary, _capped(lines))


def _refusals(history: Sequence[HistoryEntry], settings: AlertSettings) -> Alert | None:
    answers = InvitationOutcomes.of(history).answers[-settings.refusal_window :]
    if not answers:
        return None
    refused = answers.count(False)
    if refused / len(answers) <= settings.refusal_rate:
        return None
    summary = (
        f"high refusal rate: {refused} of the last {len(answers)} answer(s) refused "
        f"({refused / len(answers):.0%}; the threshold is {settings.refusal_rate:.0%})"
    )
    return Alert(AlertKind.REFUSAL_RATE, summary)


def _failures(history: Sequence[HistoryEntry], now: datetime) -> list[Alert]:
    codes = errors_by_code(e for e in history if now - e.timestamp <= ERROR_WINDOW)
    permission = {code: n for code, n in codes.items() if "PERMISSION" in code}
    other = {code: n for code, n in codes.items() if code not in permission}
    found = []
    if permission:
        found.append(
            Alert(
                AlertKind.PERMISSION_ERRORS,
                f"{sum(permission.values())} permission error(s) in the last 24 h: check the "
                "login customer id and that the MCC manages these accounts",
                tuple(f"{code}: {n}" for code, n in permission.items()),
            )
        )
    if other:
        found.append(
            Alert(
                AlertKind.API_FAILURES,
                f"{sum(other.values())} failed Google Ads operation(s) in the last 24 h",
                tuple(f"{code}: {n}" for code, n in other.items()),
            )
        )
    return found


def _monitor(history: Sequence[HistoryEntry], now: datetime) -> Alert | None:
    runs = [e.timestamp for e in history if e.operation is Operation.MONITOR][-6:]
    gaps = [b - a for a, b in itertools.pairwise(runs) if b - a >= MIN_MONITOR_INTERVAL]
    if not gaps:
        return None
    interval = statistics.median_low(gaps)
    if now - runs[-1] <= 2 * interval:
        return None
    summary = (
        f"the monitor has not run for {span(now - runs[-1])} (it ran every {span(interval)}; "
        f"last cycle {_minute(runs[-1])})"
    )
    return Alert(AlertKind.MONITOR_STALE, summary)


def _webhook(history: Sequence[HistoryEntry], now: datetime) -> Alert | None:
    attempts = [
        e for e in history if e.operation is Operation.WEBHOOK and now - e.timestamp <= ERROR_WINDOW
    ][-WEBHOOK_FAILURES:]
    if len(attempts) < WEBHOOK_FAILURES or any(a.outcome is Outcome.SUCCESS for a in attempts):
        return None
    last = attempts[-1]
    summary = f"the webhook receiver failed its last {len(attempts)} deliveries"
    return Alert(AlertKind.WEBHOOK_FAILING, summary, (last.error_message or "no answer",))


def span(delta: timedelta) -> str:
    """A duration for people: whole days from 3 days up (``7 d``), else whole hours
    (``48 h``) or minutes (``90 min``); otherwise hours to one decimal past an hour
    (``1.5 h``), minutes past 10 minutes, seconds below."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0 and not (unit == "d" and seconds < 3 * size):
            return f"{seconds // size} {unit}"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds} s" if seconds < 600 else f"{seconds // 60} min"


def _minute(moment: datetime | None) -> str:
    return "?" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _capped(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_LINES:
        return tuple(lines)
    return (*lines[:MAX_LINES], f"... and {len(lines) - MAX_LINES} more")
