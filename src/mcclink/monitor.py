"""The monitor: one Google Ads query per MCC, compared with the store, changed-only writes.

A cycle reads every client link of the MCC in one SearchStream, walks the store's clients
of that MCC once (lazily, as ``StoredLink``s: only what the comparison needs), and reads
whole and writes a client only when Google's view differs from it (status change and
history entry in one write). It also reconciles drift: clients whose
link vanished at Google go back to ``NOT_LINKED``, and live links (PENDING, ACTIVE) at
Google for clients the store does not know are imported, named as Google names the
account (``customer_client.descriptive_name``, read only when an ACTIVE one is imported;
Google shows a manager no name for an account it does not yet manage); a live link to a
manager account (a sub-manager of the tree) is counted, never imported. Links that ended
(refused, cancelled, inactive) are imported only when asked (``import_all``), and a client
archived from the store is never imported again: the newest entry of its life in history
(register, import, account creation or archive) is the archive.

Every cycle ends with one ``MONITOR`` history entry under the MCC itself (customer id =
MCC): the run's outcome, duration, request id and counts, read back by ``last_run``. It is
one extra store write per cycle, whatever changed: a cycle writes one entry per changed
link plus this one.

Dependencies run one way: the service (``mcclink.service``) calls ``sync`` with itself as
the ``Recorder``; this module never imports the service, only ``domain``, ``errors`` and
``ports`` below it.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from mcclink.domain import (
    Client,
    CustomerId,
    HistoryEntry,
    LinkStatus,
    Operation,
    Outcome,
    storable_name,
    utcnow,
)
from mcclink.errors import ClientExists, GoogleAdsError, StoreError
from mcclink.ports import AccountNode, AdsGateway, GoogleLink, Store, StoredLink
from mcclink.reconcile import LIVE, agrees

#: Invitations pending longer than this are flagged (the spec's original system: 24 h).
DEFAULT_PENDING_AGE = timedelta(hours=24)
#: The history entries that begin or end a client's life under a manager in the store (a
#: move does either: arriving under the new manager, leaving the old one).
_LIFE = frozenset(
    {
        Operation.REGISTER,
        Operation.IMPORT,
        Operation.CREATE_ACCOUNT,
        Operation.ARCHIVE,
        Operation.MOVE,
    }
)


class Recorder(Protocol):
    """What a cycle needs: the store, the gateway, who acts, and how a link is recorded."""

    @property
    def store(self) -> Store:
        """Where clients and history live."""

    @property
    def ads(self) -> AdsGateway:
        """The Google Ads gateway."""

    @property
    def actor(self) -> str:
        """Who is acting, recorded in every history entry."""

    def apply_link(
        self,
        client: Client,
        link: GoogleLink | None,
        operation: Operation,
        request_id: str | None = None,
        started: float | None = None,
        note: str | None = None,
        read_at: datetime | None = None,
    ) -> Client:
        """Record what Google says of ``client``'s link (None: Google knows no link)."""


@dataclass(frozen=True)
class StatusChange:
    """One client whose status the cycle changed (or imported)."""

    customer_id: CustomerId
    status_before: LinkStatus | None
    status_after: LinkStatus
    imported: bool = False


@dataclass
class SyncReport:
    """What one monitor cycle saw and did for one MCC."""

    mcc: CustomerId
    started_at: datetime = field(default_factory=utcnow)
    counts: Counter[LinkStatus] = field(default_factory=Counter)
    changes: list[StatusChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stale_pending: list[Client] = field(default_factory=list)
    links_seen: int = 0
    #: Live links at Google to manager accounts (sub-managers), not imported as clients.
    skipped_managers: int = 0
    request_id: str | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the cycle met no error."""
        return not self.errors


def sync(
    recorder: Recorder,
    mcc: CustomerId,
    *,
    pending_age: timedelta = DEFAULT_PENDING_AGE,
    import_all: bool = False,
) -> SyncReport:
    """Bring the store in line with Google Ads for ``mcc``; never raises for one client.

    Args:
        recorder: the store, the gateway and the way a link is recorded (the service).
        mcc: the manager account.
        pending_age: invitations pending longer than this are reported as stale.
        import_all: also import unknown clients whose link ended (refused, cancelled,
            inactive); by default only live links (PENDING, ACTIVE) are imported.

    The run is recorded as one ``MONITOR`` entry under the MCC; a failure to write that
    entry is reported in ``errors`` (the cycle's own writes have landed).

    Raises:
        GoogleAdsError: the links could not be read (recorded as a FAILED ``MONITOR`` entry).
        StoreError: the store could not be read.
    """
    report = SyncReport(mcc=mcc)
    started = time.monotonic()
    try:
        listing = recorder.ads.list_links(mcc)
    except GoogleAdsError as exc:
        report.duration_ms = (time.monotonic() - started) * 1000
        recorder.store.append_history(_run_entry(recorder, report, exc))
        raise
    report.request_id = listing.request_id
    report.links_seen = len(listing.links)
    at_google = _newest_per_client(listing.links)
    stale_before = utcnow() - pending_age
    for stored in recorder.store.stored_links(mcc):
        link = at_google.pop(stored.customer_id, None)
        if agrees(stored, link):
            # Most clients: Google shows what the store records, nothing to read or write.
            report.counts[stored.status] += 1
            if _stale(stored.status, stored.invited_at, stale_before):
                _add_stale(recorder.store, mcc, stored, report)
            continue
        client = _whole(recorder.store, mcc, stored, report)
        if client is None:
            continue
        current = _reconcile(recorder, client, link, listing.request_id, report)
        report.counts[current.status] += 1
        if _stale(current.status, current.invited_at, stale_before):
            report.stale_pending.append(current)
    unknown = [link for link in at_google.values() if import_all or link.status in LIVE]
    _import_unknown(recorder, mcc, unknown, listing.request_id, report)
    report.duration_ms = (time.monotonic() - started) * 1000
    try:
        recorder.store.append_history(_run_entry(recorder, report))
    except StoreError as exc:
        report.errors.append(f"the run record of MCC {mcc} was not written: {exc}")
    return report


def sync_client(
    recorder: Recorder, client: Client, *, pending_age: timedelta = DEFAULT_PENDING_AGE
) -> SyncReport:
    """A monitor check of one client: its link alone is read, compared and written as
    ``sync`` does. No ``MONITOR`` entry: that records a cycle over the whole MCC.

    Raises:
        GoogleAdsError: the link could not be read.
    """
    report = SyncReport(mcc=client.mcc_customer_id)
    started = time.monotonic()
    link = recorder.ads.get_link(client.mcc_customer_id, client.customer_id)
    report.links_seen = int(link is not None)
    current = _reconcile(recorder, client, link, None, report)
    report.counts[current.status] += 1
    if _stale(current.status, current.invited_at, utcnow() - pending_age):
        report.stale_pending.append(current)
    report.duration_ms = (time.monotonic() - started) * 1000
    return report


def _stale(status: LinkStatus, invited_at: datetime | None, stale_before: datetime) -> bool:
    return status is LinkStatus.PENDING and (invited_at or utcnow()) < stale_before


def _whole(store: Store, mcc: CustomerId, stored: StoredLink, report: SyncReport) -> Client | None:
    """The whole client of ``stored``, read now if the store read less; None when it left
    the store meanwhile (archived) or could not be read (an error of the report)."""
    if stored.client is not None:
        return stored.client
    try:
        return store.get_client(mcc, stored.customer_id)
    except StoreError as exc:
        report.errors.append(f"{stored.customer_id}: {exc}")
        return None


def _add_stale(store: Store, mcc: CustomerId, stored: StoredLink, report: SyncReport) -> None:
    """Report the (unchanged) client of ``stored`` as pending too long, read whole."""
    client = _whole(store, mcc, stored, report)
    if client is not None:
        report.stale_pending.append(client)


def last_run(store: Store, mcc: CustomerId) -> HistoryEntry | None:
    """The newest ``MONITOR`` entry of ``mcc`` (its last monitor cycle), or None.

    Raises:
        StoreUnavailable: the store could not be reached or stayed busy.
    """
    runs = (e for e in store.client_history(mcc, mcc) if e.operation is Operation.MONITOR)
    return next(runs, None)


def _newest_per_client(links: list[GoogleLink]) -> dict[CustomerId, GoogleLink]:
    newest: dict[CustomerId, GoogleLink] = {}
    for link in links:
        known = newest.get(link.client)
        if known is None or link.manager_link_id > known.manager_link_id:
            newest[link.client] = link
    return newest


def _reconcile(
    recorder: Recorder,
    client: Client,
    link: GoogleLink | None,
    request_id: str | None,
    report: SyncReport,
) -> Client:
    if link is None and client.status is LinkStatus.NOT_LINKED:
        return client
    if link is not None and client.pending_operation is not None and not _newer(link, client):
        # An action is in flight (or died before Google answered): leave it to that action.
        return client
    note = None if link else "no link at Google Ads"
    try:
        updated = recorder.apply_link(
            client, link, Operation.SYNC, request_id, note=note, read_at=report.started_at
        )
    except StoreError as exc:
        report.errors.append(f"{client.customer_id}: {exc}")
        return client
    if updated.status is not client.status:
        report.changes.append(StatusChange(client.customer_id, client.status, updated.status))
    return updated


def _newer(link: GoogleLink, client: Client) -> bool:
    return link.manager_link_id > (client.manager_link_id or 0)


def _import_unknown(
    recorder: Recorder,
    mcc: CustomerId,
    links: list[GoogleLink],
    request_id: str | None,
    report: SyncReport,
) -> None:
    """Import the clients of ``links`` the store never knew or did not archive.

    A link to a manager account (a sub-manager of the tree) is no advertiser: it is counted
    in ``report.skipped_managers``, never imported.
    """
    links = [link for link in links if not _archived(recorder.store, link, report)]
    accounts = _accounts(recorder.ads, mcc, links, report)
    if accounts is None:
        return
    for link in links:
        account = accounts.get(link.client)
        if account is not None and account.manager:
            report.skipped_managers += 1
            continue
        name = storable_name(account.name if account else None, f"Imported {link.client}")
        _import(recorder, link, name, request_id, report)


def _archived(store: Store, link: GoogleLink, report: SyncReport) -> bool:
    """Whether the client of ``link`` left ``link.manager`` for good: archived, or moved to
    another manager (the link the move ended is not a client to import), or its history
    could not be read."""
    try:
        life = (
            entry
            for entry in store.client_history(link.manager, link.client)
            if entry.operation in _LIFE and entry.outcome is Outcome.SUCCESS
        )
        newest = next(life, None)
        if newest is None:
            return False
        moved = newest.managers_moved
        return newest.operation is Operation.ARCHIVE or (
            moved is not None and moved[0] == link.manager
        )
    except StoreError as exc:
        report.errors.append(f"{link.client}: not imported, its history could not be read: {exc}")
        return True


def _accounts(
    ads: AdsGateway, mcc: CustomerId, links: list[GoogleLink], report: SyncReport
) -> dict[CustomerId, AccountNode] | None:
    """The accounts ``mcc`` manages directly (name, manager or not); None when they could
    not be read.

    Read only when an ACTIVE link is to be imported: Google shows no other account.
    """
    if not any(link.status is LinkStatus.APPROVED for link in links):
        return {}
    try:
        nodes = ads.hierarchy(mcc)
    except GoogleAdsError as exc:
        report.errors.append(
            f"{len(links)} client(s) at Google not imported: their names could not be read "
            f"({exc}); the next cycle tries again"
        )
        return None
    return {node.customer_id: node for node in nodes if node.level == 1}


def _import(
    recorder: Recorder, link: GoogleLink, name: str, request_id: str | None, report: SyncReport
) -> None:
    """Register a client the store did not know, in the state Google shows."""
    now = utcnow()
    client = Client(
        customer_id=link.client,
        mcc_customer_id=link.manager,
        name=name,
        attributes={"imported_from": "google_ads"},
        status=link.status,
        hidden=link.hidden,
        manager_link_id=link.manager_link_id,
        link_resource_name=link.resource_name,
        invited_at=now if link.status is LinkStatus.PENDING else None,
        status_changed_at=now,
        last_checked_at=now,
    )
    entry = HistoryEntry(
        customer_id=client.customer_id,
        mcc_customer_id=client.mcc_customer_id,
        operation=Operation.IMPORT,
        outcome=Outcome.SUCCESS,
        status_after=client.status,
        request_id=request_id,
        actor=recorder.actor,
        details={"note": "link found at Google Ads for a client the store did not know"},
    )
    try:
        recorder.store.create_client(client, entry)
    except ClientExists:
        return  # another monitor imported it first
    except StoreError as exc:
        report.errors.append(f"{client.customer_id}: {exc}")
        return
    report.counts[client.status] += 1
    report.changes.append(StatusChange(client.customer_id, None, client.status, imported=True))


def _run_entry(
    recorder: Recorder, report: SyncReport, failure: GoogleAdsError | None = None
) -> HistoryEntry:
    """The ``MONITOR`` entry of one cycle: SUCCESS, or FAILED when the listing failed."""
    details = {
        "clients": sum(report.counts.values()),
        "changes": len(report.changes),
        "errors": len(report.errors) + (failure is not None),
        "links_seen": report.links_seen,
        "stale_pending": len(report.stale_pending),
    }
    return HistoryEntry(
        customer_id=report.mcc,
        mcc_customer_id=report.mcc,
        operation=Operation.MONITOR,
        outcome=Outcome.SUCCESS if failure is None else Outcome.FAILED,
        error_code=None if failure is None else failure.code or type(failure).__name__,
        error_message=None if failure is None else failure.message,
        request_id=report.request_id if failure is None else failure.request_id,
        actor=recorder.actor,
        duration_ms=report.duration_ms,
        details={key: str(value) for key, value in details.items()},
    )
