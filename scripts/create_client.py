#!/usr/bin/env python3
"""Register an advertiser in Clients (NOT_LINKED) and send the MCC invitation.

Payload (``--params`` or stdin), as the original system's runner sends it::

    {"name": "Empresa ABC", "email": "contato@empresaabc.com",
     "googleAdsCustomerId": "9876543210", "sendMccInvitation": true}

Result: ``{"success": true, "clientId": "9876543210", "mccStatus": "PENDING",
"invitationSent": true, "client": {...}}``. A failed invitation still registers the client
(its status stays true, ``last_error`` is set): ``success`` is false and the exit code 1.
Fields of the wrong type (``"sendMccInvitation": "false"``, a numeric id) or unknown fields
are refused before anything is written: exit 2, each field named.
"""

from __future__ import annotations

from mcclink import scripting  # first: Ctrl-C gets a JSON result from here on

# isort: split
from typing import Any

from mcclink.errors import GoogleAdsError
from mcclink.serialization import client_to_dict
from mcclink.service import Registration

PAYLOAD: scripting.Schema = {
    "name": scripting.text_field,
    "email": scripting.optional_text_field,
    "googleAdsCustomerId": scripting.customer_id_field,
    "sendMccInvitation": scripting.boolean_field,
}


def main() -> dict[str, Any]:
    args = scripting.parser(__doc__.splitlines()[0]).parse_args()
    data = scripting.payload(args, PAYLOAD)
    deps = scripting.container(args, data)
    cid = scripting.customer_id(data, "googleAdsCustomerId")
    registration = Registration(cid, data.get("name", ""), data.get("email"))
    invite = data.get("sendMccInvitation", True)
    mcc = deps.require_google_ads() if invite else deps.mcc
    client = deps.service.register(mcc, registration)
    result: dict[str, Any] = {"clientId": cid.digits, "invitationSent": False}
    if invite:
        try:
            client = deps.service.invite(mcc, cid)
            result["invitationSent"] = True
        except GoogleAdsError as exc:
            client = deps.service.get(mcc, cid)
            result.update(success=False, error=str(exc), errorCode=exc.code)
    return {**result, "mccStatus": client.status.value, "client": client_to_dict(client)}


if __name__ == "__main__":
    scripting.run(main)
