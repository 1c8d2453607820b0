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
from typing import Any, Self, TypeGuard

from mcclink.domain import CustomerId
from mcclink.emulator.oauth import CLIENT_SECRET, REFRESH_TOKEN
from mcclink.errors import InputError

#: Google's limits the emulator enforces.
MAX_MANAGERS_PER_CLIENT = 5
MAX_PENDING_INVITATIONS_PER_CLIENT = 20

ACCOUNT_STATUSES = ("ENABLED", "CANCELED", "SUSPENDED", "CLOSED")
AUTO_RESPONSES = ("accept", "refuse")

EXPECTED_SHAPE = (
    '{"managers": [{"id": "1234567890", "name": "..."}], '
    '"clients": [{"id": "1112223333", "name": "..."}], '
    '"latency_ms": 0, "qps_limit": null, "fault_rate": 0.0, "seed": 1}'
)


class _Problem(Exception):
    """A shape problem found while reading a scenario; becomes an ``InputError``."""


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
        except _Problem as exc:
            raise InputError(f"knobs: {exc}") from None

    @classmethod
    def _read(cls, raw: Mapping[str, object], base: Knobs) -> Knobs:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - names)
        if unknown:
            raise _Problem(f"unknown knob(s) {unknown}; known: {sorted(names)}")
        knobs = replace(
            base,
            latency_ms=_number(raw, "latency_ms", base.latency_ms, ""),
            qps_limit=_optional_int(raw, "qps_limit", base.qps_limit, ""),
            fault_rate=_number(raw, "fault_rate", base.fault_rate, ""),
            seed=_optional_int(raw, "seed", base.seed, "", minimum=None),
            token_ttl_s=_int(raw, "token_ttl_s", base.token_ttl_s, ""),
        )
        if not 0.0 <= knobs.fault_rate <= 1.0:
            raise _Problem(f"fault_rate must be between 0 and 1, not {knobs.fault_rate}")
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
        except (_Problem, InputError) as exc:
            raise _input_error(source, str(exc)) from None

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read a scenario file.

        Raises:
            InputError: the file cannot be read, is not JSON or has a wrong shape.
        """
        try:
            text = path.read_text(encoding="utf-8")
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
        top = _object(raw, "the top level")
        sections = {"managers", "clients", "oauth"}
        _no_unknown_keys(top, sections | {f.name for f in fields(Knobs)}, "")
        managers = tuple(
            _manager(m, f"managers[{i}]") for i, m in enumerate(_list(top, "managers", ""))
        )
        if not managers:
            raise _Problem("at least one manager is needed in 'managers'")
        clients = tuple(
            _client(c, f"clients[{i}]") for i, c in enumerate(_list(top, "clients", ""))
        )
        knobs = Knobs._read({k: v for k, v in top.items() if k not in sections}, Knobs())
        oauth = _object(top.get("oauth", {}), "oauth")
        _no_unknown_keys(oauth, {f.name for f in fields(OAuthSpec)}, "oauth")
        credentials = OAuthSpec(
            client_secret=_str(oauth, "client_secret", CLIENT_SECRET, "oauth"),
            refresh_token=_str(oauth, "refresh_token", REFRESH_TOKEN, "oauth"),
        )
        scenario = cls(managers=managers, clients=clients, knobs=knobs, oauth=credentials)
        scenario._check_references()
        return scenario

    def _check_references(self) -> None:
        uses = Counter([m.id for m in self.managers] + [c.id for c in self.clients])
        duplicates = sorted(i for i, n in uses.items() if n > 1)
        if duplicates:
            raise _Problem(f"account id(s) used more than once: {duplicates}")
        manager_ids = {m.id for m in self.managers}
        for index, client in enumerate(self.clients):
            for key in ("linked_to", "invited_by"):
                strangers = sorted(set(getattr(client, key)) - manager_ids)
                if strangers:
                    raise _Problem(f"clients[{index}].{key} names no scenario manager: {strangers}")
            if client.existing_managers + len(client.linked_to) > MAX_MANAGERS_PER_CLIENT:
                raise _Problem(
                    f"clients[{index}] has more than {MAX_MANAGERS_PER_CLIENT} managers "
                    "(existing_managers + linked_to)"
                )


def _input_error(source: str, problem: str) -> InputError:
    return InputError(f"{source}: {problem}; expected a JSON object like {EXPECTED_SHAPE}")


def _manager(raw: object, where: str) -> ManagerSpec:
    item = _object(raw, where)
    _no_unknown_keys(item, {f.name for f in fields(ManagerSpec)}, where)
    return ManagerSpec(
        id=_customer_id(item, where),
        name=_name(item, where),
        can_manage_clients=_bool(item, "can_manage_clients", True, where),
        test_account=_bool(item, "test_account", False, where),
        account_limit=_optional_int(item, "account_limit", None, where, minimum=0),
        currency_code=_str(item, "currency_code", "BRL", where),
        time_zone=_str(item, "time_zone", "America/Sao_Paulo", where),
    )


def _client(raw: object, where: str) -> ClientSpec:
    item = _object(raw, where)
    _no_unknown_keys(item, {f.name for f in fields(ClientSpec)}, where)
    return ClientSpec(
        id=_customer_id(item, where),
        name=_name(item, where),
        status=_choice(item, "status", ACCOUNT_STATUSES, "ENABLED", where),
        test_account=_bool(item, "test_account", False, where),
        accessible=_bool(item, "accessible", True, where),
        existing_managers=_int(item, "existing_managers", 0, where, minimum=0),
        pending_invitations=_int(item, "pending_invitations", 0, where, minimum=0),
        linked_to=_id_list(item, "linked_to", where),
        invited_by=_id_list(item, "invited_by", where),
        auto_respond=_choice(item, "auto_respond", AUTO_RESPONSES, None, where),
        currency_code=_str(item, "currency_code", "BRL", where),
        time_zone=_str(item, "time_zone", "America/Sao_Paulo", where),
    )


def _object(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Problem(f"{where} must be a JSON object, not {type(raw).__name__}")
    return raw


def _no_unknown_keys(item: Mapping[str, object], known: set[str], where: str) -> None:
    unknown = sorted(set(item) - known)
    if unknown:
        raise _Problem(f"{where or 'top level'}: unknown key(s) {unknown}; known: {sorted(known)}")


def _list(item: Mapping[str, object], key: str, where: str) -> list[object]:
    value = item.get(key, [])
    if not isinstance(value, list):
        raise _Problem(f"{_at(where, key)} must be a list")
    return value


def _customer_id(item: Mapping[str, object], where: str) -> str:
    if "id" not in item:
        raise _Problem(f"{where}.id is missing")
    try:
        return CustomerId.parse(item["id"]).digits
    except InputError as exc:
        raise _Problem(f"{where}.id: {exc}") from None


def _id_list(item: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
    ids = []
    for index, raw in enumerate(_list(item, key, where)):
        try:
            ids.append(CustomerId.parse(raw).digits)
        except InputError as exc:
            raise _Problem(f"{_at(where, key)}[{index}]: {exc}") from None
    return tuple(ids)


def _name(item: Mapping[str, object], where: str) -> str:
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _Problem(f"{where}.name must be a non-blank string")
    return name


def _str(item: Mapping[str, object], key: str, default: str, where: str) -> str:
    value = item.get(key, default)
    if not isinstance(value, str) or not value:
        raise _Problem(f"{_at(where, key)} must be a non-empty string")
    return value


def _choice(
    item: Mapping[str, object], key: str, allowed: tuple[str, ...], default: str | None, where: str
) -> Any:
    value = item.get(key, default)
    if value is not None and value not in allowed:
        raise _Problem(f"{_at(where, key)} must be one of {list(allowed)}, not {value!r}")
    return value


def _bool(item: Mapping[str, object], key: str, default: bool, where: str) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise _Problem(f"{_at(where, key)} must be true or false")
    return value


def _int(
    item: Mapping[str, object], key: str, default: int, where: str, minimum: int | None = 1
) -> int:
    value = item.get(key, default)
    if not _is_int(value) or (minimum is not None and value < minimum):
        floor = "" if minimum is None else f" >= {minimum}"
        raise _Problem(f"{_at(where, key)} must be an integer{floor}, not {value!r}")
    return value


def _optional_int(
    item: Mapping[str, object], key: str, default: int | None, where: str, minimum: int | None = 1
) -> int | None:
    if item.get(key, default) is None:
        return None
    return _int(item, key, 0, where, minimum)


def _number(item: Mapping[str, object], key: str, default: float, where: str) -> float:
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _Problem(f"{_at(where, key)} must be a number >= 0, not {value!r}")
    return float(value)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
