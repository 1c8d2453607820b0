"""``mcclink demo``: the spec's whole flow on the local emulator and a throwaway SQLite store."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.panel import Panel

from mcclink.bootstrap import Container
from mcclink.cli._common import clients_table, history_table, print_bulk, run_bulk
from mcclink.cli.demo_mail import mail_environment, remind_and_alert
from mcclink.cli.demo_onboarding import Browser, serving_pages
from mcclink.cli.onboard import links_table
from mcclink.domain import CustomerId, LinkStatus, utcnow
from mcclink.onboard_links import new_onboarding_link
from mcclink.onboarding import DEFAULT_EXPIRY
from mcclink.service import Registration
from mcclink.web.loopback import free_port

if TYPE_CHECKING:
    from mcclink.emulator import Emulator

#: Advertisers from the emulator's demo scenario, plus one id that exists nowhere.
ADVERTISERS = [
    ("111-222-3333", "Padaria São João"),
    ("222-333-4444", "Açaí & Cia"),
    ("333-444-5555", "Oficina do Zé"),
    ("444-555-6666", "Farmácia Bem-Estar"),
    ("555-666-7777", "Pet Shop Amigo Fiel"),
    ("666-777-8888", "Livraria Saber"),
    ("777-888-9999", "Salão Beleza Pura"),
    ("987-654-3210", "Empresa Fantasma"),
]
ACCEPTS = ["111-222-3333", "222-333-4444"]
REFUSES = "333-444-5555"
ACCEPTS_THROUGH_API = "444-555-6666"
CANCELLED = "777-888-9999"
#: Never answers: reminded by e-mail, and the agency alerted about it.
SILENT = "666-777-8888"
EMAILS = {SILENT: "contato@livrariasaber.example"}
#: Not registered beforehand: its owner opens the agency's general access link, signs in with
#: Google and gives access; the account is registered with Google's name for it.
ONBOARDS = "888-999-0000"
#: The owner's other account, left for a person to try the link in a browser.
ONBOARDS_LATER = "123-123-1234"
OWNER = "dono@churrascaria.example"

NEXT_STEPS = """\
Real Google Ads: a [bold]test manager account[/] needs no production approval:
  export MCC_CUSTOMER_ID=<your MCC id>
  export GOOGLE_ADS_CLIENT_ID=…  GOOGLE_ADS_CLIENT_SECRET=…
  export GOOGLE_ADS_REFRESH_TOKEN=…
  mcclink doctor
  mcclink clients add 111-222-3333 --name "Padaria Sol"
Clients in [bold]DynamoDB[/] instead of SQLite:
  export MCC_STORE='dynamodb://?region=sa-east-1&prefix=prod-'
  mcclink tables create
  mcclink monitor --every 10m"""


#: Where each advertiser ends up; ``test_mcc_system.py --e2e`` checks the demo against it.
EXPECTED = {
    "1112223333": LinkStatus.APPROVED,
    "2223334444": LinkStatus.APPROVED,
    "3334445555": LinkStatus.REJECTED,
    "4445556666": LinkStatus.APPROVED,
    "5556667777": LinkStatus.NOT_LINKED,
    "6667778888": LinkStatus.PENDING,
    "7778889999": LinkStatus.CANCELLED,
    "8889990000": LinkStatus.APPROVED,
    "9876543210": LinkStatus.NOT_LINKED,
}


def run_demo(
    console: Console, keep: Path | None = None, store_url: str | None = None
) -> dict[str, LinkStatus]:
    """Register, invite, let advertisers answer (one through an onboarding link), cancel one,
    monitor, and show the result; on a terminal, keep the link's pages up until Enter.

    Args:
        console: where the flow is shown.
        keep: the SQLite file to keep the store in (default: a temporary one).
        store_url: run on this store instead (``test_mcc_system.py --e2e --store``).

    Returns:
        Each advertiser's final status, by customer id (10 digits).
    """
    from mcclink.emulator import Scenario, start
    from mcclink.emulator.mailbox import Mailbox

    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mcclink-demo-")))
        emu = start(Scenario.demo(), cert_dir=workdir)
        stack.callback(emu.stop)
        env = emu.env()
        # gRPC reads the trusted roots once, at the process's first TLS connection.
        os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"]
        db = keep or workdir / "mcclink.db"
        store_url = store_url or f"sqlite:///{db.resolve()}"
        # The demo serves the advertiser's pages itself, on a port of its own, and receives
        # its mail in a local SMTP sink.
        port = free_port()
        public_url = f"http://127.0.0.1:{port}"
        mailbox = stack.enter_context(Mailbox())
        container = Container(
            store_url=store_url,
            environ={
                **os.environ,
                **env,
                **mail_environment(mailbox),
                "MCC_PUBLIC_URL": public_url,
            },
            actor="demo",
        )
        stack.callback(container.close)
        mcc, service = container.mcc, container.service
        console.print(
            Panel(
                f"mcclink demo: a local [bold]Google Ads API emulator[/] (a sandbox, not Google) "
                f"at {emu.endpoint}, manager account {mcc}, store {store_url}, mail to a "
                f"local SMTP sink at {mailbox.url}",
                title="mcclink",
            )
        )
        console.rule("1. Register advertisers (status NOT_LINKED)")
        for cid, name in ADVERTISERS:
            service.register(mcc, Registration(CustomerId.parse(cid), name, EMAILS.get(cid)))
        console.print(clients_table(container.store.list_clients(mcc)))

        console.rule("2. Send the MCC's invitations (CustomerClientLinkService)")
        ids = [CustomerId.parse(cid) for cid, _ in ADVERTISERS]
        result = run_bulk(
            ids,
            lambda cid: service.invite(mcc, cid),
            label="Inviting",
            concurrency=4,
            show_progress=True,
            console=console,
        )
        print_bulk(result, console)

        console.rule("3. Advertisers answer in Google Ads; the MCC cancels one invitation")
        for cid in ACCEPTS:
            emu.state.respond(CustomerId.parse(cid).digits, mcc.digits, "accept")
            console.print(f"  {cid} accepted (in its Google Ads account)")
        emu.state.respond(CustomerId.parse(REFUSES).digits, mcc.digits, "refuse")
        console.print(f"  {REFUSES} refused")
        service.respond(mcc, CustomerId.parse(ACCEPTS_THROUGH_API), accept=True)
        console.print(f"  {ACCEPTS_THROUGH_API} accepted through the API, logged in as the client")
        service.cancel(mcc, CustomerId.parse(CANCELLED))
        console.print(f"  {CANCELLED}: the MCC withdrew its invitation")
        console.print(f"  {SILENT} has not answered yet")

        console.rule("4. An advertiser gives access through an onboarding link")
        stack.enter_context(serving_pages(container, port))
        url = _onboard_through_a_link(console, container, emu)

        console.rule("5. Monitor: one query reads every link, only changes are written")
        report = service.sync(mcc)
        for change in report.changes:
            console.print(f"  {change.customer_id}: {change.status_before} → {change.status_after}")

        console.rule("6. Reminder and alert by e-mail (to the local SMTP sink)")
        remind_and_alert(console, container, mailbox, CustomerId.parse(SILENT))

        console.rule("7. Where every client stands")
        console.print(clients_table(container.store.list_clients(mcc)))
        pending = sum(1 for _ in container.store.list_clients(mcc, LinkStatus.PENDING))
        console.print(f"{pending} invitation(s) still pending; failures kept their last status")
        history = list(container.store.client_history(mcc, CustomerId.parse(REFUSES)))
        console.print(history_table(history, title=f"History of {REFUSES} (newest first)"))
        console.print(Panel(NEXT_STEPS, title="Next: real Google Ads and AWS"))
        final = {c.customer_id.digits: c.status for c in container.store.list_clients(mcc)}
        if console.is_terminal and sys.stdin.isatty():
            console.print(
                f"Try the link in a browser: [bold]{url}[/] (sign in as {OWNER}; "
                f"{ONBOARDS_LATER} is still to link). Press Enter to end the demo.",
                soft_wrap=True,
            )
            input()
        return final


def _onboard_through_a_link(console: Console, container: Container, emu: Emulator) -> str:
    """The account owner opens the agency's general access link, signs in with Google on the
    emulator and gives access to one account, through the served pages; returns the link."""
    from mcclink.emulator.model import User

    mcc = container.mcc
    access = {CustomerId.parse(c).digits: "ADMIN" for c in (ONBOARDS, ONBOARDS_LATER)}
    emu.state.set_user(User(OWNER, "Dono", access))
    _, url = new_onboarding_link(container, None, DEFAULT_EXPIRY, "demo")
    browser = Browser()
    browser.open(url)
    console.print(f"  {OWNER} opens the agency's general access link:")
    console.print(f"  {url}", markup=False, soft_wrap=True)
    browser.open(f"{url}/signin")
    console.print("  Sign in with Google: the emulator's authorization page; Allow")
    browser.submit(("email", OWNER), ("action", "allow"))
    console.print(f"  back on the agency's page: the accounts {OWNER} reaches; ticks {ONBOARDS}")
    browser.submit(("account", CustomerId.parse(ONBOARDS).digits))
    console.print("  registered with Google's name, invited by the MCC, accepted by the owner:")
    history = list(container.store.client_history(mcc, CustomerId.parse(ONBOARDS)))
    console.print(history_table(history, title=f"History of {ONBOARDS} (newest first)"))
    links = container.store.list_onboarding_links(mcc)
    console.print(links_table(links, utcnow(), "The link's funnel"))
    return url
