"""``mcclink webhooks``: deliver status changes to the receiver now, and show what failed.

``mcclink.webhooks`` (and with it ``urllib.request``) is imported inside the commands:
every other command imports this module at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mcclink.cli._common import JsonOption, err, out, print_json, shown, state, wants_json
from mcclink.cli._listing import SECOND
from mcclink.config import WEBHOOK_SECRET_VAR, WEBHOOK_URL_VAR, WebhookSettings
from mcclink.errors import ConfigurationError

if TYPE_CHECKING:
    from mcclink.bootstrap import Container
    from mcclink.cli._tables import FittedTable
    from mcclink.webhooks import DeliveryProblem, DeliveryReport

app = typer.Typer(
    help=f"Webhooks on status change: POSTed, signed, to {WEBHOOK_URL_VAR}.\n\n"
    "Example: mcclink webhooks status",
    no_args_is_help=True,
)


@app.command("deliver")
def deliver(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """POST every due status change of the last 7 days, of every MCC, to the receiver.

    One pass: failed attempts are recorded in history and retried with backoff by later
    passes (`mcclink monitor` runs one after each cycle; run this from cron otherwise).
    Exits 1 when an attempt failed.

    Example: mcclink webhooks deliver --json
    """
    from mcclink.webhooks import deliver_pending

    container = state(ctx).container
    report = deliver_pending(container.store, require_webhook(container), actor=container.actor)
    if wants_json(ctx, as_json):
        print_json(report.to_dict())
    else:
        print_delivery(report)
    raise typer.Exit(1 if report.failed else 0)


@app.command("status")
def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Status changes of the last 7 days whose delivery failed: retrying, or given up.

    Example: mcclink webhooks status
    """
    from mcclink.webhooks import delivery_problems

    problems = delivery_problems(state(ctx).container.store)
    if wants_json(ctx, as_json):
        print_json([p.to_dict() for p in problems])
    elif problems:
        out.print(_problems_table(problems))
    else:
        out.print("[green]✓[/] no failed webhook delivery in the last 7 days")


def require_webhook(container: Container) -> WebhookSettings:
    """The configured receiver (with a warning when it is plain http:// beyond loopback).

    Raises:
        ConfigurationError: ``MCC_WEBHOOK_URL`` is not set, or the webhook settings are wrong.
    """
    webhook = container.settings.webhook
    if webhook is None:
        raise ConfigurationError(
            f"webhooks are not configured: set {WEBHOOK_URL_VAR} to the receiver's URL and "
            f"{WEBHOOK_SECRET_VAR} to the secret shared with it"
        )
    warn_if_plain_http(webhook)
    return webhook


def warn_if_plain_http(webhook: WebhookSettings | None) -> None:
    """Warn on stderr when deliveries would cross the network unencrypted."""
    from mcclink.webhooks import plain_http_warning

    warning = None if webhook is None else plain_http_warning(webhook)
    if warning:
        err.print(f"[yellow]warning:[/] {shown(warning)}")


def print_delivery(report: DeliveryReport) -> None:
    """One line for a pass, plus one per failed attempt and why a pass stopped early."""
    out.print(
        f"webhooks: {report.delivered} delivered, {report.failed} failed, "
        f"{report.waiting} waiting to retry, {report.given_up} given up"
    )
    for attempt in report.attempts:
        if not attempt.delivered:
            err.print(
                f"  [red]✗[/] {attempt.change.customer_id} (attempt {attempt.attempt}): "
                f"{shown(attempt.error or '', lines=True)}"
            )
    if report.stopped is not None:
        err.print(f"  pass stopped; {report.deferred} due change(s) wait for the next pass")


def _problems_table(problems: list[DeliveryProblem]) -> FittedTable:
    from mcclink.cli._tables import Column, FittedTable

    columns = (
        Column("Changed (UTC)", drop=2),
        Column("Customer ID"),
        Column("Change", wrap=True),
        Column("Attempts", drop=1),
        Column("Next (UTC)"),
        Column("Last error", wrap=True, min_width=24),
    )
    rows = []
    for p in problems:
        before, after = p.change.status_before, p.change.status_after
        next_at = p.next_attempt_at
        rows.append(
            (
                p.change.timestamp.strftime(SECOND),
                p.change.customer_id.dashed,
                f"{before.value if before else '·'} → {after.value if after else '·'}",
                str(p.attempts),
                "[red]given up[/]" if next_at is None else next_at.strftime(SECOND),
                shown(p.last_error or "", lines=True),
            )
        )
    return FittedTable(columns, rows, f"Failed webhook deliveries ({len(problems)})")
