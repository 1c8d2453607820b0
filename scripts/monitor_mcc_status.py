#!/usr/bin/env python3
"""Check the status of every MCC link (or one client's) and update the store.

Payload (optional): ``{"customerId": "1112223333", "pendingHours": 24}``. Reads all of the
MCC's links from Google Ads in one query, writes only what changed, flags invitations
pending longer than ``pendingHours`` (a number of hours, above 0 and at most a year) and
adds the statistics. With ``customerId`` only that client's link is read and compared (the
client must be registered; ``checked`` is 1). With ``MCC_WEBHOOK_URL`` set, a webhook
delivery pass follows (its report under ``webhooks``), as after ``mcclink monitor``. A
whole-MCC check then has the follow-ups of every monitor cycle (``mcclink.followups``): a
reminder pass with ``MCC_MAIL_URL`` set (under ``reminders``) and an alert pass when someone
is to be told (under ``alerts``); a pass that could not run is under ``followUpErrors`` and
makes ``success`` false.
"""

from __future__ import annotations

from mcclink import scripting  # first: Ctrl-C gets a JSON result from here on

# isort: split
from datetime import timedelta
from typing import Any

from mcclink.bootstrap import Container
from mcclink.config import check_all
from mcclink.followups import check_settings, follow_up
from mcclink.monitor import sync_client
from mcclink.serialization import client_to_dict
from mcclink.stats import compute

PAYLOAD: scripting.Schema = {
    "customerId": scripting.customer_id_field,
    "googleAdsCustomerId": scripting.customer_id_field,
    "pendingHours": scripting.hours_field,
}


def main() -> dict[str, Any]:
    args = scripting.parser(__doc__.splitlines()[0]).parse_args()
    data = scripting.payload(args, PAYLOAD)
    deps = scripting.container(args, data)
    age = timedelta(hours=data.get("pendingHours", 24))
    # Every settings problem (MCC, Google Ads, webhook, reminders, alerts) in one error,
    # before the sync.
    check_all(deps.require_google_ads, lambda: deps.settings.webhook, lambda: check_settings(deps))
    webhook, service, mcc = deps.settings.webhook, deps.service, deps.mcc
    one = "customerId" in data or "googleAdsCustomerId" in data
    if one:
        client = service.get(mcc, scripting.customer_id(data))
        report = sync_client(service, client, pending_age=age)
    else:
        report = service.sync(mcc, pending_age=age)
    result: dict[str, Any] = {
        "success": report.ok,
        "checked": sum(report.counts.values()),
        "changes": [
            {"clientId": c.customer_id.digits, "from": c.status_before, "to": c.status_after}
            for c in report.changes
        ],
        "stalePending": [c.customer_id.digits for c in report.stale_pending],
        "errors": report.errors,
        "statistics": compute(deps.store, mcc, pending_age=age).to_dict(),
    }
    if webhook is not None:
        from mcclink.webhooks import deliver_pending

        result["webhooks"] = deliver_pending(
            deps.store, webhook, mcc=mcc, actor=deps.actor
        ).to_dict()
    if one:
        result["client"] = client_to_dict(service.get(mcc, client.customer_id))
    else:
        result.update(_followed_up(deps))
    return result


def _followed_up(deps: Container) -> dict[str, Any]:
    """The cycle's reminder and alert passes, as after ``mcclink monitor``."""
    follow = follow_up(deps)
    done = {k: v for k, v in follow.to_dict().items() if k in ("reminders", "alerts") and v}
    errors = {"reminders": follow.reminders_error, "alerts": follow.alerts_error}
    if any(errors.values()):
        return {**done, "success": False, "followUpErrors": {k: v for k, v in errors.items() if v}}
    return done


if __name__ == "__main__":
    scripting.run(main)
