"""``mcclink demo``: the spec's whole flow on the local emulator and a throwaway SQLite store."""

from __future__ import annotations

import os
import tempfile
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from mcclink.bootstrap import Container
from mcclink.cli._common import clients_table, history_table, print_bulk, run_bulk
from mcclink.domain import CustomerId, LinkStatus
from mcclink.service import Registration

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
    "9876543210": LinkStatus.NOT_LINKED,
}


def run_demo(console: Console, keep: Path | None = None) -> dict[str, LinkStatus]:
    """Register, invite, let advertisers answer, cancel one, monitor, and show the result.

    Returns:
        Each advertiser's final status, by customer id (10 digits).
    """
    from mcclink.emulator import Scenario, start

    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mcclink-demo-")))
        emu = start(Scenario.demo(), cert_dir=workdir)
        stack.callback(emu.stop)
        env = emu.env()
        # gRPC reads the trusted roots once, at the process's first TLS connection.
        os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"]
        db = keep or workdir / "mcclink.db"
        container = Container(
            store_url=f"sqlite:///{db.resolve()}", environ={**os.environ, **env}, actor="demo"
        )
        stack.callback(container.close)
        mcc, service = container.mcc, container.service
        console.print(
            Panel(
                f"mcclink demo: a local [bold]Google Ads API emulator[/] (a sandbox, not Google) "
                f"at {emu.endpoint}, manager account {mcc}, SQLite store {db}",
                title="mcclink",
            )
        )
        console.rule("1. Register advertisers (status NOT_LINKED)")
        for cid, name in ADVERTISERS:
            service.register(mcc, Registration(CustomerId.parse(cid), name))
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
        console.print("  666-777-8888 has not answered yet")

        console.rule("4. Monitor: one query reads every link, only changes are written")
        report = service.sync(mcc)
        for change in report.changes:
            console.print(f"  {change.customer_id}: {change.status_before} → {change.status_after}")

        console.rule("5. Where every client stands")
        console.print(clients_table(container.store.list_clients(mcc)))
        pending = sum(1 for _ in container.store.list_clients(mcc, LinkStatus.PENDING))
        console.print(f"{pending} invitation(s) still pending; failures kept their last status")
        history = list(container.store.client_history(mcc, CustomerId.parse(REFUSES)))
        console.print(history_table(history, title=f"History of {REFUSES} (newest first)"))
        console.print(Panel(NEXT_STEPS, title="Next: real Google Ads and AWS"))
        return {c.customer_id.digits: c.status for c in container.store.list_clients(mcc)}
