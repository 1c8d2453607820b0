#!/usr/bin/env python3
"""Manage MCC links: invite, check one link's status, list all links, cancel, unlink.

By flags (``--action invite --customer-id 111-222-3333``), by payload
(``--params '{"action": "status", "customerId": "1112223333"}'`` or stdin), or
interactively when run in a terminal with neither. Prints one JSON result.
"""

from __future__ import annotations

from typing import Any

from rich.prompt import Prompt

from mcclink import scripting
from mcclink.errors import InputError
from mcclink.serialization import client_to_dict

ACTIONS = ("invite", "status", "list", "cancel", "unlink")


def main() -> dict[str, Any]:
    p = scripting.parser(__doc__.splitlines()[0])
    p.add_argument("--action", choices=ACTIONS)
    p.add_argument("--customer-id")
    args = p.parse_args()
    data = {**scripting.payload(args)}
    data.setdefault("action", args.action)
    data.setdefault("customerId", args.customer_id)
    if data["action"] is None and not args.params:
        data["action"] = Prompt.ask("Action", choices=list(ACTIONS), default="list")
        if data["action"] != "list":
            data["customerId"] = Prompt.ask("Google Ads customer id (123-456-7890)")
    action = data["action"]
    if action not in ACTIONS:
        raise InputError(f"unknown action {action!r}: expected one of {', '.join(ACTIONS)}")
    deps = scripting.container(args, data)
    service, mcc = deps.service, deps.mcc
    if action == "list":
        return {"clients": [client_to_dict(c) for c in deps.store.list_clients(mcc)]}
    cid = scripting.customer_id(data)
    if action == "status":
        link = service.ads.get_link(mcc, cid)
        stored = service.get(mcc, cid)
        return {
            "client": client_to_dict(stored),
            "googleStatus": link.status.google_name if link else None,
            "mccStatus": link.status.value if link else "NOT_LINKED",
        }
    act = {"invite": service.invite, "cancel": service.cancel, "unlink": service.unlink}[action]
    client = act(mcc, cid)
    return {
        "clientId": cid.digits,
        "mccStatus": client.status.value,
        "client": client_to_dict(client),
    }


if __name__ == "__main__":
    scripting.run(main)
