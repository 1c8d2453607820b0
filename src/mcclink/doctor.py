"""``mcclink doctor``: check settings, Google Ads and the store, each with its fix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mcclink.bootstrap import Container
from mcclink.errors import MccLinkError


@dataclass(frozen=True)
class Check:
    """One check: what was checked, whether it passed, and what was found (or the fix)."""

    name: str
    ok: bool
    detail: str


def run_checks(container: Container) -> list[Check]:
    """Every check, in order; a check whose prerequisite failed is reported as skipped."""
    checks: list[Check] = []

    def attempt(name: str, probe: Callable[[], str], needs: tuple[str, ...] = ()) -> None:
        failed = [c.name for c in checks if c.name in needs and not c.ok]
        if failed:
            checks.append(Check(name, False, f"skipped: {', '.join(failed)} failed first"))
            return
        try:
            checks.append(Check(name, True, probe()))
        except MccLinkError as exc:
            checks.append(Check(name, False, str(exc)))

    def settings() -> str:
        container.settings.google_ads()
        return (
            f"MCC {container.mcc}; Google Ads endpoint {container.settings.google_ads().endpoint}"
        )

    def google_ads() -> str:
        ids = container.ads.list_accessible_customers()
        return f"authenticated; {len(ids)} accessible account(s)"

    def mcc_is_manager() -> str:
        nodes = container.ads.hierarchy(container.mcc)
        root = next((n for n in nodes if n.customer_id == container.mcc), None)
        if root is None or not root.manager:
            raise MccLinkError(
                f"{container.mcc} is not a manager account: set MCC_CUSTOMER_ID (or --mcc) to "
                "your manager (MCC) account's id"
            )
        return f"{root.name!r} is a manager account with {len(nodes) - 1} direct client(s)"

    def store() -> str:
        container.store.check()
        return f"{type(container.store).__name__}: tables present, probe write/read/delete ok"

    attempt("settings", settings)
    attempt("google ads", google_ads, needs=("settings",))
    attempt("mcc", mcc_is_manager, needs=("settings", "google ads"))
    attempt("store", store)
    return checks
