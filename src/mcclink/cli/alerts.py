"""``mcclink alerts``: the MCC's current alerts and when each was last told to the agency.

``mcclink.alerts`` is imported inside the functions: every other command imports this
module at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mcclink.cli._common import JsonOption, out, print_json, shown, state, wants_json

if TYPE_CHECKING:
    from mcclink.alerts import AlertState, NotifyReport


def alerts(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The MCC's current alerts (MCC_ALERT_* thresholds) and when each was last notified.

    Alerts are sent, at most once per condition and day, by `mcclink monitor` after each
    cycle (mail to MCC_ALERT_EMAIL, events to MCC_WEBHOOK_URL); this command only shows them.

    Example: mcclink alerts --json
    """
    from mcclink.alerts import AlertSettings, read_state

    container = state(ctx).container
    settings = AlertSettings.from_env(container.environ)
    current = read_state(container.store, container.mcc, settings=settings)
    if wants_json(ctx, as_json):
        print_json(current.to_dict())
    else:
        _print_state(current)


def _print_state(current: AlertState) -> None:
    from mcclink.alerts import span

    settings = current.settings
    out.print(
        f"[bold]MCC {current.mcc}[/]: {len(current.alerts) or 'no'} alert(s). Thresholds: "
        f"pending over {span(settings.pending_age)}, refusals over "
        f"{settings.refusal_rate:.0%} of the last {settings.refusal_window} answers; mail to "
        f"{shown(', '.join(settings.emails)) or 'nobody (MCC_ALERT_EMAIL is not set)'}"
    )
    for alert in current.alerts:
        told = current.last_notified(alert.kind) or "never"
        out.print(
            f"[yellow]⚠[/] {alert.kind.heading}: {shown(alert.summary)} "
            f"[dim](last notified: {told})[/]"
        )
        for line in alert.lines:
            out.print(f"    {shown(line)}")


def print_notified(report: NotifyReport) -> None:
    """What a pass told the agency (nothing printed when it told nothing)."""
    if report.fired:
        kinds = ", ".join(a.kind.heading for a in report.fired)
        out.print(f"  alerts sent: {kinds} ({len(report.message_ids)} mail(s))")
    if report.resolved:
        out.print(f"  alerts resolved: {', '.join(k.heading for k in report.resolved)}")
    for error in report.errors:
        out.print(f"  [red]✗[/] alert not sent: {shown(error, lines=True)}")
