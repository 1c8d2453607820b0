"""The four queryable resources: their fields, their records, and their ``GoogleAdsRow``s.

Field kinds come from the library's own proto-plus metadata, so enum values and types are
exactly the installed API version's. A record is a plain dict keyed by full field name
(``customer_client_link.status``), built under the state lock; rows are built from records.

What each resource lists (``customer_id`` is the request's customer):

- ``customer_client_link``: one row per client of the manager -- the NEWEST link of each pair
  (Google shows the current link; older, finished links of a re-invited client are not listed).
- ``customer_manager_link``: one row per manager of the client, the newest link of each pair.
- ``customer_client``: the customer itself (level 0) and every account below it through ACTIVE
  links, with its level (``WHERE customer_client.level <= 1`` gives the direct clients) and
  ``hidden`` as its manager's link to it has it.
- ``customer``: the customer itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import proto

from mcclink.ads.version import API_VERSION
from mcclink.emulator import protos
from mcclink.emulator.gaql import Catalog, FieldKind, Query, Record
from mcclink.emulator.model import Account, Link

if TYPE_CHECKING:
    from mcclink.emulator.state import EmulatorState

#: resource -> (proto-plus class, the fields the emulator serves).
_RESOURCES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "customer_client_link": (
        "CustomerClientLink",
        ("resource_name", "client_customer", "manager_link_id", "status", "hidden"),
    ),
    "customer_manager_link": (
        "CustomerManagerLink",
        ("resource_name", "manager_customer", "manager_link_id", "status"),
    ),
    "customer_client": (
        "CustomerClient",
        (
            "resource_name", "client_customer", "hidden", "level", "time_zone", "test_account",
            "manager", "descriptive_name", "currency_code", "id", "status",
        ),
    ),
    "customer": (
        "Customer",
        (
            "resource_name", "id", "descriptive_name", "currency_code", "time_zone", "manager",
            "test_account", "status",
        ),
    ),
}  # fmt: skip

_KINDS: Mapping[Any, FieldKind] = {
    proto.STRING: FieldKind("string"),
    proto.INT64: FieldKind("int"),
    proto.INT32: FieldKind("int"),
    proto.BOOL: FieldKind("bool"),
}


def _class(resource: str, version: str) -> Any:
    return getattr(protos.load(f"resources.types.{resource}", version), _RESOURCES[resource][0])


@functools.cache
def catalog(version: str = API_VERSION) -> Catalog:
    """Every served field of every resource, with its kind from API ``version``'s metadata."""
    return {
        resource: {f"{resource}.{name}": _kind(_class(resource, version), name) for name in names}
        for resource, (_, names) in _RESOURCES.items()
    }


def _kind(cls: Any, name: str) -> FieldKind:
    field = cls.meta.fields[name]
    if field.proto_type == proto.ENUM:
        return FieldKind("enum", frozenset(member.name for member in field.enum))
    return _KINDS[field.proto_type]


def records(state: EmulatorState, query: Query, customer: Account) -> list[Record]:
    """The records ``query`` reads, seen from ``customer`` (caller holds the lock).

    A superset of the matches: ``query.run`` still applies every condition. A query for one
    client's link reads that link only, as Google's index would, instead of every link of
    a manager that may have tens of thousands.
    """
    if query.resource == "customer_client_link":
        client = _equal_to(query, "customer_client_link.client_customer")
        if client is not None:
            link = state.newest_link(customer.id, str(client).removeprefix("customers/"))
            return [] if link is None else [_client_link(link)]
    return _RECORDS[query.resource](state, customer)


def _equal_to(query: Query, field: str) -> object | None:
    """The value ``query`` requires of ``field`` (``field = value``), or None."""
    return next(
        (c.values[0] for c in query.conditions if c.field == field and c.operator == "="), None
    )


def _client_link_records(state: EmulatorState, manager: Account) -> list[Record]:
    return [_client_link(link) for link in state.client_links(manager.id)]


def _client_link(link: Link) -> Record:
    # Written out (not through ``_prefixed``): a manager lists tens of thousands of these.
    return {
        "customer_client_link.resource_name": link.client_link_name,
        "customer_client_link.client_customer": f"customers/{link.client}",
        "customer_client_link.manager_link_id": link.manager_link_id,
        "customer_client_link.status": link.status,
        "customer_client_link.hidden": link.hidden,
    }


def _manager_link_records(state: EmulatorState, client: Account) -> list[Record]:
    return [
        _prefixed(
            "customer_manager_link",
            resource_name=link.manager_link_name,
            manager_customer=f"customers/{link.manager}",
            manager_link_id=link.manager_link_id,
            status=link.status,
        )
        for link in state.manager_links(client.id)
    ]


def _customer_client_records(state: EmulatorState, root: Account) -> list[Record]:
    found = []
    tree = state.hierarchy(root.id)
    managers = {account_id for account_id, _ in tree}
    for account_id, level in tree:
        account = state.account(account_id)
        assert account is not None  # links only join existing accounts
        found.append(
            _prefixed(
                "customer_client",
                resource_name=f"customers/{root.id}/customerClients/{account.id}",
                client_customer=f"customers/{account.id}",
                hidden=level > 0 and _hidden(state, account.id, managers),
                level=level,
                **_account_fields(account),
            )
        )
    return found


def _hidden(state: EmulatorState, account_id: str, tree: set[str]) -> bool:
    """Whether the account's manager in ``tree`` hides it (its ACTIVE link's ``hidden``)."""
    return any(
        link.hidden
        for link in state.manager_links(account_id)
        if link.status == "ACTIVE" and link.manager in tree
    )


def _customer_records(state: EmulatorState, customer: Account) -> list[Record]:
    return [
        _prefixed("customer", resource_name=f"customers/{customer.id}", **_account_fields(customer))
    ]


def _account_fields(account: Account) -> dict[str, object]:
    return {
        "id": int(account.id),
        "descriptive_name": account.name,
        "currency_code": account.currency_code,
        "time_zone": account.time_zone,
        "manager": account.manager,
        "test_account": account.test_account,
        "status": account.status,
    }


def _prefixed(resource: str, **values: object) -> Record:
    return {f"{resource}.{name}": value for name, value in values.items()}


_RECORDS: Mapping[str, Callable[[EmulatorState, Account], list[Record]]] = {
    "customer_client_link": _client_link_records,
    "customer_manager_link": _manager_link_records,
    "customer_client": _customer_client_records,
    "customer": _customer_records,
}


def add_rows(query: Query, found: Sequence[Record], results: Any) -> None:
    """Append to ``results`` one ``GoogleAdsRow`` per record, with the selected fields (and
    always the resource name) set.

    ``results`` is the raw protobuf repeated field of a response (``Response.pb()``), filled
    in place from plain dicts: building 50,000 proto-plus rows, then copying them into the
    response, took the emulator longer than the whole monitor cycle it was serving.
    """
    prefix = f"{query.resource}."
    names = {f.removeprefix(prefix) for f in query.fields} | {"resource_name"}
    keys = [(name, prefix + name) for name in names]
    add = results.add
    for record in found:
        add(**{query.resource: {name: record[key] for name, key in keys}})
