"""Which managers a report is about: every one active in a period, or one the store knows.

The store has no list of managers (no use case needed one, and on DynamoDB it would take a
Scan of the Clients table). A manager in use leaves history all the time (each monitor
cycle writes a ``MONITOR`` entry under it), so "every manager" is read from the period's
history: on SQLite through its time index, on DynamoDB one Query per UTC day of the period
(the ``by_day`` index). A manager with no entry at all in the period (not monitored, nothing
done) is left out: its report would only repeat what was pending before.
"""

from __future__ import annotations

from mcclink.domain import CustomerId
from mcclink.errors import InputError
from mcclink.ports import Store
from mcclink.reports.metrics import PeriodReport
from mcclink.reports.periods import Period


def managers_active_in(store: Store, period: Period) -> list[CustomerId]:
    """Every manager with history in ``period``, in order.

    Raises:
        InputError: none has any: there is nothing to report.
        StoreUnavailable: the store could not be read.
    """
    seen = {entry.mcc_customer_id for entry in store.history_between(period.start, period.end)}
    if not seen:
        raise InputError(
            f"no manager has history in {period.label}, so there is nothing to report: "
            "check the period, or the store (--store, MCC_STORE)"
        )
    return sorted(seen)


def require_known(store: Store, report: PeriodReport) -> PeriodReport:
    """``report``, unless its manager had no client at the period's end and has none now
    (most likely a mistyped id).

    Raises:
        InputError: the manager is unknown to the store.
        StoreUnavailable: the store could not be read.
    """
    if report.clients or report.changes:
        return report
    if next(iter(store.list_clients(report.mcc)), None) is None:
        raise InputError(
            f"manager {report.mcc} has no clients in the store, now or at the end of "
            f"{report.period.label}: check the manager's id (--mcc, MCC_CUSTOMER_ID) and the "
            "store (--store, MCC_STORE)"
        )
    return report
