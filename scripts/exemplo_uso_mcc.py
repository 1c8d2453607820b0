#!/usr/bin/env python3
"""Exemplos de uso / usage examples of mcclink's Python API (``GoogleAdsMCCService``).

By default they run against the local Google Ads emulator and a temporary SQLite store, so
they need no credentials. With ``--real`` they use your environment instead
(``MCC_CUSTOMER_ID``, ``GOOGLE_ADS_*``, ``MCC_STORE``) and act only on the two accounts you
name: ``--real --customer-id 111-222-3333 --customer-id 555-666-7777`` registers both under
your MCC and invites them (``--customer-id`` applies only with ``--real``). Read the examples
before running them so.

Prints one JSON result: ``{"success", "output"}``, the examples' lines.
"""

from __future__ import annotations

from mcclink import scripting  # first: Ctrl-C gets a JSON result from here on

# isort: split
import argparse
import contextlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.errors import GoogleAdsError, InputError
from mcclink.service import GoogleAdsMCCService, Registration

#: The emulator's demo accounts: the first accepts invitations, the second already has five
#: managers, so Google refuses its invitation.
EMULATOR_IDS = (CustomerId.parse("111-222-3333"), CustomerId.parse("555-666-7777"))


def exemplo_1_cadastrar_e_convidar(
    service: GoogleAdsMCCService, mcc: CustomerId, customer_id: CustomerId
) -> None:
    """Register an advertiser and send the invitation in one step."""
    client = service.register(mcc, Registration(customer_id, "Padaria São João"), invite=True)
    print(f"1. {client.name}: {client.status} (link {client.manager_link_id})")


def exemplo_2_tratar_erros(
    service: GoogleAdsMCCService, mcc: CustomerId, customer_id: CustomerId
) -> None:
    """A refused invitation raises, and the client keeps its true status with last_error."""
    service.register(mcc, Registration(customer_id, "Pet Shop Amigo Fiel"))
    try:
        client = service.invite(mcc, customer_id)
        print(f"2. invited: {client.status}")
    except GoogleAdsError as exc:
        print(f"2. refused: {exc.code} (request {exc.request_id})")
        print(f"   status kept: {service.get(mcc, customer_id).status}")


def exemplo_3_monitorar(service: GoogleAdsMCCService, mcc: CustomerId) -> None:
    """One monitor cycle: one query for every link, only changes written."""
    report = service.sync(mcc)
    print(f"3. {report.links_seen} link(s) at Google, {len(report.changes)} change(s)")


def exemplo_4_historico(
    service: GoogleAdsMCCService, mcc: CustomerId, customer_id: CustomerId
) -> None:
    """Every operation is in ExecutionHistory, newest first."""
    for entry in service.store.client_history(mcc, customer_id):
        print(
            f"4. {entry.timestamp:%H:%M:%S} {entry.operation} {entry.outcome}"
            f" {entry.status_before} -> {entry.status_after}"
        )


def run_examples(deps: Container, ids: tuple[CustomerId, CustomerId]) -> None:
    """The four examples, in order, on ``deps``' service and MCC."""
    mcc = deps.require_google_ads()
    exemplo_1_cadastrar_e_convidar(deps.service, mcc, ids[0])
    exemplo_2_tratar_erros(deps.service, mcc, ids[1])
    exemplo_3_monitorar(deps.service, mcc)
    exemplo_4_historico(deps.service, mcc, ids[0])


def main() -> dict[str, Any]:
    p = scripting.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--real", action="store_true", help="use your environment, not the emulator")
    p.add_argument(
        "--customer-id",
        action="append",
        default=[],
        help="with --real: an account the examples register and invite (give two)",
    )
    args = p.parse_args()
    ids = _customer_ids(args)
    printed = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(printed):
        if args.real:
            deps = Container(actor="script")
        else:
            from mcclink.emulator import Scenario, start

            emu = start(Scenario.demo(), cert_dir=Path(tmp))
            env = emu.env()
            os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"]
            deps = Container(store_url=f"sqlite:///{tmp}/exemplo.db", environ={**os.environ, **env})
        try:
            run_examples(deps, ids)
        finally:
            deps.close()
            if not args.real:
                emu.stop()
    return {"output": printed.getvalue().splitlines()}


def _customer_ids(args: argparse.Namespace) -> tuple[CustomerId, CustomerId]:
    """The two ``--customer-id`` accounts with ``--real``, else the emulator's demo accounts.

    Raises:
        InputError: ``--customer-id`` without ``--real``; with it, not exactly two different
            ids, or a malformed one.
    """
    if not args.real:
        if args.customer_id:
            raise InputError(
                "--customer-id applies only with --real: on the emulator the examples use its "
                f"demo accounts {EMULATOR_IDS[0]} and {EMULATOR_IDS[1]}; add --real to run them "
                "on your MCC with the two accounts you name, or drop --customer-id"
            )
        return EMULATOR_IDS
    if len(args.customer_id) != 2:
        raise InputError(
            "with --real, name exactly the two accounts the examples register and invite: "
            "--customer-id 111-222-3333 --customer-id 555-666-7777 (nothing runs without "
            "them: no account is invited on your MCC unless you name it)"
        )
    first, second = (CustomerId.parse(raw) for raw in args.customer_id)
    if first == second:
        raise InputError(f"--customer-id {first} is given twice: name two different accounts")
    return first, second


if __name__ == "__main__":
    scripting.run(main)
