"""An error whose fix names a CLI option carries the fix in each surface's words: its message
is the CLI's, ``told`` gives the REST API's or the dashboard's."""

from __future__ import annotations

import pickle

import pytest

from mcclink.domain import Client, CustomerId
from mcclink.errors import ClientNotFound, Fix, InputError, InvalidTransition
from mcclink.reconcile import stored_link

FIX = Fix(cli="name it with --to", api="give it as `to`", page="enter it in Move to manager")


def test_the_message_is_the_fact_and_the_clis_fix() -> None:
    error = InputError("cannot move 111-222-3333 to itself", fix=FIX)

    assert str(error) == "cannot move 111-222-3333 to itself; name it with --to"
    assert error.told("cli") == str(error)


def test_each_surface_is_told_the_fact_and_its_own_fix() -> None:
    error = InputError("cannot move 111-222-3333 to itself", fix=FIX)

    assert error.told("api") == "cannot move 111-222-3333 to itself; give it as `to`"
    assert error.told("page") == "cannot move 111-222-3333 to itself; enter it in Move to manager"


def test_an_error_without_a_fix_tells_every_surface_its_message() -> None:
    error = InvalidTransition("hide needs an APPROVED link")

    assert error.fix is None
    assert error.told("api") == error.told("page") == "hide needs an APPROVED link"


def test_a_copied_error_keeps_its_fix() -> None:
    copy = pickle.loads(pickle.dumps(InputError("bad", fix=FIX)))

    assert (str(copy), copy.told("api")) == ("bad; name it with --to", "bad; give it as `to`")


def test_an_unknown_client_is_told_how_to_register_it_on_each_surface() -> None:
    error = ClientNotFound("1234567890", "1112223333")

    assert str(error).endswith("register it with `mcclink clients add` (or check --mcc)")
    assert error.told("api").endswith("register it with POST /api/v1/clients (or check mcc=)")
    assert "--mcc" not in error.told("page")
    assert (error.mcc, error.customer_id) == ("1234567890", "1112223333")


def test_a_client_without_a_recorded_link_is_told_how_to_read_it_on_each_surface() -> None:
    client = Client(CustomerId("2000000002"), CustomerId("1000000001"), "Sol")

    with pytest.raises(InputError) as raised:
        stored_link(client)

    assert str(raised.value).endswith("run `mcclink monitor --once` to read it from Google Ads")
    assert "POST /api/v1/monitor/run" in raised.value.told("api")
    assert "Run monitor now" in raised.value.told("page")
    assert "--once" not in raised.value.told("api") + raised.value.told("page")
