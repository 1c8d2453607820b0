"""Reading JSON shapes with clear errors: the checks scenarios and admin bodies share.

Each reader takes the parsed object, a key and ``where`` (the path named in the message, e.g.
``clients[2]``) and raises ``Problem`` with a message that names the path and what was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

from mcclink.domain import CustomerId
from mcclink.errors import InputError


class Problem(Exception):
    """A shape problem found while reading JSON; the caller turns it into an ``InputError``."""


def as_object(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise Problem(f"{where} must be a JSON object, not {type(raw).__name__}")
    return raw


def no_unknown_keys(item: Mapping[str, object], known: set[str], where: str) -> None:
    unknown = sorted(set(item) - known)
    if unknown:
        raise Problem(f"{where or 'top level'}: unknown key(s) {unknown}; known: {sorted(known)}")


def list_at(item: Mapping[str, object], key: str, where: str) -> list[object]:
    value = item.get(key, [])
    if not isinstance(value, list):
        raise Problem(f"{where_key(where, key)} must be a list")
    return value


def account_id(raw: object, where: str) -> str:
    """A customer id (dashed or not) as its ten digits; ``where`` names the value itself."""
    try:
        return CustomerId.parse(raw).digits
    except InputError as exc:
        raise Problem(f"{where}: {exc}") from None


def customer_id(item: Mapping[str, object], where: str) -> str:
    if "id" not in item:
        raise Problem(f"{where}.id is missing")
    return account_id(item["id"], f"{where}.id")


def id_list(item: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
    return tuple(
        account_id(raw, f"{where_key(where, key)}[{index}]")
        for index, raw in enumerate(list_at(item, key, where))
    )


def name_at(item: Mapping[str, object], where: str) -> str:
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise Problem(f"{where}.name must be a non-blank string")
    return name


def string_at(item: Mapping[str, object], key: str, default: str, where: str) -> str:
    value = item.get(key, default)
    if not isinstance(value, str) or not value:
        raise Problem(f"{where_key(where, key)} must be a non-empty string")
    return value


def choice_at(
    item: Mapping[str, object], key: str, allowed: tuple[str, ...], default: str | None, where: str
) -> Any:
    value = item.get(key, default)
    if value is not None and value not in allowed:
        raise Problem(f"{where_key(where, key)} must be one of {list(allowed)}, not {value!r}")
    return value


def bool_at(item: Mapping[str, object], key: str, default: bool, where: str) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise Problem(f"{where_key(where, key)} must be true or false")
    return value


def int_at(
    item: Mapping[str, object], key: str, default: int, where: str, minimum: int | None = 1
) -> int:
    value = item.get(key, default)
    if not _is_int(value) or (minimum is not None and value < minimum):
        floor = "" if minimum is None else f" >= {minimum}"
        raise Problem(f"{where_key(where, key)} must be an integer{floor}, not {value!r}")
    return value


def optional_int_at(
    item: Mapping[str, object], key: str, default: int | None, where: str, minimum: int | None = 1
) -> int | None:
    if item.get(key, default) is None:
        return None
    return int_at(item, key, 0, where, minimum)


def number_at(item: Mapping[str, object], key: str, default: float, where: str) -> float:
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise Problem(f"{where_key(where, key)} must be a number >= 0, not {value!r}")
    return float(value)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def where_key(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
