"""The manager-link state machine and account creation, with the rules Google checks.

Every function here is called with ``state.lock`` held and either changes the world or raises
``RpcFault`` having changed nothing. With ``validate_only`` the checks run and nothing changes.

A link is one invitation and what became of it::

    PENDING --(client: ACTIVE)--> ACTIVE --(either side: INACTIVE)--> INACTIVE
       |--(client: REFUSED)--> REFUSED
       '--(manager: CANCELED)--> CANCELED

Inviting again after REFUSED, CANCELED or INACTIVE creates a NEW link with a new
``manager_link_id``; the old one keeps its final status.

Dependencies run one way: ``state`` (the world, ``EmulatorState``) uses these rules for the
advertiser's answers, and these rules see the world only through ``World``, the few reads
and writes they need; this module never imports ``state``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mcclink.emulator import failures
from mcclink.emulator.failures import RpcFault
from mcclink.emulator.model import Account, Link
from mcclink.emulator.scenario import (
    MAX_HIERARCHY_LEVELS,
    MAX_MANAGERS_PER_CLIENT,
    MAX_PENDING_INVITATIONS_PER_CLIENT,
)

#: Currencies the emulator accepts for new accounts (a subset of Google's list).
CURRENCIES = frozenset(
    {"ARS", "AUD", "BRL", "CAD", "CHF", "CLP", "COP", "EUR", "GBP", "INR", "JPY", "MXN", "PEN"}
    | {"PYG", "USD", "UYU"}
)


class World(Protocol):
    """What the rules read and change of the emulator's world (``EmulatorState`` is one)."""

    #: Invitations sent through the API per (manager, client).
    invitations: Counter[tuple[str, str]]

    def account(self, customer_id: str) -> Account | None:
        """The account with this id, or None."""

    def add_account(self, account: Account) -> Account:
        """Add an account to the world."""

    def new_account_id(self) -> str:
        """An unused account id."""

    def add_link(self, manager: str, client: str, status: str) -> Link:
        """A new link between the two accounts with the next manager_link_id."""

    def newest_link(self, manager: str, client: str) -> Link | None:
        """The latest link between the two accounts, or None."""

    def manager_links(self, client: str) -> list[Link]:
        """The newest link from each manager of ``client``."""

    def active_managers(self, client: str) -> list[str]:
        """The managers that directly manage ``client`` (ACTIVE links)."""

    def active_clients(self, manager: str) -> list[str]:
        """The accounts ``manager`` directly manages (ACTIVE links)."""

    def is_under(self, customer: str, login: str) -> bool:
        """Whether ``customer`` is ``login`` or below it in the ACTIVE-link hierarchy."""


_BY_MANAGER = {("PENDING", "CANCELED"), ("ACTIVE", "INACTIVE")}
_CLIENT_MOVES = frozenset({"ACTIVE", "REFUSED", "INACTIVE"})
#: The advertiser's answers (admin side and ``auto_respond``), as the status each one sets.
RESPONSES = {"accept": "ACTIVE", "refuse": "REFUSED", "unlink": "INACTIVE"}


def invite(
    state: World,
    manager: Account,
    client_id: str,
    *,
    validate_only: bool = False,
    location: Sequence[str] = ("operation", "create", "client_customer"),
) -> Link | None:
    """Send an invitation from ``manager`` to ``client_id`` (a new PENDING link).

    Raises:
        RpcFault: the client does not exist or is not enabled, the manager cannot invite,
            the pair is already pending / active, the manager already reaches the client
            through a sub-manager, or a limit is reached (managers, invitations, depth).
    """
    client = state.account(client_id)
    if client is None:
        raise RpcFault(failures.INVALID_CUSTOMER_ID, "Invalid customer ID.", location=location)
    _check_can_invite(state, manager, client, location)
    current = state.newest_link(manager.id, client.id)
    if current is not None and current.status == "PENDING":
        raise RpcFault(
            failures.ALREADY_INVITED,
            "Client is already invited by this manager.",
            location=location,
        )
    if current is not None and current.status == "ACTIVE":
        raise RpcFault(
            failures.ALREADY_MANAGED,
            "The client is already managed by this manager.",
            location=location,
        )
    if client.manager and state.is_under(manager.id, client.id):
        raise RpcFault(
            failures.CYCLE_NOT_ALLOWED, "Adding this link will create a cycle.", location=location
        )
    # A direct ACTIVE link was answered above. "An account can only be linked once within
    # the same manager hierarchy" (support.google.com/google-ads/answer/9626114), a hierarchy
    # being the accounts "with the same top-level manager" (support.google.com/
    # adscreativestudio/answer/13047850): a manager above the inviter, beside it or below it
    # already managing the client is refused alike.
    if _in_same_hierarchy(state, manager.id, state.active_managers(client.id)):
        raise RpcFault(
            failures.ALREADY_MANAGED_IN_HIERARCHY,
            "The client is already managed in the hierarchy of this manager.",
            location=location,
        )
    _check_manager_room(state, client.id, location)
    _check_depth(state, manager.id, client.id, location)
    pending = [k for k in state.manager_links(client.id) if k.status == "PENDING"]
    if len(pending) >= MAX_PENDING_INVITATIONS_PER_CLIENT:
        raise RpcFault(
            failures.TOO_MANY_INVITATIONS,
            f"The client already has {len(pending)} pending invitations.",
            location=location,
        )
    if validate_only:
        return None
    state.invitations[(manager.id, client.id)] += 1
    link = state.add_link(manager.id, client.id, "PENDING")
    if client.auto_respond:
        client_set_status(state, link, RESPONSES[client.auto_respond])
    return link


def _check_can_invite(
    state: World, manager: Account, client: Account, location: Sequence[str]
) -> None:
    if client.id == manager.id:
        raise RpcFault(
            failures.CANNOT_MANAGE_SELF,
            "You are not allowed to link a manager account to itself.",
            location=location,
        )
    if not manager.manager:
        raise RpcFault(failures.ACTION_NOT_PERMITTED, "Only a manager account can invite clients.")
    if not manager.can_manage_clients:
        raise RpcFault(
            failures.SUSPENDED_MANAGER,
            "Your manager account is suspended, and you are no longer allowed to link to clients.",
        )
    if client.status != "ENABLED":
        raise RpcFault(
            failures.CUSTOMER_NOT_ENABLED,
            f"The customer account {client.id} can't be accessed because it is not yet "
            "enabled or has been deactivated.",
            location=location,
        )
    if client.test_account != manager.test_account:
        raise RpcFault(
            failures.INVALID_CHANGE,
            "The change for mutate link is invalid: test accounts and production accounts "
            "cannot be linked.",
            location=location,
        )


def _top_manager(state: World, account_id: str) -> str:
    """The top-level manager of ``account_id``'s hierarchy (itself when nothing manages it);
    a manager has at most one manager directly above it."""
    seen = {account_id}
    above = state.active_managers(account_id)
    while above and above[0] not in seen:
        account_id = above[0]
        seen.add(account_id)
        above = state.active_managers(account_id)
    return account_id


def _in_same_hierarchy(state: World, manager_id: str, others: Sequence[str]) -> bool:
    """Whether one of ``others`` shares ``manager_id``'s top-level manager."""
    top = _top_manager(state, manager_id)
    return any(_top_manager(state, other) == top for other in others)


def _check_manager_room(state: World, client_id: str, location: Sequence[str]) -> None:
    managers = state.active_managers(client_id)
    if len(managers) >= MAX_MANAGERS_PER_CLIENT:
        raise RpcFault(
            failures.TOO_MANY_MANAGERS,
            f"Client is already linked to too many managers ({len(managers)}).",
            location=location,
        )


def manager_set_status(
    link: Link,
    status: str,
    *,
    validate_only: bool = False,
    location: Sequence[str] = ("operation", "update", "status"),
) -> None:
    """The manager withdraws a PENDING invitation (CANCELED) or ends an ACTIVE link (INACTIVE).

    Raises:
        RpcFault: ``INVALID_STATUS_CHANGE`` for any other move.
    """
    if (link.status, status) not in _BY_MANAGER:
        raise _invalid_status_change(link, status, location)
    if not validate_only:
        link.status = status


def manager_set_hidden(
    link: Link,
    hidden: bool,
    *,
    validate_only: bool = False,
    location: Sequence[str] = ("operation", "update", "hidden"),
) -> None:
    """The manager hides or shows a client in its account list (``CustomerClientLink.hidden``).

    Raises:
        RpcFault: ``INVALID_CHANGE`` for a link that is not ACTIVE (there is no client to hide).
    """
    if link.status != "ACTIVE":
        raise RpcFault(
            failures.INVALID_CHANGE,
            f"Only an ACTIVE link can be hidden or shown; this link is {link.status}.",
            location=location,
        )
    if not validate_only:
        link.hidden = hidden


def client_set_status(
    state: World,
    link: Link,
    status: str,
    *,
    validate_only: bool = False,
    location: Sequence[str] = ("operations[0]", "update", "status"),
) -> None:
    """The client accepts (ACTIVE) or refuses (REFUSED) an invitation, or ends a link (INACTIVE).

    Raises:
        RpcFault: ``NO_PENDING_INVITE`` to answer a link that is not PENDING,
            ``TOO_MANY_MANAGERS`` to accept with 5 managers, ``MAX_DEPTH_EXCEEDED`` to accept
            below the lowest level, ``INVALID_STATUS_CHANGE`` otherwise.
    """
    if status not in _CLIENT_MOVES or (status == "INACTIVE" and link.status != "ACTIVE"):
        raise _invalid_status_change(link, status, location)
    if status != "INACTIVE" and link.status != "PENDING":
        raise RpcFault(failures.NO_PENDING_INVITE, "No pending invitation.", location=location)
    if status == "ACTIVE":
        _check_manager_room(state, link.client, location)
        _check_depth(state, link.manager, link.client, location)
    if not validate_only:
        link.status = status


def move(
    state: World,
    link: Link,
    new_manager_id: str,
    login: str,
    *,
    validate_only: bool = False,
) -> Link | None:
    """Move an ACTIVE client from its manager to ``new_manager_id`` (within ``login``'s tree).

    ``MoveManagerLink`` ends the old link and activates the new one in one call; the caller
    has already checked that the user may act on the client through ``login``.

    Raises:
        RpcFault: the link is not ACTIVE, the new manager is unknown, not enabled, the same,
            outside the login's hierarchy, below the client (a cycle), already manages the
            client, or would put the client's lowest account deeper than ``MAX_HIERARCHY_LEVELS``.
    """
    where = ("new_manager",)
    new_manager = state.account(new_manager_id)
    if new_manager is None or not new_manager.manager:
        raise RpcFault(failures.INVALID_CUSTOMER_ID, "Invalid customer ID.", location=where)
    if new_manager.status != "ENABLED":
        # MoveManagerLink lists AuthorizationError among its errors; a cancelled, suspended
        # or closed account answers CUSTOMER_NOT_ENABLED to any call, a move to it included.
        raise RpcFault(
            failures.CUSTOMER_NOT_ENABLED,
            f"The customer account {new_manager.id} can't be accessed because it is not yet "
            "enabled or has been deactivated.",
            location=where,
        )
    if link.status != "ACTIVE" or new_manager.id == link.manager:
        raise RpcFault(
            failures.INVALID_CHANGE,
            "The change for mutate link is invalid: only an ACTIVE link can move, to another "
            "manager.",
            location=where,
        )
    if not state.is_under(new_manager.id, login):
        raise RpcFault(
            failures.CLIENT_OUTSIDE_TREE,
            "You are not allowed to move a client to a manager that is not under your current "
            "hierarchy.",
            location=where,
        )
    if state.is_under(new_manager.id, link.client):
        raise RpcFault(
            failures.CYCLE_NOT_ALLOWED, "Adding this link will create a cycle.", location=where
        )
    current = state.newest_link(new_manager.id, link.client)
    if current is not None and current.status == "ACTIVE":
        raise RpcFault(
            failures.ALREADY_MANAGED,
            "The client is already managed by this manager.",
            location=where,
        )
    _check_depth(state, new_manager.id, link.client, where)
    if validate_only:
        return None
    link.status = "INACTIVE"
    return state.add_link(new_manager.id, link.client, "ACTIVE")


def _check_depth(state: World, manager: str, client: str, location: Sequence[str]) -> None:
    """Refuse a link under ``manager`` that would put the lowest account of ``client``'s
    branch below Google's deepest level (``MAX_HIERARCHY_LEVELS``, the top manager level 0)."""
    lowest = _depth(state, manager) + 1 + _height(state, client)
    if lowest >= MAX_HIERARCHY_LEVELS:
        raise RpcFault(
            failures.MAX_DEPTH_EXCEEDED,
            "Adding this link would exceed the maximum hierarchy depth: the lowest account "
            f"would be at level {lowest} (the top manager is level 0; at most level "
            f"{MAX_HIERARCHY_LEVELS - 1}).",
            location=location,
        )


def _depth(state: World, customer: str) -> int:
    """How many managers sit above ``customer`` on its longest way up to a top manager."""
    managers = state.active_managers(customer)
    return 1 + max(_depth(state, m) for m in managers) if managers else 0


def _height(state: World, customer: str) -> int:
    """How many levels of accounts ``customer`` manages below itself (0 for an advertiser)."""
    clients = state.active_clients(customer)
    return 1 + max(_height(state, c) for c in clients) if clients else 0


def create_account(
    state: World,
    manager: Account,
    name: str,
    currency_code: str,
    time_zone: str,
    *,
    validate_only: bool = False,
) -> Account | None:
    """Create an account ACTIVE-linked under ``manager`` (a test account under a test manager).

    Raises:
        RpcFault: the manager cannot create accounts, a field is missing or invalid, or the
            manager's ``account_limit`` is used up.
    """
    _check_can_create(manager)
    _check_new_account_fields(name, currency_code, time_zone)
    if validate_only:
        return None
    account = state.add_account(
        Account(
            state.new_account_id(),
            name,
            test_account=manager.test_account,
            currency_code=currency_code,
            time_zone=time_zone,
        )
    )
    if manager.account_limit is not None:
        manager.account_limit -= 1
    state.add_link(manager.id, account.id, "ACTIVE")
    return account


def _check_can_create(manager: Account) -> None:
    if not manager.manager:
        raise RpcFault(
            failures.ACTION_NOT_PERMITTED, "Only a manager account can create client accounts."
        )
    if not manager.can_manage_clients:
        raise RpcFault(
            failures.CREATION_DENIED_INELIGIBLE_MCC,
            "Manager account is ineligible to create new accounts.",
        )
    if manager.account_limit == 0:
        raise RpcFault(
            failures.MAX_CUSTOMER_LIMIT,
            "You have reached the maximum limit of accounts that can be created for this account.",
        )


def _check_new_account_fields(name: str, currency_code: str, time_zone: str) -> None:
    for field_name, value in (
        ("descriptive_name", name),
        ("currency_code", currency_code),
        ("time_zone", time_zone),
    ):
        if not value.strip():
            raise RpcFault(
                failures.REQUIRED,
                "The required field was not present.",
                location=("customer_client", field_name),
            )
    if currency_code not in CURRENCIES:
        raise RpcFault(
            failures.CURRENCY_UNSUPPORTED,
            f"The currency code {currency_code!r} is not supported.",
            location=("customer_client", "currency_code"),
        )
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RpcFault(
            failures.INVALID_TIME_ZONE,
            f"Time zone {time_zone!r} is not valid.",
            location=("customer_client", "time_zone"),
        ) from None


def _invalid_status_change(link: Link, status: str, location: Sequence[str]) -> RpcFault:
    return RpcFault(
        failures.INVALID_STATUS_CHANGE,
        f"The changed status for mutate link is invalid: {link.status} -> {status}.",
        location=location,
    )
