#!/usr/bin/env python3
"""Exemplos de uso / usage examples of mcclink's Python API (``GoogleAdsMCCService``).

By default they run against the local Google Ads emulator and a temporary SQLite store, so
they need no credentials. With ``--real`` they use your environment instead
(``MCC_CUSTOMER_ID``, ``GOOGLE_ADS_*``, ``MCC_STORE``): read them before running them so.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.errors import GoogleAdsError
from mcclink.service import GoogleAdsMCCService, Registration


def exemplo_1_cadastrar_e_convidar(service: GoogleAdsMCCService, mcc: CustomerId) -> None:
    """Register an advertiser and send the invitation in one step."""
    client = service.register(
        mcc, Registration(CustomerId.parse("111-222-3333"), "Padaria São João"), invite=True
    )
    print(f"1. {client.name}: {client.status} (link {client.manager_link_id})")


def exemplo_2_tratar_erros(service: GoogleAdsMCCService, mcc: CustomerId) -> None:
    """A refused invitation raises, and the client keeps its true status with last_error."""
    pet_shop = CustomerId.parse("555-666-7777")  # already has 5 managers in the demo scenario
    service.register(mcc, Registration(pet_shop, "Pet Shop Amigo Fiel"))
    try:
        service.invite(mcc, pet_shop)
    except GoogleAdsError as exc:
        print(f"2. refused: {exc.code} (request {exc.request_id})")
    print(f"   status kept: {service.get(mcc, pet_shop).status}")


def exemplo_3_monitorar(service: GoogleAdsMCCService, mcc: CustomerId) -> None:
    """One monitor cycle: one query for every link, only changes written."""
    report = service.sync(mcc)
    print(f"3. {report.links_seen} link(s) at Google, {len(report.changes)} change(s)")


def exemplo_4_historico(service: GoogleAdsMCCService, mcc: CustomerId) -> None:
    """Every operation is in ExecutionHistory, newest first."""
    for entry in service.store.client_history(mcc, CustomerId.parse("111-222-3333")):
        print(
            f"4. {entry.timestamp:%H:%M:%S} {entry.operation} {entry.outcome}"
            f" {entry.status_before} -> {entry.status_after}"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--real", action="store_true", help="use your environment, not the emulator")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.real:
            deps = Container()
        else:
            from mcclink.emulator import Scenario, start

            emu = start(Scenario.demo(), cert_dir=Path(tmp))
            env = emu.env()
            os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"]
            deps = Container(store_url=f"sqlite:///{tmp}/exemplo.db", environ={**os.environ, **env})
        for example in (
            exemplo_1_cadastrar_e_convidar,
            exemplo_2_tratar_erros,
            exemplo_3_monitorar,
            exemplo_4_historico,
        ):
            example(deps.service, deps.mcc)
        deps.close()
        if not args.real:
            emu.stop()


if __name__ == "__main__":
    main()
