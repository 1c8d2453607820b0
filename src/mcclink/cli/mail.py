"""``mcclink mail``: check the mail settings by sending one test message.

``mcclink.mail`` is imported inside the command: every other command imports this module at
start-up.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mcclink.cli._common import JsonOption, out, print_json, shown, state, wants_json
from mcclink.config import MAIL_FROM_VAR, MAIL_URL_VAR
from mcclink.errors import ConfigurationError

app = typer.Typer(
    help=f"Mail (reminders to advertisers, alerts to the agency) through {MAIL_URL_VAR}.\n\n"
    "Example: mcclink mail test --to you@example.com",
    no_args_is_help=True,
)


@app.command("test")
def send_test(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="The address that gets the test message.")],
    as_json: JsonOption = False,
) -> None:
    """Send one test message: the quickest check of the mail settings.

    The message goes through MCC_MAIL_URL, from MCC_MAIL_FROM, in MCC_LOCALE's language.
    Exits 0 when the server took the message; 2 when a setting must be fixed (named: the
    URL, an unreachable server, no TLS, a wrong password, a refused sender) or --to is not
    an address; 1 when the server refused the recipient or stayed unavailable.

    Example: mcclink mail test --to you@example.com
    """
    from mcclink.mail import trial_mail

    container = state(ctx).container
    settings = container.settings.mail
    if settings is None:
        raise ConfigurationError(
            f"{MAIL_URL_VAR} is not set: set it (smtp://user:password@host:587, "
            f"smtps://..., or ses://?region=...) and {MAIL_FROM_VAR}; see docs/mail.md"
        )
    mail = trial_mail(to, settings)
    mailer = container.mailer
    assert mailer is not None  # settings.mail is set
    message_id = mailer.send(mail)
    if wants_json(ctx, as_json):
        print_json({"sent": True, "to": to, "via": settings.target, "message_id": message_id})
    else:
        out.print(
            f"[green]✓[/] test message {shown(message_id)} sent to {shown(to)} through "
            f"{shown(settings.target)}"
        )
