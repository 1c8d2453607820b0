"""Alerts to the agency: what needs a person, mailed to ``MCC_ALERT_EMAIL`` and posted to the
webhook receiver as an ``alert.<kind>`` event.

The conditions (``assess``, a pure function of one MCC's clients and history):

    pending_overdue    invitations pending longer than MCC_ALERT_PENDING_AGE (48h)
    refusal_rate       more than MCC_ALERT_REFUSAL_RATE (0.5) of the last
                       MCC_ALERT_REFUSAL_WINDOW (10) answers were refusals
    permission_errors  Google Ads refused a call for permission in the last 24 h
    api_failures       other failed Google Ads calls in the last 24 h (failed cycles included)
    monitor_stale      no monitor cycle for two of its intervals (read from its last runs)
    webhook_failing    the webhook receiver failed its last 3 deliveries of the last 24 h

``notify`` tells each condition at most once per MCC and UTC day, and sends a "resolved" note
once when a notified condition clears. The claim is a history entry (``ALERT``) under the MCC
itself with an id and a time that follow from (MCC, condition, day): of several monitors
claiming it, the store lets one write it (``HistoryEntryExists`` for the others), and only
that one sends. The claim is written before sending, so a crash in between loses that day's
alert rather than sending it twice; a send that fails is recorded (``ALERT`` FAILED) and not
retried. Several conditions claimed at once go out as one mail (a digest); each condition is
its own webhook event.
"""

from __future__ import annotations

from mcclink.alerts.conditions import (
    EMAIL_VAR,
    PENDING_AGE_VAR,
    REFUSAL_RATE_VAR,
    REFUSAL_WINDOW_VAR,
    RESOLVED_EVENT,
    Alert,
    AlertKind,
    AlertSettings,
    assess,
    span,
)
from mcclink.alerts.notify import NotifyReport, check_settings, notify, run
from mcclink.alerts.state import AlertState, Notice, evaluate, notices, read_state

__all__ = [
    "EMAIL_VAR",
    "PENDING_AGE_VAR",
    "REFUSAL_RATE_VAR",
    "REFUSAL_WINDOW_VAR",
    "RESOLVED_EVENT",
    "Alert",
    "AlertKind",
    "AlertSettings",
    "AlertState",
    "Notice",
    "NotifyReport",
    "assess",
    "check_settings",
    "evaluate",
    "notices",
    "notify",
    "read_state",
    "run",
    "span",
]
