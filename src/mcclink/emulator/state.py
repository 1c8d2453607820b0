"""The emulator's in-memory world: accounts, manager links, knobs and counters.

One re-entrant lock guards everything. The gRPC servicer holds it for the whole of a call's
work (calls are sub-millisecond), so a call sees and leaves a consistent world; the public
methods here (used by the admin endpoints and tests, from other threads) take it themselves.
The link state machine with Google's rules lives in ``links``, which this module uses for
the advertiser's answers; ``links`` sees this world only through its ``World`` protocol and
never imports this module.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import grpc

from mcclink.domain import CustomerId
from mcclink.emulator import failures, links
from mcclink.emulator.failures import RpcFault
from mcclink.emulator.model import Account, Link, User
from mcclink.emulator.oauth import MANAGER_EMAIL, TokenIssuer
from mcclink.emulator.scenario import ClientSpec, Knobs, ManagerSpec, Scenario
from mcclink.errors import InputError, InvalidTransition

_OUTSIDE_MANAGER_IDS_FROM = 9_000_000_001
_NEW_ACCOUNT_IDS_FROM = 7_000_000_001
_FIRST_MANAGER_LINK_ID = 100_000_001


@dataclass
class _World:
    accounts: dict[str, Account] = field(default_factory=dict)
    # manager -> client -> every link between them, oldest first; by_client shares the lists.
    by_manager: dict[str, dict[str, list[Link]]] = field(default_factory=dict)
    by_client: dict[str, dict[str, list[Link]]] = field(default_factory=dict)
    next_link_id: int = _FIRST_MANAGER_LINK_ID
    next_account_id: int = _NEW_ACCOUNT_IDS_FROM


class EmulatorState:
    """Accounts, links, knobs and counters of one emulator; thread-safe."""

    #: Calls per RPC method name (e.g. ``"MutateCustomerClientLink"``).
    calls: Counter[str]
    #: Invitations sent through the API per (manager, client).
    invitations: Counter[tuple[str, str]]
    #: Calls answered RESOURCE_EXHAUSTED by the ``qps_limit`` knob.
    resource_exhausted: int
    #: Calls answered UNAVAILABLE by the ``fault_rate`` knob or ``fail_next``.
    faults_injected: int
    knobs: Knobs
    first_manager: str

    def __init__(self, scenario: Scenario) -> None:
        self.lock = threading.RLock()
        self.tokens = TokenIssuer()
        self.load(scenario)

    # -- set-up and knobs -------------------------------------------------------------------

    def load(self, scenario: Scenario) -> None:
        """Replace the world, knobs and counters with ``scenario``'s; every token issued so far
        becomes valid again (see ``TokenIssuer.reset``)."""
        with self.lock:
            self._world = _World()
            self.first_manager = scenario.managers[0].id
            self.calls, self.invitations = Counter(), Counter()
            self.resource_exhausted = self.faults_injected = 0
            self._planned_faults: Counter[str] = Counter()
            self._admitted: deque[float] = deque()
            self._apply_knobs(scenario.knobs, reseed=True)
            self.tokens.client_secret = scenario.oauth.client_secret
            self.tokens.refresh_token = scenario.oauth.refresh_token
            self.tokens.clients = {c.client_id: c for c in scenario.oauth_clients}
            self.tokens.reset()
            own = User(MANAGER_EMAIL, scenario.managers[0].name, access=None)
            self._users = {u.email: u for u in (own, *scenario.users)}
            for manager in scenario.managers:
                self.add_account(_manager_account(manager))
            for manager in scenario.managers:
                if manager.managed_by:
                    self.add_link(manager.managed_by, manager.id, "ACTIVE")
            # Every scenario account first, so that outside managers never take their ids.
            for client in scenario.clients:
                self.add_account(_client_account(client))
            for client in scenario.clients:
                self._load_links(client)

    def set_knobs(self, **changes: object) -> Knobs:
        """Change knobs at run time (``latency_ms``, ``qps_limit``, ``fault_rate``, ``seed``,
        ``token_ttl_s``); a new ``seed`` restarts the fault sequence.

        Raises:
            InputError: an unknown knob or a value out of range.
        """
        with self.lock:
            self._apply_knobs(self.knobs.updated(changes), reseed="seed" in changes)
            return self.knobs

    def fail_next(self, method: str, count: int) -> None:
        """Answer the next ``count`` calls of ``method`` (e.g. ``"MutateCustomerManagerLink"``)
        UNAVAILABLE before any change, as the ``fault_rate`` knob does; 0 clears the plan.

        Raises:
            InputError: a negative ``count``.
        """
        if count < 0:
            raise InputError(f"count must be 0 or more, not {count}")
        with self.lock:
            self._planned_faults[method] = count

    def _apply_knobs(self, knobs: Knobs, *, reseed: bool) -> None:
        self.knobs = knobs
        self.tokens.ttl_s = knobs.token_ttl_s
        if reseed:
            self._rng = random.Random(knobs.seed)

    def _load_links(self, spec: ClientSpec) -> None:
        outsiders = self._outside_managers(spec.existing_managers + spec.pending_invitations)
        for index, manager in enumerate(outsiders):
            status = "ACTIVE" if index < spec.existing_managers else "PENDING"
            self.add_link(manager, spec.id, status)
        for manager in spec.linked_to:
            self.add_link(manager, spec.id, "ACTIVE")
        for manager in spec.invited_by:
            self.add_link(manager, spec.id, "PENDING")

    def _outside_managers(self, count: int) -> list[str]:
        """Ids of managers outside the scenario (created on first use; shared by clients)."""
        ids: list[str] = []
        candidate = _OUTSIDE_MANAGER_IDS_FROM
        while len(ids) < count:
            account = self.account(str(candidate))
            if account is None:
                name = f"Outside manager {candidate}"
                account = Account(str(candidate), name, manager=True, accessible=False)
                self.add_account(account)
            if account.manager and not account.accessible:
                ids.append(account.id)
            candidate += 1
        return ids

    # -- the gate every call passes ---------------------------------------------------------

    def admit(self, method: str) -> None:
        """Count a call, then apply the latency, fault and rate-limit knobs and planned faults.

        Raises:
            RpcFault: an injected UNAVAILABLE, or RESOURCE_EXHAUSTED over ``qps_limit``.
        """
        with self.lock:
            self.calls[method] += 1
            knobs = self.knobs
            planned = self._planned_faults[method] > 0
            self._planned_faults[method] -= planned
            faulty = planned or (knobs.fault_rate > 0 and self._rng.random() < knobs.fault_rate)
            self.faults_injected += faulty
        if knobs.latency_ms:
            time.sleep(knobs.latency_ms / 1000)
        if faulty:
            raise RpcFault(
                None, "The service is currently unavailable.", status=grpc.StatusCode.UNAVAILABLE
            )
        if knobs.qps_limit is not None:
            self._throttle(knobs.qps_limit)

    def _throttle(self, limit: int) -> None:
        now = time.monotonic()
        with self.lock:
            window = self._admitted
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) < limit:
                window.append(now)
                return
            self.resource_exhausted += 1
            delay = max(1.0 - (now - window[0]), 0.001)
        raise RpcFault(
            failures.RESOURCE_TEMPORARILY_EXHAUSTED,
            f"Too many requests: over {limit} per second. Retry in {delay:.3f} seconds.",
            retry_delay_s=delay,
        )

    # -- accounts and links (callers hold the lock) -----------------------------------------

    def account(self, customer_id: str) -> Account | None:
        """The account with this id, or None."""
        return self._world.accounts.get(customer_id)

    def accounts(self) -> Iterator[Account]:
        """Every account, in id order."""
        return iter(sorted(self._world.accounts.values(), key=lambda a: a.id))

    def add_account(self, account: Account) -> Account:
        """Add an account to the world."""
        self._world.accounts[account.id] = account
        return account

    def new_account_id(self) -> str:
        """An unused account id for ``CreateCustomerClient``."""
        while str(self._world.next_account_id) in self._world.accounts:
            self._world.next_account_id += 1
        return str(self._world.next_account_id)

    def add_link(self, manager: str, client: str, status: str) -> Link:
        """A new link between ``manager`` and ``client`` with the next manager_link_id."""
        link = Link(manager, client, self._world.next_link_id, status)
        self._world.next_link_id += 1
        history = self._world.by_manager.setdefault(manager, {}).setdefault(client, [])
        self._world.by_client.setdefault(client, {})[manager] = history
        history.append(link)
        return link

    def newest_link(self, manager: str, client: str) -> Link | None:
        """The latest link between the two accounts, or None if there never was one."""
        history = self._world.by_manager.get(manager, {}).get(client)
        return history[-1] if history else None

    def find_link(self, manager: str, client: str, manager_link_id: int) -> Link | None:
        """The link with this id between the two accounts, or None."""
        history = self._world.by_manager.get(manager, {}).get(client, [])
        return next((k for k in history if k.manager_link_id == manager_link_id), None)

    def client_links(self, manager: str) -> list[Link]:
        """The newest link to each client of ``manager`` (what Google lists), by client id."""
        by_client = self._world.by_manager.get(manager, {})
        return [by_client[client][-1] for client in sorted(by_client)]

    def manager_links(self, client: str) -> list[Link]:
        """The newest link from each manager of ``client``, by manager id."""
        by_manager = self._world.by_client.get(client, {})
        return [by_manager[manager][-1] for manager in sorted(by_manager)]

    def active_clients(self, manager: str) -> list[str]:
        """The accounts ``manager`` directly manages (ACTIVE links)."""
        return [k.client for k in self.client_links(manager) if k.status == "ACTIVE"]

    def active_managers(self, client: str) -> list[str]:
        """The managers that directly manage ``client`` (ACTIVE links)."""
        return [k.manager for k in self.manager_links(client) if k.status == "ACTIVE"]

    def is_under(self, customer: str, login: str) -> bool:
        """Whether ``customer`` is ``login`` or below it in the ACTIVE-link hierarchy."""
        # Walk up from the customer: an account has at most a few managers, while a manager
        # can have thousands of clients.
        seen: set[str] = set()
        frontier = [customer]
        while frontier:
            if login in frontier:
                return True
            seen.update(frontier)
            frontier = [m for c in frontier for m in self.active_managers(c) if m not in seen]
        return False

    def hierarchy(self, root: str) -> list[tuple[str, int]]:
        """``root`` and every account below it with its level (root at 0), breadth first."""
        found, frontier, level = [(root, 0)], [root], 0
        seen = {root}
        while frontier:
            level += 1
            below = [c for m in frontier for c in self.active_clients(m) if c not in seen]
            seen.update(below)
            found += [(c, level) for c in below]
            frontier = below
        return found

    # -- users: who reaches which account, with which role ---------------------------------

    def user(self, email: str) -> User | None:
        """The user with this email (the manager's user is ``oauth.MANAGER_EMAIL``), or None."""
        with self.lock:
            return self._users.get(email.lower())

    def users(self) -> list[User]:
        """Every user who can sign in, the manager's user first."""
        with self.lock:
            return list(self._users.values())

    def role(self, email: str, account: Account) -> str | None:
        """The role ``email``'s user has directly on ``account`` (a name in ``ROLES``), or None.

        The manager's user is ADMIN on every account whose ``accessible`` flag is set.
        """
        user = self.user(email)
        if user is None:
            return None
        if user.access is None:
            return "ADMIN" if account.accessible else None
        return user.access.get(account.id)

    def set_user(self, user: User) -> User:
        """Add a user, or replace the one with the same email (``POST /_emulator/users``).

        Raises:
            InputError: the manager's user, or an account that is not in the emulator.
        """
        if user.access is None or user.email == MANAGER_EMAIL:
            raise InputError(f"{MANAGER_EMAIL} is the emulator's own user and cannot change")
        with self.lock:
            strangers = sorted(a for a in user.access if self.account(a) is None)
            if strangers:
                raise InputError(f"access names accounts not in the emulator: {strangers}")
            self._users[user.email] = user
        return user

    # -- the advertiser's side and read-outs (public, thread-safe) --------------------------

    def respond(self, client: str, manager: str, action: str) -> Link:
        """Answer as the advertiser: ``accept`` / ``refuse`` an invitation, or ``unlink``.

        Raises:
            InputError: an unknown action or account id.
            InvalidTransition: the newest link is not PENDING (accept, refuse) or ACTIVE (unlink).
        """
        if action not in links.RESPONSES:
            raise InputError(
                f"unknown action {action!r}: expected one of {sorted(links.RESPONSES)}"
            )
        client_id, manager_id = CustomerId.parse(client).digits, CustomerId.parse(manager).digits
        with self.lock:
            for account_id in (client_id, manager_id):
                if self.account(account_id) is None:
                    raise InputError(f"account {account_id} is not in the emulator's scenario")
            link = self.newest_link(manager_id, client_id)
            if link is None:
                raise InvalidTransition(f"manager {manager_id} never invited client {client_id}")
            try:
                links.client_set_status(self, link, links.RESPONSES[action])
            except RpcFault as fault:
                raise InvalidTransition(f"cannot {action}: {fault.message}") from None
            return link

    def link_status(self, manager: str, client: str) -> str | None:
        """The status name of the newest link between the two accounts, or None."""
        with self.lock:
            link = self.newest_link(
                CustomerId.parse(manager).digits, CustomerId.parse(client).digits
            )
            return link.status if link else None

    def invitations_sent(self, client: str, manager: str) -> int:
        """How many invitations ``manager`` sent ``client`` through the API."""
        with self.lock:
            key = (CustomerId.parse(manager).digits, CustomerId.parse(client).digits)
            return self.invitations[key]

    def snapshot(self) -> dict[str, object]:
        """Links, accounts, knobs and counters as JSON-ready data (``GET /_emulator/state``)."""
        with self.lock:
            pairs = [link for account in self.accounts() for link in self.client_links(account.id)]
            return {
                "links": [
                    {**asdict(k), "invitations_sent": self.invitations[(k.manager, k.client)]}
                    for k in pairs
                ],
                "accounts": [asdict(a) for a in self.accounts()],
                "calls": dict(sorted(self.calls.items())),
                "resource_exhausted": self.resource_exhausted,
                "faults_injected": self.faults_injected,
                "knobs": asdict(self.knobs),
                "users": [asdict(u) for u in self._users.values()],
            }


def _manager_account(spec: ManagerSpec) -> Account:
    return Account(
        spec.id,
        spec.name,
        manager=True,
        status=spec.status,
        test_account=spec.test_account,
        accessible=spec.accessible,
        can_manage_clients=spec.can_manage_clients,
        account_limit=spec.account_limit,
        currency_code=spec.currency_code,
        time_zone=spec.time_zone,
    )


def _client_account(spec: ClientSpec) -> Account:
    return Account(
        spec.id,
        spec.name,
        status=spec.status,
        test_account=spec.test_account,
        accessible=spec.accessible,
        auto_respond=spec.auto_respond,
        currency_code=spec.currency_code,
        time_zone=spec.time_zone,
    )
