"""How Google's view of a link maps onto a stored client: pure rules, no I/O.

The service and the monitor both record what Google says through ``state_from_google``; a
view older than what the store already records (another writer got there first) implies
nothing, so no transition is ever recorded twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from mcclink.domain import Client, LinkStatus, utcnow
from mcclink.errors import Fix, InputError
from mcclink.ports import GoogleLink, StoredLink

#: The statuses of a link in force at Google, or about to be (an invitation not yet
#: answered): such a link must be ended before its client leaves the store.
LIVE = frozenset({LinkStatus.PENDING, LinkStatus.APPROVED})


def stored_link(client: Client) -> GoogleLink:
    """The link as last recorded for ``client`` (the service only acts on recorded links)."""
    if client.manager_link_id is None or client.link_resource_name is None:
        raise InputError(
            f"client {client.customer_id} has no recorded link id",
            fix=Fix(
                cli="run `mcclink monitor --once` to read it from Google Ads",
                api="run a monitor cycle (POST /api/v1/monitor/run) to read it from Google Ads",
                page="press Run monitor now to read it from Google Ads",
            ),
        )
    return GoogleLink(
        manager=client.mcc_customer_id,
        client=client.customer_id,
        manager_link_id=client.manager_link_id,
        status=client.status,
        resource_name=client.link_resource_name,
    )


def state_from_google(
    client: Client, link: GoogleLink | None, read_at: datetime | None = None
) -> Client:
    """``client`` as Google's view of its link implies (None: no link at all).

    A view older than what the store records implies nothing: ``client`` comes back
    unchanged. That is a link older than the recorded one (``older_than_stored``), or no
    link in a view read before ``client`` was last written (the write may record a link
    Google made after the view was read).
    """
    if link is None and read_at is not None and client.updated_at >= read_at:
        return client
    if link is not None and older_than_stored(client, link):
        return client
    if agrees(StoredLink.of(client), link):
        return client
    status = link.status if link else LinkStatus.NOT_LINKED
    changes: dict[str, object] = {
        "status": status,
        "manager_link_id": link.manager_link_id if link else None,
        "link_resource_name": link.resource_name if link else None,
        "pending_operation": None,
        "last_error": None if link else client.last_error,
        # Hidden or shown in the Google Ads UI too: the store follows (a new link is shown).
        "hidden": link.hidden if link else False,
    }
    if status is not client.status:
        changes["status_changed_at"] = utcnow()
        if status is LinkStatus.PENDING:
            changes["invited_at"] = changes["status_changed_at"]
    return client.evolve(last_checked_at=utcnow(), **changes)


def agrees(stored: StoredLink, link: GoogleLink | None) -> bool:
    """Whether a stored client already records what ``link`` says (no action in flight,
    and no error left over when Google shows a link): then Google's view implies nothing.

    Most clients of a monitor cycle agree: the cycle checks them on ``StoredLink``s, never
    reading them whole.
    """
    if stored.in_flight:
        return False
    if link is None:
        return (
            stored.status == LinkStatus.NOT_LINKED
            and stored.manager_link_id is None
            and stored.link_resource_name is None
            and not stored.hidden
        )
    return (
        stored.status == link.status
        and stored.manager_link_id == link.manager_link_id
        and stored.link_resource_name == link.resource_name
        and stored.hidden == link.hidden
        and not stored.failed
    )


#: Where each status stands in the life of one link: Google only moves a link forward
#: (PENDING, then ACTIVE / REFUSED / CANCELED, then INACTIVE after ACTIVE).
_LIFE_STAGE: Mapping[LinkStatus, int] = {
    LinkStatus.PENDING: 0,
    LinkStatus.APPROVED: 1,
    LinkStatus.REJECTED: 1,
    LinkStatus.CANCELLED: 1,
    LinkStatus.UNLINKED: 2,
}


def older_than_stored(client: Client, link: GoogleLink) -> bool:
    """Whether ``link`` is an older view of Google than the one ``client`` records.

    A listing or an answer is read before it is applied; meanwhile another writer (a
    monitor, an action) may record something newer: a later link, or a later stage of the
    same link. Applying the older view would move the client back, and the next writer
    would record the same move forward a second time.
    """
    recorded = client.manager_link_id or 0
    if link.manager_link_id != recorded:
        return link.manager_link_id < recorded
    return _LIFE_STAGE[link.status] < _LIFE_STAGE.get(client.status, 0)
