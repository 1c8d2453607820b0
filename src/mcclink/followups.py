"""What follows every monitor cycle, wherever the cycle runs (``mcclink monitor``, the
dashboard's "Run monitor now", ``POST /api/v1/monitor/run``, the Lambda,
``scripts/monitor_mcc_status.py``): one reminder pass when mail is configured
(``MCC_MAIL_URL``), then one alert pass when someone is to be told (``MCC_ALERT_EMAIL`` or
``MCC_WEBHOOK_URL``). One function, so the paths cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mcclink.alerts import AlertSettings, NotifyReport
from mcclink.alerts import check_settings as check_alert_settings
from mcclink.alerts import run as run_alerts
from mcclink.config import check_all
from mcclink.domain import CustomerId
from mcclink.errors import MccLinkError
from mcclink.reminders import RemindReport, remind, remind_settings

if TYPE_CHECKING:
    from mcclink.bootstrap import Container

#: Why a cycle's reminder pass was left out: its sync failed.
SYNC_FAILED = "not run: the MCC's sync failed"


@dataclass(frozen=True)
class FollowUps:
    """What a cycle's follow-ups did; a pass that could not run keeps its error instead."""

    #: None: mail is not configured, or the pass did not run (see ``reminders_error``).
    reminders: RemindReport | None = None
    #: None: nobody is to be told, or the pass did not run (see ``alerts_error``).
    alerts: NotifyReport | None = None
    reminders_error: str | None = None
    alerts_error: str | None = None
    #: The first pass's exception (a caller that fails on it re-raises this one).
    failure: MccLinkError | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reminders": None if self.reminders is None else self.reminders.to_dict(),
            "alerts": None if self.alerts is None else self.alerts.to_dict(),
            "reminders_error": self.reminders_error,
            "alerts_error": self.alerts_error,
        }


def check_settings(container: Container, mcc: CustomerId | None = None) -> AlertSettings:
    """The follow-ups' settings, checked before a first cycle: with mail configured the
    reminder settings (``MCC_REMIND_AT``, ``MCC_PUBLIC_URL``, ...), and the alert settings.

    Raises:
        ConfigurationError: every problem at once, each naming its setting.
    """

    def reminding() -> None:
        if container.settings.mail is not None:
            remind_settings(container, mcc)

    check_all(reminding, lambda: check_alert_settings(container))
    return check_alert_settings(container)


def follow_up(
    container: Container,
    *,
    mcc: CustomerId | None = None,
    sync_failed: bool = False,
    now: datetime | None = None,
    actor: str | None = None,
) -> FollowUps:
    """The reminder pass, then the alert pass, for ``mcc`` (default: the container's), as
    ``actor`` in history (default: the container's; the web server's request's principal).

    No reminder goes out after a failed sync (statuses may be stale: an advertiser who just
    accepted would be reminded); the alert pass runs whatever failed before it (Google Ads
    failures and a mail server that is down are what the agency must hear of).
    """
    reminded: RemindReport | None = None
    reminders_error: str | None = None
    failure: MccLinkError | None = None
    if container.settings.mail is not None:
        if sync_failed:
            reminders_error = SYNC_FAILED
        else:
            try:
                reminded = remind(container, dry_run=False, now=now, mcc=mcc, actor=actor)
            except MccLinkError as exc:
                reminders_error, failure = str(exc), exc
    told: NotifyReport | None = None
    alerts_error: str | None = None
    try:
        told = run_alerts(container, mcc=mcc, now=now, actor=actor)
    except MccLinkError as exc:
        alerts_error, failure = str(exc), failure or exc
    return FollowUps(reminded, told, reminders_error, alerts_error, failure)
