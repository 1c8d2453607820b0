"""Telling the agency: one claim per condition and UTC day, then one mail and one webhook
event per condition (see ``mcclink.alerts``)."""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from mcclink.alerts.conditions import EMAIL_VAR, RESOLVED_EVENT, Alert, AlertKind, AlertSettings
from mcclink.alerts.state import AlertState, Notice, read_state
from mcclink.config import MAIL_URL_VAR
from mcclink.domain import CustomerId, HistoryEntry, Operation, Outcome
from mcclink.errors import ConfigurationError, HistoryEntryExists, MccLinkError, StoreError
from mcclink.ports import Store
from mcclink.serialization import format_timestamp

if TYPE_CHECKING:
    from mcclink.bootstrap import Container
    from mcclink.config import WebhookSettings
    from mcclink.mail import Mailer


@dataclass
class NotifyReport:
    """What one ``notify`` told, and what failed to go out."""

    fired: list[Alert] = field(default_factory=list)
    resolved: list[AlertKind] = field(default_factory=list)
    #: The Message-ID of each mail sent (one per address of ``MCC_ALERT_EMAIL``).
    message_ids: list[str] = field(default_factory=list)
    #: Each send that failed, as ``<channel>: <error>``.
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``alerts`` key of ``mcclink monitor --json``."""
        return {
            "fired": [a.kind.value for a in self.fired],
            "resolved": [k.value for k in self.resolved],
            "message_ids": self.message_ids,
            "errors": self.errors,
        }


def notify(
    store: Store,
    state: AlertState,
    *,
    mailer: Mailer | None,
    webhook: WebhookSettings | None,
    agency: str | None = None,
    actor: str = "mcclink",
) -> NotifyReport:
    """Tell the agency of ``state``'s new alerts and cleared conditions, once per UTC day each.

    Args:
        store: where the claims (``ALERT`` entries under the MCC) are written.
        state: what ``read_state`` found.
        mailer: mails one message to each of ``state.settings.emails`` (None: no mail).
        webhook: gets one ``alert.<kind>`` / ``alert.resolved`` event each (None: none).
        agency: the agency's name, in the mail.
        actor: who tells, recorded in each entry.

    Returns:
        What was claimed and sent. A failed send is recorded (``ALERT`` FAILED) and a claim
        the store failed to write is skipped (the next pass tries it again); both are in
        ``errors``, never raised, so the conditions already claimed still go out.
    """
    report = NotifyReport()
    active = {a.kind for a in state.alerts}
    for alert in state.alerts:
        if _claim(store, state, alert.kind, None, actor, report):
            report.fired.append(alert)
    for kind, notice in state.notices.items():
        unresolved = kind not in active and notice.resolved is None
        if unresolved and _claim(store, state, kind, notice, actor, report):
            report.resolved.append(kind)
    if not (report.fired or report.resolved):
        return report
    if mailer is not None:
        _mail(store, state, report, mailer, agency, actor)
    if webhook is not None:
        _events(store, state, report, webhook, actor)
    return report


def _claim(
    store: Store,
    state: AlertState,
    kind: AlertKind,
    resolves: Notice | None,
    actor: str,
    report: NotifyReport,
) -> bool:
    """Write the claim to tell ``kind`` today (or its resolution); False when taken, or
    when the store failed (noted in ``report``)."""
    day = datetime.combine(state.now.astimezone(UTC).date(), time(), UTC)
    if resolves is None:
        notice = state.notices.get(kind)
        if notice is not None and notice.claim.timestamp >= day:
            return False  # told today already (and maybe resolved since): tomorrow again
        key, at, event = f"{kind}:{day.date()}", day, kind.event
    else:
        key, at, event = f"{kind}:resolves:{resolves.claim.id}", resolves.claim.timestamp, ""
    details = {
        "kind": kind.value,
        "event": event or RESOLVED_EVENT,
        "notified_at": format_timestamp(state.now),
        "claim": uuid.uuid4().hex,
    }
    if resolves is not None:
        details["resolves"] = resolves.claim.id
    entry = HistoryEntry(
        customer_id=state.mcc,
        mcc_customer_id=state.mcc,
        operation=Operation.ALERT,
        outcome=Outcome.SUCCESS,
        actor=actor,
        details=details,
        # The resolution sorts right after the claim it resolves.
        timestamp=at if resolves is None else at + timedelta(microseconds=1),
        id=hashlib.sha256(f"alert:{state.mcc.digits}:{key}".encode()).hexdigest()[:32],
    )
    try:
        store.append_history(entry)
    except HistoryEntryExists:
        return False  # another process claimed it: it tells
    except StoreError as exc:
        report.errors.append(f"store: {kind.value} not claimed: {exc}")
        return False
    return True


def _mail(
    store: Store,
    state: AlertState,
    report: NotifyReport,
    mailer: Mailer,
    agency: str | None,
    actor: str,
) -> None:
    from mcclink.alerts.texts import compose

    for to in state.settings.emails:
        mail = compose(state, report.fired, report.resolved, to=to, agency=agency)
        try:
            report.message_ids.append(mailer.send(mail))
        except MccLinkError as exc:  # MailRejected / MailUnavailable: recorded, not retried
            _failed(store, state, report, "mail", type(exc).__name__, str(exc), actor)


def _events(
    store: Store,
    state: AlertState,
    report: NotifyReport,
    webhook: WebhookSettings,
    actor: str,
) -> None:
    from mcclink.webhooks import send_event

    told: list[tuple[str, dict[str, Any]]] = [
        (a.kind.event, {"alert": a.to_dict()}) for a in report.fired
    ]
    told += [
        (RESOLVED_EVENT, {"resolved": {"kind": k.value, "title": k.heading}})
        for k in report.resolved
    ]
    for event, data in told:
        delivery_id = uuid.uuid4().hex
        body = {
            "delivery_id": delivery_id,
            "event": event,
            "mcc_customer_id": state.mcc.digits,
            "at": format_timestamp(state.now),
            **data,
        }
        answer = send_event(webhook, event, delivery_id, body)
        if not answer.delivered:
            _failed(store, state, report, "webhook", answer.code, answer.error, actor)


def _failed(
    store: Store,
    state: AlertState,
    report: NotifyReport,
    channel: str,
    code: str | None,
    error: str | None,
    actor: str,
) -> None:
    report.errors.append(f"{channel}: {error}")
    kinds = [a.kind.value for a in report.fired] + [k.value for k in report.resolved]
    with contextlib.suppress(StoreError):  # the failure is in the report either way
        store.append_history(
            HistoryEntry(
                customer_id=state.mcc,
                mcc_customer_id=state.mcc,
                operation=Operation.ALERT,
                outcome=Outcome.FAILED,
                error_code=code,
                error_message=error,
                actor=actor,
                details={"channel": channel, "kinds": ",".join(kinds)},
                timestamp=state.now,
            )
        )


def check_settings(container: Container) -> AlertSettings:
    """The alert settings, checked with what they need (mail for ``MCC_ALERT_EMAIL``).

    Raises:
        ConfigurationError: every problem, each naming its setting.
    """
    environ = container.environ
    problems = []
    if environ.get(EMAIL_VAR, "").strip() and not environ.get(MAIL_URL_VAR, "").strip():
        problems.append(
            f"{EMAIL_VAR} is set but {MAIL_URL_VAR} is not: set {MAIL_URL_VAR} (e.g. "
            f"smtp://user:pass@smtp.example.com:587) so alerts can be mailed, or unset {EMAIL_VAR}"
        )
    try:
        settings = AlertSettings.from_env(environ)
    except ConfigurationError as exc:
        problems = [*exc.problems, *problems]
    if problems:
        raise ConfigurationError(problems)
    return settings


def run(
    container: Container,
    *,
    mcc: CustomerId | None = None,
    now: datetime | None = None,
    actor: str | None = None,
) -> NotifyReport | None:
    """Assess ``mcc`` (default: the container's) and tell the agency, recorded as ``actor``
    (default: the container's); None when nobody is to be told (neither ``MCC_ALERT_EMAIL``
    nor ``MCC_WEBHOOK_URL`` is set).

    Raises:
        ConfigurationError: the alert, mail or webhook settings are malformed.
        StoreError: the store could not be read.
    """
    settings = check_settings(container)
    webhook = container.settings.webhook
    if not settings.emails and webhook is None:
        return None
    state = read_state(container.store, mcc or container.mcc, settings=settings, now=now)
    return notify(
        container.store,
        state,
        mailer=container.mailer if settings.emails else None,
        webhook=webhook,
        agency=container.settings.agency_name,
        actor=actor or container.actor,
    )
