"""The tree of accounts under a manager, read from Google Ads, with what mcclink holds of it.

``walk`` reads the tree one manager at a time, breadth first (``AdsGateway.manager_view``:
the manager's direct clients and its pending invitations). A sub-manager Google will not
let the login read (its permission error, or an account that is not enabled) becomes a node
carrying that error, and the walk goes on with the rest. ``read_tree`` adds the overlay:
whether each account is registered in the store under the manager above it, and the link
status mcclink holds. CLI (``mcclink hierarchy``), API and dashboard all show ``Tree.to_dict``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from mcclink.domain import CustomerId, LinkStatus
from mcclink.errors import AccountNotFound, Fix, GoogleAdsError, InputError, PermissionDenied
from mcclink.ports import AccountNode, AdsGateway, Store

#: What to do about a sub-manager the walk could not read, by Google's refusal.
_FIXES: tuple[tuple[type[GoogleAdsError], str], ...] = (
    (
        PermissionDenied,
        "set GOOGLE_ADS_LOGIN_CUSTOMER_ID to a manager above this one that your Google user "
        "can open (usually the root MCC), or ask an admin of the sub-manager for access",
    ),
    (
        AccountNotFound,
        "the sub-manager is not enabled: reactivate it in Google Ads, or end its link",
    ),
)


@dataclass(frozen=True)
class TreeNode:
    """One account of the tree, as the manager above it lists it.

    ``account.level`` is the distance from the walk's root (0 for the root itself).
    """

    account: AccountNode
    parent: CustomerId | None
    #: A manager's clients whose invitation is still PENDING; None when the manager was not
    #: read (below ``depth``, unreachable, or not a manager).
    pending: tuple[CustomerId, ...] | None = None
    #: Why the walk could not read below this sub-manager; None when it could.
    error: GoogleAdsError | None = None


#: The most levels below its root a walk may be asked to read (CLI ``--depth``, the API's
#: ``depth``, the dashboard's field). Google nests accounts far less deep: it only bounds a
#: request.
MAX_DEPTH = 100


def check_depth(depth: int | None) -> int | None:
    """``depth`` when it is None (the whole tree) or from 1 to ``MAX_DEPTH``.

    Raises:
        InputError: anything else.
    """
    if depth is not None and not 1 <= depth <= MAX_DEPTH:
        raise InputError(depth_rule(depth))
    return depth


def depth_rule(given: object) -> str:
    """What a depth must be, and the value ``given`` that is not."""
    return (
        f"depth must be a whole number from 1 to {MAX_DEPTH} (1 shows the manager's direct "
        f"clients), not {given!r}"
    )


def walk(ads: AdsGateway, root: CustomerId, depth: int | None = None) -> Iterator[TreeNode]:
    """``root`` and the accounts below it down to ``depth`` levels (all if None), breadth
    first; each manager is read when its node is reached (lazily).

    Raises:
        InputError: ``root`` is no account, not enabled, or not a manager; or ``depth`` is
            below 1.
        GoogleAdsError: reading ``root`` itself failed (its errors are not a node's).
    """
    check_depth(depth)
    try:
        view = ads.manager_view(root, root)
    except AccountNotFound as exc:
        raise InputError(
            str(exc),
            fix=Fix(
                cli="check --mcc (or MCC_CUSTOMER_ID)",
                api="check mcc= (without it, the server's MCC_CUSTOMER_ID)",
                page="choose another manager in the Manager list (or check the server's "
                "MCC_CUSTOMER_ID and MCC_CUSTOMER_IDS)",
            ),
        ) from exc
    own = next((n for n in view.nodes if n.level == 0), None)
    if own is None or not own.manager:
        raise InputError(
            f"{root} is a client account, not a manager",
            fix=Fix(
                cli="give --mcc (or MCC_CUSTOMER_ID) a manager account's id",
                api="give mcc= a manager account's id (without it, the server's "
                "MCC_CUSTOMER_ID must be one)",
                page="choose a manager account in the Manager list (the server's "
                "MCC_CUSTOMER_ID and MCC_CUSTOMER_IDS must name managers)",
            ),
        )
    queue: deque[TreeNode] = deque([TreeNode(own, None)])
    seen = {root}
    while queue:
        node = queue.popleft()
        account = node.account
        if account.manager and (depth is None or account.level < depth):
            if node.parent is not None:
                try:
                    view = ads.manager_view(account.customer_id, root)
                except (PermissionDenied, AccountNotFound) as exc:
                    yield replace(node, error=exc)
                    continue
            node = replace(node, pending=tuple(view.pending))
            for child in view.nodes:
                if child.level != 1 or (child.manager and child.customer_id in seen):
                    continue
                seen.add(child.customer_id)
                level = account.level + 1
                queue.append(TreeNode(replace(child, level=level), account.customer_id))
        yield node


def fix_for(error: GoogleAdsError) -> str:
    """What to do about a sub-manager the walk could not read."""
    return next(
        (fix for cls, fix in _FIXES if isinstance(error, cls)),
        "run `mcclink doctor`, then `mcclink hierarchy` again",
    )


@dataclass(frozen=True)
class Tree:
    """A walked tree with mcclink's overlay, ready to show."""

    root: CustomerId
    depth: int | None
    nodes: list[TreeNode]
    #: (manager, client) -> the link status mcclink holds, for the clients registered.
    held: dict[tuple[CustomerId, CustomerId], LinkStatus]

    @property
    def unreachable(self) -> list[TreeNode]:
        """The sub-managers the walk could not read."""
        return [n for n in self.nodes if n.error is not None]

    def status_of(self, manager: CustomerId | None, client: CustomerId) -> LinkStatus | None:
        """The link status mcclink holds for ``client`` under ``manager``, or None."""
        return None if manager is None else self.held.get((manager, client))

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape (``mcclink hierarchy --json``, the API)."""
        return {
            "root": self.root.digits,
            "depth": self.depth,
            "accounts": [self._node_dict(n) for n in self.nodes],
            "unreachable": len(self.unreachable),
        }

    def _node_dict(self, node: TreeNode) -> dict[str, Any]:
        account = node.account
        data: dict[str, Any] = {
            "customer_id": account.customer_id.digits,
            "name": account.name,
            "level": account.level,
            "parent": None if node.parent is None else node.parent.digits,
            "manager": account.manager,
            "hidden": account.hidden,
            "status": account.status,
            "test_account": account.test_account,
            "currency_code": account.currency_code,
            "time_zone": account.time_zone,
            **self._overlay(node.parent, account.customer_id),
        }
        if account.manager:
            data["pending_invitations"] = node.pending and [
                {"customer_id": c.digits, **self._overlay(account.customer_id, c)}
                for c in node.pending
            ]
            data["error"] = (
                None
                if node.error is None
                else {
                    "code": node.error.code,
                    "message": str(node.error),
                    "fix": fix_for(node.error),
                }
            )
        return data

    def _overlay(self, manager: CustomerId | None, client: CustomerId) -> dict[str, Any]:
        status = self.status_of(manager, client)
        return {"registered": status is not None, "link_status": status and status.value}


def read_tree(ads: AdsGateway, store: Store, root: CustomerId, depth: int | None = None) -> Tree:
    """Walk ``root``'s tree and look up, per manager in it, the clients the store holds.

    Raises:
        InputError, GoogleAdsError: as ``walk``.
        StoreUnavailable: the store could not be read.
    """
    nodes = list(walk(ads, root, depth))
    held: dict[tuple[CustomerId, CustomerId], LinkStatus] = {}
    for node in nodes:
        if node.pending is not None:
            manager = node.account.customer_id
            held.update(((manager, c.customer_id), c.status) for c in store.list_clients(manager))
    return Tree(root, depth, nodes, held)
