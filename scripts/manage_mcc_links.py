#!/usr/bin/env python3
"""Manage MCC links: invite, check one link's status, list all links, cancel, unlink.

By flags (``--action invite --customer-id 111-222-3333``), by payload
(``--params '{"action": "status", "customerId": "1112223333"}'`` or stdin), or
interactively when run in a terminal with neither. Prints one JSON result.

``list`` lists the MCC's links as Google Ads has them (one query; the store is not read or
changed), like ``mcclink links list --json``. Without a terminal (a runner, ``</dev/null``)
an action must be given: nothing is asked, the error says what to pass (exit 2).
"""

from __future__ import annotations

from mcclink import scripting  # first: Ctrl-C gets a JSON result from here on

# isort: split
import sys
from typing import Any

from mcclink.errors import InputError
from mcclink.serialization import client_to_dict, link_to_dict

ACTIONS = ("invite", "status", "list", "cancel", "unlink")

PAYLOAD: scripting.Schema = {
    "action": scripting.choice_field(*ACTIONS),
    "customerId": scripting.customer_id_field,
    "googleAdsCustomerId": scripting.customer_id_field,
}

_NO_ACTION = (
    f"no action given: pass --action ({', '.join(ACTIONS)}) with --customer-id, "
    'or a payload such as --params \'{"action": "status", "customerId": "111-222-3333"}\''
)


def main() -> dict[str, Any]:
    p = scripting.parser(__doc__.splitlines()[0])
    p.add_argument("--action", choices=ACTIONS)
    p.add_argument("--customer-id")
    args = p.parse_args()
    flags = {"action": args.action, "customerId": args.customer_id}
    given = {k: v for k, v in flags.items() if v is not None}
    data = {**scripting.payload(args, PAYLOAD), **scripting.fields(given, PAYLOAD)}
    if "action" not in data:
        if args.params is not None or not sys.stdin.isatty():
            raise InputError(_NO_ACTION)
        data.update(_ask())
    deps = scripting.container(args, data)
    service, mcc = deps.service, deps.require_google_ads()
    if data["action"] == "list":
        return {"links": [link_to_dict(x) for x in service.ads.list_links(mcc).links]}
    cid = scripting.customer_id(data)
    if data["action"] == "status":
        link = service.ads.get_link(mcc, cid)
        stored = service.get(mcc, cid)
        return {
            "client": client_to_dict(stored),
            "googleStatus": link.status.google_name if link else None,
            "mccStatus": link.status.value if link else "NOT_LINKED",
        }
    act = {"invite": service.invite, "cancel": service.cancel, "unlink": service.unlink}
    client = act[data["action"]](mcc, cid)
    return {
        "clientId": cid.digits,
        "mccStatus": client.status.value,
        "client": client_to_dict(client),
    }


def _ask() -> dict[str, Any]:
    """The action (and customer id) asked in the terminal, on stderr: stdout holds the result.

    Raises:
        InputError: the terminal closed (Ctrl-D) before an answer.
    """
    from rich.console import Console
    from rich.prompt import Prompt

    ask = Console(stderr=True)
    try:
        answers = {
            "action": Prompt.ask("Action", choices=list(ACTIONS), default="list", console=ask)
        }
        if answers["action"] != "list":
            answers["customerId"] = Prompt.ask("Google Ads customer id (123-456-7890)", console=ask)
    except EOFError:
        raise InputError(_NO_ACTION) from None
    return scripting.fields(answers, PAYLOAD)


if __name__ == "__main__":
    scripting.run(main)
