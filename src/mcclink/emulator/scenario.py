"""Scenarios: the accounts, links and knobs an emulator starts with.

A scenario is a JSON object::

    {
      "managers": [{"id": "123-456-7890", "name": "Agência Demo"}],
      "clients":  [{"id": "111-222-3333", "name": "Padaria Sol"}],
      "latency_ms": 0, "qps_limit": null, "fault_rate": 0.0, "seed": 1, "token_ttl_s": 3600
    }

Ids may be dashed (``123-456-7890``) or plain (``1234567890``). An id that is in no scenario
is an account that does not exist. Unless a trait says otherwise, the emulator's OAuth user
has access to every account, so it can act as the manager and as the advertiser.

Manager traits (all optional):

- ``"can_manage_clients": false`` -- the manager is suspended: inviting answers
  ``ManagerLinkError.SUSPENDED_ACCOUNT_CANNOT_ADD_CLIENTS`` and creating an account
  ``CustomerError.CREATION_DENIED_INELIGIBLE_MCC``.
- ``"test_account": true`` -- a test manager: it can only link test accounts
  (``ManagerLinkError.INVALID_CHANGE`` otherwise), and the accounts it creates are test accounts.
- ``"account_limit": N`` -- how many accounts ``CreateCustomerClient`` may still create
  (then ``CustomerClientLinkError.MAX_CUSTOMER_LIMIT_REACHED``); no limit by default.
- ``"currency_code"`` (default ``"BRL"``), ``"time_zone"`` (default ``"America/Sao_Paulo"``).
- ``"managed_by": "<manager id>"`` -- a sub-manager, ACTIVE under that scenario manager (a tree
  of managers; a manager has at most one manager, and none above itself). The tree keeps
  Google's depth limit: a manager at most at level 5 (its top manager is level 0), a client
  linked to it at most at level 5 too.
- ``"accessible": false``, ``"status": "CANCELED"`` (or ``"SUSPENDED"``, ``"CLOSED"``) -- as
  for clients below: a sub-manager the OAuth user cannot open itself (a walk logged in as a
  manager above it still reads it), or one that is not enabled.

Client (advertiser) traits (all optional):

- ``"status": "CANCELED"`` (or ``"SUSPENDED"``, ``"CLOSED"``; default ``"ENABLED"``) -- an
  account that is not enabled: any call on it, or inviting it, answers
  ``AuthorizationError.CUSTOMER_NOT_ENABLED``.
- ``"test_account": true`` -- cannot be linked to a production manager (``INVALID_CHANGE``).
- ``"accessible": false`` -- the OAuth user has no access to the account itself: it cannot act
  as the advertiser (``AuthorizationError.USER_PERMISSION_DENIED``) and the account is missing
  from ``ListAccessibleCustomers``. A manager that manages it can still read it.
- ``"existing_managers": N`` -- already ACTIVE under N other managers outside the scenario
  (ids ``9000000001`` upwards); at 5 it is at Google's limit and an invitation answers
  ``ManagerLinkError.TOO_MANY_MANAGERS``.
- ``"pending_invitations": N`` -- N invitations from managers outside the scenario already
  wait; at 20 a new one answers ``CustomerClientLinkError.CLIENT_HAS_TOO_MANY_INVITATIONS``.
- ``"linked_to": [manager ids]`` -- already ACTIVE under these scenario managers.
- ``"invited_by": [manager ids]`` -- an invitation from these scenario managers is PENDING.
- ``"auto_respond": "accept" | "refuse"`` -- the advertiser answers every invitation at once.
- ``"currency_code"``, ``"time_zone"`` -- as for managers.

Knobs (top level, all optional; also settable at run time): ``latency_ms`` (sleep per call),
``qps_limit`` (calls admitted per rolling second, then ``RESOURCE_EXHAUSTED`` with
``QuotaError.RESOURCE_TEMPORARILY_EXHAUSTED`` and a ``retry_delay``), ``fault_rate`` (fraction
of calls answered ``UNAVAILABLE`` before any change), ``seed`` (random source of faults),
``token_ttl_s`` (lifetime of the access tokens the token endpoint issues).

``"oauth": {"client_secret": "...", "refresh_token": "..."}`` (optional) replaces the
emulator's public fake credentials with the scenario's own, for tests that look for
distinctive secret values in what mcclink writes; ``mcclink emulator serve`` prints them.

People and applications (top level, optional; shapes in ``identities``):

- ``"users": [{"email": "ana@padaria.com.br", "name": "Ana", "hd": "padaria.com.br",
  "access": {"111-222-3333": "ADMIN", "222-333-4444": "READ_ONLY"}}]`` -- who can sign in on
  the emulator's authorization page, the accounts each reaches directly and the role on each
  (``ADMIN``, ``STANDARD``, ``READ_ONLY``, ``EMAIL_ONLY``); ``"email_verified": false`` for an
  address Google has not verified. Their tokens act with that access;
  the emulator's own credentials stay the manager's user (every ``accessible`` account, ADMIN).
- ``"oauth_clients": [{"client_id": "...", "client_secret": "...", "redirect_uris": [...],
  "name": "..."}]`` -- applications with registered redirect URIs; the emulator's own client
  accepts any loopback redirect, or one under ``MCC_PUBLIC_URL``.

The built-in demo scenario (``Scenario.demo()``) has the manager ``123-456-7890``
"Agência Demo" and ten advertisers: ``111-222-3333`` Padaria São João, ``222-333-4444`` Açaí &
Cia, ``333-444-5555`` Oficina do Zé, ``444-555-6666`` Farmácia Bem-Estar, ``555-666-7777`` Pet
Shop Amigo Fiel (already under 5 other managers: at the limit), ``666-777-8888`` Livraria Saber,
``777-888-9999`` Salão Beleza Pura, ``888-999-0000`` Churrascaria Gaúcha, ``123-123-1234``
Sorveteria Polar, ``321-321-4321`` Floricultura Jardim.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Self

from mcclink.emulator.grants import OAuthClient
from mcclink.emulator.identities import read_oauth_client, read_user
from mcclink.emulator.model import User
from mcclink.emulator.oauth import CLIENT_SECRET, REFRESH_TOKEN
from mcclink.emulator.shapes import (
    Problem,
    account_id,
    as_object,
    bool_at,
    choice_at,
    customer_id,
    id_list,
    int_at,
    list_at,
    name_at,
    no_unknown_keys,
    number_at,
    optional_int_at,
    string_at,
    where_key,
)
from mcclink.errors import InputError
from mcclink.files import read_plain_file

#: The largest scenario file read (far above any test's or benchmark's world).
MAX_SCENARIO_BYTES = 64 * 1024 * 1024
#: Google's limits the emulator enforces.
MAX_MANAGERS_PER_CLIENT = 5
MAX_PENDING_INVITATIONS_PER_CLIENT = 20
#: Levels a hierarchy may have, from the top manager down to the lowest account (Google Ads
#: API "System limits", https://developers.google.com/google-ads/api/docs/best-practices/
#: system-limits: "Maximum number of levels in a hierarchy, from the top-level manager account
#: to the bottom-most Google Ads account: 6", answered with
#: ``ManagerLinkError.MAX_DEPTH_EXCEEDED``). Counted as ``customer_client.level`` counts them,
#: the top manager at level 0, so the lowest account may sit at level 5.
MAX_HIERARCHY_LEVELS = 6

ACCOUNT_STATUSES = ("ENABLED", "CANCELED", "SUSPENDED", "CLOSED")
AUTO_RESPONSES = ("accept", "refuse")

EXPECTED_SHAPE = (
    '{"managers": [{"id": "1234567890", "name": "..."}], '
    '"clients": [{"id": "1112223333", "name": "..."}], '
    '"latency_ms": 0, "qps_limit": null, "fault_rate": 0.0, "seed": 1}'
)


@dataclass(frozen=True)
class Knobs:
    """Run-time behaviour: latency, rate limit, faults and token lifetime."""

    latency_ms: float = 0.0
    qps_limit: int | None = None
    fault_rate: float = 0.0
    seed: int | None = None
    token_ttl_s: int = 3600

    def updated(self, changes: Mapping[str, object]) -> Knobs:
        """A copy with ``changes`` applied, each checked.

        Raises:
            InputError: an unknown knob or a value out of range.
        """
        try:
            return self._read(changes, self)
        except Problem as exc:
            raise InputError(f"knobs: {exc}") from None

    @classmethod
    def _read(cls, raw: Mapping[str, object], base: Knobs) -> Knobs:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - names)
        if unknown:
            raise Problem(f"unknown knob(s) {unknown}; known: {sorted(names)}")
        knobs = replace(
            base,
            latency_ms=number_at(raw, "latency_ms", base.latency_ms, ""),
            qps_limit=optional_int_at(raw, "qps_limit", base.qps_limit, ""),
            fault_rate=number_at(raw, "fault_rate", base.fault_rate, ""),
            seed=optional_int_at(raw, "seed", base.seed, "", minimum=None),
            token_ttl_s=int_at(raw, "token_ttl_s", base.token_ttl_s, ""),
        )
        if not 0.0 <= knobs.fault_rate <= 1.0:
            raise Problem(f"fault_rate must be between 0 and 1, not {knobs.fault_rate}")
        return knobs


@dataclass(frozen=True)
class ManagerSpec:
    """A manager account (MCC) of the scenario."""

    id: str
    name: str
    can_manage_clients: bool = True
    test_account: bool = False
    account_limit: int | None = None
    currency_code: str = "BRL"
    time_zone: str = "America/Sao_Paulo"
    managed_by: str | None = None
    accessible: bool = True
    status: str = "ENABLED"


@dataclass(frozen=True)
class ClientSpec:
    """An advertiser account of the scenario, with its traits."""

    id: str
    name: str
    status: str = "ENABLED"
    test_account: bool = False
    accessible: bool = True
    existing_managers: int = 0
    pending_invitations: int = 0
    linked_to: tuple[str, ...] = ()
    invited_by: tuple[str, ...] = ()
    auto_respond: str | None = None
    currency_code: str = "BRL"
    time_zone: str = "America/Sao_Paulo"


@dataclass(frozen=True)
class OAuthSpec:
    """The OAuth client secret and refresh token the token endpoint accepts."""

    client_secret: str = CLIENT_SECRET
    refresh_token: str = REFRESH_TOKEN


@dataclass(frozen=True)
class Scenario:
    """Accounts, initial links and knobs; see the module docstring for the JSON form."""

    managers: tuple[ManagerSpec, ...]
    clients: tuple[ClientSpec, ...] = ()
    knobs: Knobs = field(default_factory=Knobs)
    oauth: OAuthSpec = field(default_factory=OAuthSpec)
    users: tuple[User, ...] = ()
    oauth_clients: tuple[OAuthClient, ...] = ()

    @classmethod
    def from_json(cls, text: str, source: str = "scenario") -> Self:
        """Read a scenario from JSON text; ``source`` names it in error messages.

        Raises:
            InputError: invalid JSON or a wrong shape: names the source, the problem and
                the expected shape.
        """
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _input_error(source, f"invalid JSON ({exc})") from None
        return cls.from_dict(raw, source)

    @classmethod
    def from_dict(cls, raw: object, source: str = "scenario") -> Self:
        """Read a scenario from parsed JSON; ``source`` names it in error messages.

        Raises:
            InputError: a wrong shape: names the source, the problem and the expected shape.
        """
        try:
            return cls._read(raw)
        except (Problem, InputError) as exc:
            raise _input_error(source, str(exc)) from None

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read a scenario file.

        Raises:
            InputError: the file cannot be read, is not JSON or has a wrong shape.
        """
        try:
            text = read_plain_file(path, MAX_SCENARIO_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read scenario file {str(path)!r}: {exc}") from None
        return cls.from_json(text, source=str(path))

    @classmethod
    def demo(cls) -> Self:
        """The built-in demo: one agency and ten Brazilian advertisers (module docstring)."""
        text = resources.files(__package__).joinpath("demo.json").read_text(encoding="utf-8")
        return cls.from_json(text, source="demo.json")

    @classmethod
    def _read(cls, raw: object) -> Self:
        top = as_object(raw, "the top level")
        sections = {"managers", "clients", "oauth", "users", "oauth_clients"}
        no_unknown_keys(top, sections | {f.name for f in fields(Knobs)}, "")
        managers = tuple(
            _manager(m, f"managers[{i}]") for i, m in enumerate(list_at(top, "managers", ""))
        )
        if not managers:
            raise Problem("at least one manager is needed in 'managers'")
        clients = tuple(
            _client(c, f"clients[{i}]") for i, c in enumerate(list_at(top, "clients", ""))
        )
        knobs = Knobs._read({k: v for k, v in top.items() if k not in sections}, Knobs())
        oauth = as_object(top.get("oauth", {}), "oauth")
        no_unknown_keys(oauth, {f.name for f in fields(OAuthSpec)}, "oauth")
        credentials = OAuthSpec(
            client_secret=string_at(oauth, "client_secret", CLIENT_SECRET, "oauth"),
            refresh_token=string_at(oauth, "refresh_token", REFRESH_TOKEN, "oauth"),
        )
        users = tuple(read_user(u, f"users[{i}]") for i, u in enumerate(list_at(top, "users", "")))
        oauth_clients = tuple(
            read_oauth_client(c, f"oauth_clients[{i}]")
            for i, c in enumerate(list_at(top, "oauth_clients", ""))
        )
        scenario = cls(managers, clients, knobs, credentials, users, oauth_clients)
        scenario._check_references()
        return scenario

    def _check_references(self) -> None:
        uses = Counter([m.id for m in self.managers] + [c.id for c in self.clients])
        duplicates = sorted(i for i, n in uses.items() if n > 1)
        if duplicates:
            raise Problem(f"account id(s) used more than once: {duplicates}")
        manager_ids = {m.id for m in self.managers}
        self._check_people(manager_ids | {c.id for c in self.clients})
        self._check_tree(manager_ids)
        for index, client in enumerate(self.clients):
            for key in ("linked_to", "invited_by"):
                strangers = sorted(set(getattr(client, key)) - manager_ids)
                if strangers:
                    raise Problem(f"clients[{index}].{key} names no scenario manager: {strangers}")
            if client.existing_managers + len(client.linked_to) > MAX_MANAGERS_PER_CLIENT:
                raise Problem(
                    f"clients[{index}] has more than {MAX_MANAGERS_PER_CLIENT} managers "
                    "(existing_managers + linked_to)"
                )

    def _check_tree(self, manager_ids: set[str]) -> None:
        """Every ``managed_by`` names a manager, makes no cycle and keeps Google's depth."""
        parents = {m.id: m.managed_by for m in self.managers if m.managed_by}
        levels: dict[str, int] = {}
        for index, manager in enumerate(self.managers):
            if manager.managed_by and manager.managed_by not in manager_ids:
                raise Problem(
                    f"managers[{index}].managed_by names no scenario manager: {manager.managed_by}"
                )
            above, seen = manager.managed_by, {manager.id}
            while above:
                if above in seen:
                    raise Problem(f"managers[{index}].managed_by makes a cycle of managers")
                seen.add(above)
                above = parents.get(above)
            levels[manager.id] = len(seen) - 1
            _check_level(levels[manager.id], f"managers[{index}] ({manager.id})")
        for index, client in enumerate(self.clients):
            for manager_id in client.linked_to:
                level = levels.get(manager_id, 0) + 1
                _check_level(level, f"clients[{index}] ({client.id}, linked_to {manager_id})")

    def _check_people(self, account_ids: set[str]) -> None:
        for name, keys in (
            ("users", [u.email for u in self.users]),
            ("oauth_clients", [c.client_id for c in self.oauth_clients]),
        ):
            repeated = sorted(k for k, n in Counter(keys).items() if n > 1)
            if repeated:
                raise Problem(f"{name}: used more than once: {repeated}")
        for index, user in enumerate(self.users):
            strangers = sorted(set(user.access or {}) - account_ids)
            if strangers:
                raise Problem(f"users[{index}].access names no scenario account: {strangers}")


def _check_level(level: int, what: str) -> None:
    if level >= MAX_HIERARCHY_LEVELS:
        raise Problem(
            f"{what} would sit at level {level} of its tree, counted as customer_client.level "
            f"counts (the top manager is level 0): Google allows levels 0 to "
            f"{MAX_HIERARCHY_LEVELS - 1}; shorten its managed_by chain"
        )


def _input_error(source: str, problem: str) -> InputError:
    return InputError(f"{source}: {problem}; expected a JSON object like {EXPECTED_SHAPE}")


def _manager(raw: object, where: str) -> ManagerSpec:
    item = as_object(raw, where)
    no_unknown_keys(item, {f.name for f in fields(ManagerSpec)}, where)
    return ManagerSpec(
        id=customer_id(item, where),
        name=name_at(item, where),
        can_manage_clients=bool_at(item, "can_manage_clients", True, where),
        test_account=bool_at(item, "test_account", False, where),
        account_limit=optional_int_at(item, "account_limit", None, where, minimum=0),
        currency_code=string_at(item, "currency_code", "BRL", where),
        time_zone=string_at(item, "time_zone", "America/Sao_Paulo", where),
        managed_by=(
            account_id(item["managed_by"], where_key(where, "managed_by"))
            if "managed_by" in item
            else None
        ),
        accessible=bool_at(item, "accessible", True, where),
        status=choice_at(item, "status", ACCOUNT_STATUSES, "ENABLED", where),
    )


def _client(raw: object, where: str) -> ClientSpec:
    item = as_object(raw, where)
    no_unknown_keys(item, {f.name for f in fields(ClientSpec)}, where)
    return ClientSpec(
        id=customer_id(item, where),
        name=name_at(item, where),
        status=choice_at(item, "status", ACCOUNT_STATUSES, "ENABLED", where),
        test_account=bool_at(item, "test_account", False, where),
        accessible=bool_at(item, "accessible", True, where),
        existing_managers=int_at(item, "existing_managers", 0, where, minimum=0),
        pending_invitations=int_at(item, "pending_invitations", 0, where, minimum=0),
        linked_to=id_list(item, "linked_to", where),
        invited_by=id_list(item, "invited_by", where),
        auto_respond=choice_at(item, "auto_respond", AUTO_RESPONSES, None, where),
        currency_code=string_at(item, "currency_code", "BRL", where),
        time_zone=string_at(item, "time_zone", "America/Sao_Paulo", where),
    )
