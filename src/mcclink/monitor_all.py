"""Every manager in one monitor run: one cycle per manager, a bounded number at once.

``mcclink monitor --all`` / ``--tree`` and the Lambda run ``sync_managers``. Each manager's
cycle is the one-MCC cycle (``monitor.sync``, through the service): one listing, the
store's clients of that manager compared one by one as they are read, changed-only writes,
its own ``MONITOR`` entry. A cycle that fails (Google refused the listing, the store could
not be read) is that manager's run with its error; the others go on.

Up to ``concurrency`` cycles run at once, in threads. Each running cycle has a service of
its own, over a store of its own (SQLite serialises one connection's calls: each thread
gets its connection), while the Google Ads adapter is shared (thread-safe per call, and
one pace for the project's quota). Memory stays bounded by the concurrency, not by the
managers: a cycle holds one manager's listing, and the next manager starts only when the
caller has taken a finished run, so at most ``concurrency`` listings exist at once.

Which managers a tree run covers is decided here too (``TreeManagers``): the CLI's
``--tree`` and the Lambda's ``MCC_MONITOR_TREE`` both use it.

This module never imports the service: the caller passes how a cycle's service is opened.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from types import TracebackType
from typing import Protocol

from mcclink.domain import CustomerId
from mcclink.errors import AccountNotFound, InputError, MccLinkError
from mcclink.hierarchy import walk
from mcclink.monitor import DEFAULT_PENDING_AGE, SyncReport
from mcclink.ports import AdsGateway

#: Managers synced at once unless told otherwise (``--concurrency``, ``MCC_MONITOR_CONCURRENCY``).
DEFAULT_CONCURRENCY = 4
#: The most managers synced at once: each holds a listing and a store connection.
MAX_CONCURRENCY = 32
#: Google's status of an account whose links can be read (``AccountNode.status``).
ENABLED = "ENABLED"


class Cycles(Protocol):
    """What runs one manager's cycle (the service)."""

    def sync(
        self,
        mcc: CustomerId,
        *,
        pending_age: timedelta = DEFAULT_PENDING_AGE,
        import_all: bool = False,
    ) -> SyncReport:
        """One monitor cycle for ``mcc``."""
        ...


#: Opens a service for one thread's cycles and closes it afterwards.
OpenCycles = Callable[[], AbstractContextManager[Cycles]]


@dataclass(frozen=True)
class ManagerRun:
    """One manager's cycle in a run over many: its report, or the error that stopped it."""

    mcc: CustomerId
    report: SyncReport | None = None
    error: MccLinkError | None = None

    @property
    def ok(self) -> bool:
        """True when the cycle ran and met no error."""
        return self.report is not None and self.report.ok


@dataclass(frozen=True)
class SkippedManager:
    """A manager of the tree that a tree run leaves out: Google holds its account as not
    enabled (CANCELED, SUSPENDED, CLOSED), so its links cannot be read."""

    mcc: CustomerId
    status: str

    def to_dict(self) -> dict[str, str]:
        """Its JSON shape (``monitor --tree --json``'s summary, the Lambda's log line)."""
        return {"mcc_customer_id": self.mcc.digits, "status": self.status}


class TreeManagers:
    """The managers a tree run syncs: each root and every manager below it whose account
    is ENABLED, as ``hierarchy.walk`` finds them (lazily, each root once); the managers
    left out are in ``skipped`` once the walk has passed them.

    Iterating raises what ``walk`` raises for a root: ``InputError`` (a client account, no
    account, not enabled), ``GoogleAdsError`` (the root could not be read).
    """

    def __init__(self, ads: AdsGateway, roots: Iterable[CustomerId]) -> None:
        self._ads, self._roots = ads, tuple(dict.fromkeys(roots))
        self.skipped: list[SkippedManager] = []

    def __iter__(self) -> Iterator[CustomerId]:
        for root in self._roots:
            for node in walk(self._ads, root):
                account = node.account
                if not account.manager:
                    continue
                if account.status == ENABLED:
                    yield account.customer_id
                elif all(s.mcc != account.customer_id for s in self.skipped):
                    self.skipped.append(SkippedManager(account.customer_id, account.status))


def check_concurrency(concurrency: int, source: str = "--concurrency") -> int:
    """``concurrency`` when it is 1 to ``MAX_CONCURRENCY``.

    Raises:
        InputError: it is not, naming ``source`` and the range.
    """
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InputError(
            f"{source} {concurrency} is out of range: give how many managers to sync at "
            f"once, from 1 to {MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY})"
        )
    return concurrency


def sync_managers(
    open_cycles: OpenCycles,
    managers: Iterable[CustomerId],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    pending_age: timedelta = DEFAULT_PENDING_AGE,
    import_all: bool = False,
) -> Iterator[ManagerRun]:
    """Sync each of ``managers`` (each once), ``concurrency`` at a time; yields each
    manager's run as it finishes (in that order, not the managers').

    Args:
        open_cycles: opens a service over a store of its own (one per running cycle).
        managers: the manager accounts, read as cycles start.
        concurrency: how many cycles run at once (1 to ``MAX_CONCURRENCY``).
        pending_age: invitations pending longer than this are reported as stale.
        import_all: also import unknown clients whose link ended (see ``monitor.sync``).

    Raises:
        InputError: ``concurrency`` is out of range (before anything runs).
    """
    check_concurrency(concurrency)
    todo = iter(dict.fromkeys(managers))

    def cycle(mcc: CustomerId, lent: _Lender) -> ManagerRun:
        try:
            with lent() as cycles:
                report = cycles.sync(mcc, pending_age=pending_age, import_all=import_all)
        except MccLinkError as exc:
            return ManagerRun(mcc, error=_explained(mcc, exc))
        return ManagerRun(mcc, report=report)

    with (
        _Lender(open_cycles) as lend,
        ThreadPoolExecutor(concurrency, thread_name_prefix="mcclink-monitor") as pool,
    ):
        running: set[Future[ManagerRun]] = {
            pool.submit(cycle, mcc, lend) for mcc in islice(todo, concurrency)
        }
        while running:
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()
                running |= {pool.submit(cycle, mcc, lend) for mcc in islice(todo, 1)}


def _explained(mcc: CustomerId, error: MccLinkError) -> MccLinkError:
    """``error``; or, when Google holds ``mcc`` itself as not enabled, the same error (its
    code kept) saying what that means for the clients registered under it and what to do."""
    if not (isinstance(error, AccountNotFound) and error.code.endswith("CUSTOMER_NOT_ENABLED")):
        return error
    return AccountNotFound(
        f"manager {mcc} is not enabled at Google Ads (cancelled, suspended or closed): its "
        "links cannot be read, so the clients registered under it are not monitored; "
        f"reactivate {mcc} in Google Ads, or archive its clients (`mcclink --mcc {mcc} "
        "clients archive`) and register them under an enabled manager",
        code=error.code,
        request_id=error.request_id,
    )


class _Lender:
    """Services lent to one cycle at a time: opened when none is idle (so at most one per
    running cycle), closed when the run ends."""

    def __init__(self, open_cycles: OpenCycles) -> None:
        self._open = open_cycles
        self._idle: queue.SimpleQueue[Cycles] = queue.SimpleQueue()
        self._opened = ExitStack()
        self._lock = threading.Lock()

    def __enter__(self) -> _Lender:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._opened.close()

    @contextmanager
    def __call__(self) -> Iterator[Cycles]:
        try:
            cycles = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                cycles = self._opened.enter_context(self._open())
        try:
            yield cycles
        finally:
            self._idle.put(cycles)
