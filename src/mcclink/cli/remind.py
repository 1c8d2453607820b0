"""``mcclink remind``: mail the due reminders to advertisers with a pending invitation, show
who would get what (``--dry-run``), or render one client's reminder (``preview``).

``mcclink.reminders`` is imported inside the commands: every other command imports this
module at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mcclink.cli._common import JsonOption, err, out, print_json, shown, state, wants_json
from mcclink.cli._listing import SECOND
from mcclink.domain import CustomerId

if TYPE_CHECKING:
    from mcclink.reminders import RemindReport

app = typer.Typer(
    help="Reminders by e-mail to advertisers whose invitation is pending, at the ages in "
    "MCC_REMIND_AT (default 1d,3d,7d); at most one message per invitation and step.\n\n"
    "Example: mcclink remind --dry-run",
    invoke_without_command=True,
)


@app.callback()
def remind(
    ctx: typer.Context,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show who would get which reminder; send nothing."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Send the due reminders of the MCC (needs MCC_MAIL_URL, MCC_MAIL_FROM, MCC_PUBLIC_URL).

    Each pending invitation with an e-mail gets its latest due step once, with a new
    onboarding link. Exits 1 when a message could not be sent (recorded in history).

    Example: mcclink remind --dry-run --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from mcclink.alerts import run as run_alerts
    from mcclink.reminders import remind as run

    container = state(ctx).container
    report = run(container, dry_run=dry_run)
    alerts = None if dry_run else run_alerts(container)
    if wants_json(ctx, as_json):
        print_json(report.to_dict() | {"alerts": None if alerts is None else alerts.to_dict()})
    else:
        print_reminders(report)
    raise typer.Exit(1 if report.count("failed") else 0)


@app.command("preview")
def preview(
    ctx: typer.Context,
    customer_id: Annotated[
        str, typer.Argument(metavar="CUSTOMER_ID", help="The client whose reminder to show.")
    ],
    html: Annotated[
        bool, typer.Option("--html", help="Print the HTML part instead of the text.")
    ] = False,
) -> None:
    """Render the reminder a client would get (a placeholder link; nothing is stored or sent).

    Example: mcclink remind preview 111-222-3333
    """
    from mcclink.reminders import preview as render_preview

    container = state(ctx).container
    mail = render_preview(container, CustomerId.parse(customer_id))
    out.print(f"To: {shown(mail.to)}")
    out.print(f"Subject: {shown(mail.subject)}")
    out.print(f"List-Unsubscribe: <{shown(mail.unsubscribe_url)}>\n")
    out.print(shown(mail.html if html else mail.text, lines=True))


def print_reminders(report: RemindReport) -> None:
    """One line per due reminder and a summary line."""
    verb = "would send" if report.dry_run else "due"
    for due in report.due:
        out.print(
            f"  {due.client.customer_id} {shown(due.client.name)} <{shown(due.client.email)}>: "
            f"step {due.step} (due {due.due_at.strftime(SECOND)})"
        )
    for result in report.results:
        if result.outcome == "failed":
            err.print(
                f"  [red]✗[/] {result.due.client.customer_id} step {result.due.step}: "
                f"{shown(result.error or '', lines=True)}"
            )
    if report.dry_run:
        out.print(f"reminders: {len(report.due)} {verb} (dry run: nothing sent)")
    else:
        out.print(
            f"reminders: {len(report.due)} {verb}, {report.count('sent')} sent, "
            f"{report.count('failed')} failed, {report.count('skipped')} skipped"
        )
