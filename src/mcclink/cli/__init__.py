"""The ``mcclink`` command: a thin Typer layer over ``GoogleAdsMCCService``.

Exit codes: 0 success; 1 an operation failed at Google Ads or in the store (and was recorded
in history); 2 bad input or configuration (nothing was changed).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

# Typer 0.29 bundles its own Click; its exceptions have no public name.
from typer._click.exceptions import ClickException, UsageError

from mcclink import __version__
from mcclink.bootstrap import Container
from mcclink.cli import (
    alerts,
    clients,
    hierarchy,
    links,
    mail,
    monitoring,
    onboard,
    ops,
    remind,
    report,
    staff,
    web,
    webhooks,
)
from mcclink.cli._common import (
    JsonOption,
    State,
    error_json,
    out,
    print_error,
    print_json,
    shown,
    state,
    wants_json,
)
from mcclink.domain import CustomerId
from mcclink.errors import ConfigurationError, MccLinkError

app = typer.Typer(
    name="mcclink",
    help="Link Google Ads client accounts to your manager account (MCC) and keep every "
    "link's state true, with a full audit trail.\n\n"
    'Example: mcclink clients add 111-222-3333 --name "Padaria Sol"',
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
emulator = typer.Typer(
    help="The local Google Ads API emulator (a sandbox, not Google).\n\n"
    "Example: mcclink emulator respond 111-222-3333 --accept",
    no_args_is_help=True,
)
app.add_typer(clients.app, name="clients")
app.add_typer(links.app, name="links", no_args_is_help=True)
app.add_typer(ops.accounts, name="accounts")
app.add_typer(ops.tables, name="tables")
app.add_typer(emulator, name="emulator")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(onboard.app, name="onboard")
app.add_typer(mail.app, name="mail")
app.add_typer(remind.app, name="remind")
app.add_typer(staff.users, name="users")
app.add_typer(staff.tokens, name="tokens")
app.command("monitor")(monitoring.monitor)
app.command("stats")(ops.stats)
app.command("alerts")(alerts.alerts)
app.command("history")(ops.history)
app.command("hierarchy")(hierarchy.hierarchy)
app.command("report")(report.report)
app.command("web")(web.web)


def _version(value: bool) -> None:
    if value:
        out.print(f"mcclink {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            envvar="MCC_STORE",
            help="sqlite:///path.db or dynamodb://?region=R&prefix=P "
            "(default: ~/.local/share/mcclink/mcclink.db).",
        ),
    ] = None,
    mcc: Annotated[
        str | None,
        typer.Option("--mcc", help="Manager account to act for (default: MCC_CUSTOMER_ID)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output everywhere.")] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Log each Google Ads call and its request id (on stderr)."
        ),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Link Google Ads client accounts to your MCC and keep their state true."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr)
    container = Container(
        store_url=store, mcc=CustomerId.parse(mcc) if mcc else None, verbose=verbose
    )
    ctx.obj = State(container=container, json=as_json, verbose=verbose)
    ctx.call_on_close(container.close)


@app.command("doctor")
def doctor(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Check settings, Google Ads access, the MCC, the store, onboarding and mail.

    Exits 0 if all pass, 2 if a setting must be fixed (every problem listed), else 1.

    Example: mcclink doctor
    """
    from mcclink.doctor import exit_code, run_checks

    checks = run_checks(state(ctx).container)
    if wants_json(ctx, as_json):
        print_json([{"check": c.name, "ok": c.ok, "detail": c.detail} for c in checks])
    else:
        for c in checks:
            mark = "[green]✓[/]" if c.ok else "[red]✗[/]"
            out.print(f"{mark} {shown(c.name)}: {shown(c.detail, lines=True)}")
    raise typer.Exit(exit_code(checks))


@app.command("demo")
def demo(
    keep: Annotated[
        Path | None, typer.Option(help="Keep the demo's SQLite store at this path.")
    ] = None,
) -> None:
    """Run the whole flow on the local emulator and a temporary SQLite store (no credentials).

    Example: mcclink demo
    """
    from mcclink.cli.demo import run_demo

    run_demo(out, keep=keep)


@emulator.command("serve")
def emulator_serve(
    port: Annotated[int, typer.Option(help="gRPC port (0: a free one).")] = 0,
    http_port: Annotated[int, typer.Option(help="OAuth/admin HTTP port (0: a free one).")] = 0,
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario JSON (default: the built-in demo).")
    ] = None,
) -> None:
    """Serve the emulator; prints the `export` lines a client needs, then serves until ^C.

    In bash: start it in the background, wait for the banner's last line (the exports come
    before it), then load the exports.

    \b
    Example:
      mcclink emulator serve > /tmp/emu.env &
      until grep -q '^# Stop' /tmp/emu.env; do sleep 0.2; done
      source <(grep ^export /tmp/emu.env)
    """
    from mcclink.emulator import serve

    serve(scenario, port, http_port, sys.stdout)


@emulator.command("respond")
def emulator_respond(
    ctx: typer.Context,
    customer_id: Annotated[
        str, typer.Argument(metavar="CUSTOMER_ID", help="The advertiser that answers.")
    ],
    accept: Annotated[bool, typer.Option("--accept", help="Accept the invitation.")] = False,
    refuse: Annotated[bool, typer.Option("--refuse", help="Refuse the invitation.")] = False,
    unlink: Annotated[bool, typer.Option("--unlink", help="End an active link.")] = False,
    manager: Annotated[
        str | None,
        typer.Option(
            help="The inviting manager (default: the global --mcc, else MCC_CUSTOMER_ID)."
        ),
    ] = None,
    admin_url: Annotated[
        str | None,
        typer.Option(
            envvar="MCCLINK_EMULATOR_ADMIN_URL",
            help="The emulator's admin URL, as `mcclink emulator serve` prints it.",
        ),
    ] = None,
) -> None:
    """Act as an advertiser in a running emulator: accept, refuse or end the MCC's link.

    Example: mcclink emulator respond 111-222-3333 --accept
    """
    from mcclink.emulator import respond

    if not admin_url:
        raise ConfigurationError(
            "no emulator address: set MCCLINK_EMULATOR_ADMIN_URL (printed by "
            "`mcclink emulator serve`) or pass --admin-url"
        )
    chosen = [
        name for name, on in (("accept", accept), ("refuse", refuse), ("unlink", unlink)) if on
    ]
    if len(chosen) != 1:
        raise typer.BadParameter("say exactly one of --accept, --refuse or --unlink")
    inviter = CustomerId.parse(manager) if manager else state(ctx).container.mcc
    result = respond(admin_url, CustomerId.parse(customer_id).digits, chosen[0], inviter.digits)
    print_json(result)


def main() -> None:
    """Entry point: run the app, turning errors into a message and an exit code.

    With ``--json`` the error is also printed on stdout as JSON, usage errors included (Click
    would print those itself, so it is told not to).
    """
    as_json = _asks_for_json(sys.argv[1:])
    try:
        code = app(prog_name="mcclink", standalone_mode=not as_json)
    except MccLinkError as exc:
        print_error(exc, as_json=as_json)
        sys.exit(exc.exit_code)
    except ClickException as exc:  # with --json only: Click prints them otherwise
        exc.show()
        fix = (
            f"see `{exc.ctx.command_path} --help`"
            if isinstance(exc, UsageError) and exc.ctx
            else "see `mcclink --help`"
        )
        print_json(error_json("UsageError", exc.format_message(), fix))
        sys.exit(exc.exit_code)
    except typer.Abort:  # with --json only, as above (end of input at a prompt)
        print_json(error_json("Aborted", "aborted", "run the command again"))
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def _asks_for_json(args: list[str]) -> bool:
    """``--json`` among the options (before a ``--``), wherever the command takes it."""
    return "--json" in (args[: args.index("--")] if "--" in args else args)
