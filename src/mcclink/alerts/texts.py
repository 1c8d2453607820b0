"""The agency's alert mail (English), plain text and HTML, from standard-library templates.

One mail per pass: a single alert or resolution gets its own subject; several make a digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from string import Template

from mcclink.alerts.conditions import Alert, AlertKind
from mcclink.alerts.state import AlertState
from mcclink.mail import Mail

TEXT = Template(
    """Alerts for the manager account (MCC) $mcc$agency, checked $checked.
$sections
Each condition is mailed at most once a day, and once more when it clears.
`mcclink alerts` and the dashboard show the current ones.
"""
)
HTML = Template(
    """<!doctype html>
<html lang="en"><body style="font-family: sans-serif">
<p>Alerts for the manager account (MCC) <b>$mcc</b>$agency, checked $checked.</p>
$sections
<p style="color: #555">Each condition is mailed at most once a day, and once more when it
clears. <code>mcclink alerts</code> and the dashboard show the current ones.</p>
</body></html>
"""
)


def subject(mcc: str, fired: Sequence[Alert], resolved: Sequence[AlertKind]) -> str:
    """The subject: the one alert or resolution, or how many a digest holds."""
    if len(fired) + len(resolved) > 1:
        parts = [f"{len(fired)} alert(s)"] if fired else []
        parts += [f"{len(resolved)} resolved"] if resolved else []
        return f"[mcclink] MCC {mcc}: {', '.join(parts)}"
    if fired:
        return f"[mcclink] MCC {mcc}: {fired[0].kind.heading}"
    return f"[mcclink] MCC {mcc}: resolved: {resolved[0].heading}"


def compose(
    state: AlertState,
    fired: Sequence[Alert],
    resolved: Sequence[AlertKind],
    *,
    to: str,
    agency: str | None,
) -> Mail:
    """The mail to ``to`` telling ``fired`` and ``resolved``."""
    mcc = state.mcc.dashed
    checked = state.now.strftime("%Y-%m-%d %H:%M UTC")
    text_sections = html_sections = ""
    if fired:
        text_sections += "\nNeeds attention:\n" + "".join(_text(a) for a in fired)
        html_sections += "<h3>Needs attention</h3>\n<ul>" + "".join(_html(a) for a in fired)
        html_sections += "</ul>\n"
    if resolved:
        text_sections += "\nResolved:\n" + "".join(f"- {k.heading}: cleared\n" for k in resolved)
        items = "".join(f"<li>{escape(k.heading)}: cleared</li>" for k in resolved)
        html_sections += f"<h3>Resolved</h3>\n<ul>{items}</ul>\n"
    return Mail(
        to=to,
        subject=subject(mcc, fired, resolved),
        text=TEXT.substitute(
            mcc=mcc,
            agency=f" ({agency})" if agency else "",
            checked=checked,
            sections=text_sections,
        ),
        html=HTML.substitute(
            mcc=escape(mcc),
            agency=f" ({escape(agency)})" if agency else "",
            checked=escape(checked),
            sections=html_sections,
        ),
    )


def _text(alert: Alert) -> str:
    lines = "".join(f"    {line}\n" for line in alert.lines)
    return f"- {alert.kind.heading}: {alert.summary}\n{lines}"


def _html(alert: Alert) -> str:
    lines = "".join(f"<li>{escape(line)}</li>" for line in alert.lines)
    more = f"<ul>{lines}</ul>" if lines else ""
    return f"<li><b>{escape(alert.kind.heading)}</b>: {escape(alert.summary)}{more}</li>"
