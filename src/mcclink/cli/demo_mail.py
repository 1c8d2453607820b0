"""The demo's mail: one reminder to the advertiser who has not answered, one alert to the
agency, both delivered over SMTP to a local sink the demo starts (``emulator.mailbox``) and
printed as the recipients would read them (headers and the text part, shortened).

The reminder step and the alert's pending age are seconds long (``MCC_REMIND_AT=2s``), so the
demo waits for them in real time: no clock is faked.
"""

from __future__ import annotations

import time
from email.message import EmailMessage
from typing import TYPE_CHECKING

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, utcnow

if TYPE_CHECKING:
    from mcclink.emulator.mailbox import Mailbox

#: How old an invitation is when it is reminded, and when the agency is alerted about it.
AGE = "2s"
AGENCY_TEAM = "equipe@agencia-demo.example"
#: The headers printed, and how much of the text part.
_HEADERS = ("From", "To", "Reply-To", "Subject", "List-Unsubscribe")
_TEXT_LINES = 12
_DELIVERY_S = 10.0


def mail_environment(mailbox: Mailbox) -> dict[str, str]:
    """The settings that send the demo's mail to ``mailbox``: reminders and alerts on."""
    return {
        "MCC_MAIL_URL": mailbox.url,
        "MCC_MAIL_FROM": "Agência Demo <ads@agencia-demo.example>",
        "MCC_AGENCY_NAME": "Agência Demo",
        "MCC_REMIND_AT": AGE,
        "MCC_ALERT_EMAIL": AGENCY_TEAM,
        "MCC_ALERT_PENDING_AGE": AGE,
    }


def remind_and_alert(
    console: Console, container: Container, mailbox: Mailbox, pending: CustomerId
) -> list[EmailMessage]:
    """Once ``pending``'s invitation is ``AGE`` old: one reminder pass and one alert pass
    (what ``mcclink monitor`` does after each cycle), then print what the sink received.

    Returns:
        The messages the sink received.
    """
    from mcclink import alerts
    from mcclink.reminders import due_step, remind, steps_from_env

    client = container.store.get_client(container.mcc, pending)
    assert client is not None
    due_at = due_step(client, 1, steps_from_env(container.environ)).due_at
    wait = (due_at - utcnow()).total_seconds()
    if wait > 0:
        console.print(f"  waiting {wait:.1f} s: the invitation to {pending} becomes {AGE} old")
        time.sleep(wait)
    reminded = remind(container, dry_run=False)
    console.print(f"  mcclink remind: {reminded.count('sent')} reminder(s) sent")
    alerted = alerts.run(container)
    alert_mails = len(alerted.message_ids) if alerted else 0
    console.print(f"  alerts after the pass: {alert_mails} mail(s) to {AGENCY_TEAM}")
    messages = mailbox.wait_for(reminded.count("sent") + alert_mails, timeout=_DELIVERY_S)
    for message in messages:
        console.print(Panel(excerpt(message), title=_title(message), title_align="left"))
    return messages


def excerpt(message: EmailMessage) -> Text:
    """``message``'s headers that matter to its reader and the start of its text part."""
    lines = [f"{name}: {message[name]}" for name in _HEADERS if message[name]]
    body = message.get_body(("plain",))
    text = body.get_content().strip().splitlines() if isinstance(body, EmailMessage) else []
    lines += ["", *text[:_TEXT_LINES]]
    if len(text) > _TEXT_LINES:
        lines.append(f"[… {len(text) - _TEXT_LINES} more lines, and an HTML part]")
    return Text("\n".join(lines))


def _title(message: EmailMessage) -> str:
    to_agency = AGENCY_TEAM in str(message["To"])
    return "Alert to the agency" if to_agency else "Reminder to the advertiser"
