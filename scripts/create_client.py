#!/usr/bin/env python3
"""Register an advertiser in Clients (NOT_LINKED) and send the MCC invitation.

Payload (``--params`` or stdin), as the original system's runner sends it::

    {"name": "Empresa ABC", "email": "contato@empresaabc.com",
     "googleAdsCustomerId": "9876543210", "sendMccInvitation": true}

Result: ``{"success": true, "clientId": "9876543210", "mccStatus": "PENDING",
"invitationSent": true, "client": {...}}``. A failed invitation still registers the client
(its status stays true, ``last_error`` is set): ``success`` is false and the exit code 1.
"""

from __future__ import annotations

from typing import Any

from mcclink import scripting
from mcclink.errors import GoogleAdsError
from mcclink.serialization import client_to_dict
from mcclink.service import Registration


def main() -> dict[str, Any]:
    args = scripting.parser(__doc__.splitlines()[0]).parse_args()
    data = scripting.payload(args)
    deps = scripting.container(args, data)
    cid = scripting.customer_id(data, "googleAdsCustomerId")
    registration = Registration(cid, str(data.get("name") or ""), data.get("email"))
    invite = bool(data.get("sendMccInvitation", True))
    client = deps.service.register(deps.mcc, registration)
    result: dict[str, Any] = {"clientId": cid.digits, "invitationSent": False}
    if invite:
        try:
            client = deps.service.invite(deps.mcc, cid)
            result["invitationSent"] = True
        except GoogleAdsError as exc:
            client = deps.service.get(deps.mcc, cid)
            result.update(success=False, error=str(exc), errorCode=exc.code)
    return {**result, "mccStatus": client.status.value, "client": client_to_dict(client)}


if __name__ == "__main__":
    scripting.run(main)
