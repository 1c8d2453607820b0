#!/usr/bin/env python3
"""Check the status of every MCC link (or one client's) and update the store.

Payload (optional): ``{"customerId": "1112223333", "pendingHours": 24}``. Reads all of the
MCC's links from Google Ads in one query, writes only what changed, flags invitations
pending longer than ``pendingHours`` and adds the statistics. With ``MCC_WEBHOOK_URL`` set,
a webhook delivery pass follows (its report under ``webhooks``), as after ``mcclink monitor``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mcclink import scripting
from mcclink.serialization import client_to_dict
from mcclink.stats import compute


def main() -> dict[str, Any]:
    args = scripting.parser(__doc__.splitlines()[0]).parse_args()
    data = scripting.payload(args)
    deps = scripting.container(args, data)
    age = timedelta(hours=float(data.get("pendingHours", 24)))
    webhook = deps.settings.webhook  # wrong webhook settings stop the run before the sync
    report = deps.service.sync(deps.mcc, pending_age=age)
    result: dict[str, Any] = {
        "success": report.ok,
        "checked": sum(report.counts.values()),
        "changes": [
            {"clientId": c.customer_id.digits, "from": c.status_before, "to": c.status_after}
            for c in report.changes
        ],
        "stalePending": [c.customer_id.digits for c in report.stale_pending],
        "errors": report.errors,
        "statistics": compute(deps.store, deps.mcc, pending_age=age).to_dict(),
    }
    if webhook is not None:
        from mcclink.webhooks import deliver_pending

        result["webhooks"] = deliver_pending(
            deps.store, webhook, mcc=deps.mcc, actor=deps.actor
        ).to_dict()
    if data.get("customerId"):
        result["client"] = client_to_dict(deps.service.get(deps.mcc, scripting.customer_id(data)))
    return result


if __name__ == "__main__":
    scripting.run(main)
