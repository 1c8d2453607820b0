"""Both stores refuse the same out-of-bounds clients before any write, and still read the
clients stored before the limits existed (#14 item 9)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from mcclink.domain import MAX_ATTRIBUTE_VALUE, Operation
from mcclink.errors import InputError
from mcclink.ports import Store
from tests.store.conftest import Backend
from tests.store.records import MCC, a_client, an_entry, customer

#: Each way a client breaks the limits, and a phrase of its refusal.
OUT_OF_BOUNDS: dict[str, tuple[dict[str, Any], str]] = {
    "500 KB attribute": ({"attributes": {"notes": "x" * 500_000}}, "at most 2,048"),
    "oversized item": (
        {"attributes": {f"k{n}": "\U0001f600" * MAX_ATTRIBUTE_VALUE for n in range(8)}},
        "bytes (UTF-8)",
    ),
    "empty attribute name": ({"attributes": {"": "x"}}, "no name"),
    "too many attributes": ({"attributes": {f"k{n}": "v" for n in range(51)}}, "51 attributes"),
    "long attribute name": ({"attributes": {"k" * 65: "v"}}, "at most 64"),
    "NUL in the name": ({"name": "Padaria\x00Sol"}, "U+0000"),
    "line break in a value": ({"attributes": {"notes": "a\nb"}}, "U+000A"),
    "long name": ({"name": "N" * 256}, "at most 255"),
    "malformed e-mail": ({"email": "sol.example.com"}, "invalid e-mail"),
}


@pytest.mark.parametrize("case", OUT_OF_BOUNDS)
def test_a_client_out_of_bounds_is_refused_and_nothing_is_written(store: Store, case: str) -> None:
    changes, phrase = OUT_OF_BOUNDS[case]
    client = a_client(**changes)

    with pytest.raises(InputError, match=re.escape(phrase)):
        store.create_client(client, an_entry(client, operation=Operation.REGISTER))

    assert store.get_client(MCC, customer(1)) is None
    assert list(store.list_clients(MCC)) == []
    assert list(store.client_history(MCC, customer(1))) == []


def test_a_client_at_the_limits_is_stored_and_reads_back_equal(store: Store) -> None:
    attributes = {f"k{n:063d}": "é" * 600 for n in range(50)}
    client = a_client(name="N" * 255, email="ana@example.com", attributes=attributes)

    stored = store.create_client(client)

    assert store.get_client(MCC, customer(1)) == stored


# Real DynamoDB refuses an empty attribute name at any depth ("Empty attribute name"), so
# only SQLite can hold one from before the limits; the rest can be on either store.
LEGACY_NAME = "Padaria\x00Sol\n"
LEGACY_ATTRIBUTES = {"notes\t": "x" * 5000, **{f"k{n}": "v" for n in range(60)}}


def test_clients_stored_before_the_limits_still_list_read_and_update(
    backend: Backend,
) -> None:
    attributes = dict(LEGACY_ATTRIBUTES)
    if backend.name == "sqlite":
        attributes[""] = "an unnamed column's value"
    legacy = a_client(1, name=LEGACY_NAME, attributes=attributes, version=1)
    backend.load([legacy, replace(a_client(2), version=1)])
    store = backend.store

    listed = {c.customer_id: c for c in store.list_clients(MCC)}
    read = store.get_client(MCC, customer(1))

    assert listed[customer(1)] == read == legacy
    assert customer(2) in listed
    updated = store.update_client(legacy.evolve(pending_operation=Operation.INVITE))
    assert store.get_client(MCC, customer(1)) == updated
