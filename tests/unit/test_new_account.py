"""``accounts create`` (#14 item 6): a bad currency or time zone is refused before Google is
called; a refusal from Google is recorded, so ``history`` and ``stats`` show it."""

from __future__ import annotations

import pytest

from mcclink import new_account
from mcclink.domain import Operation, Outcome
from mcclink.errors import GoogleAdsError, InputError
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService
from mcclink.stats import compute
from tests.fakes import FakeAds
from tests.unit.conftest import MCC


@pytest.mark.parametrize(("raw", "code"), [("BRL", "BRL"), (" usd ", "USD"), ("eur", "EUR")])
def test_a_currency_in_use_is_read_in_upper_case(raw: str, code: str) -> None:
    assert new_account.currency_code(raw) == code


FULL_WIDTH_BRL = "\uff22\uff32\uff2c"


@pytest.mark.parametrize("raw", ["XYZ", "REAL", "", "R$", "XAU", FULL_WIDTH_BRL])
def test_anything_else_is_not_a_currency(raw: str) -> None:
    with pytest.raises(InputError, match=r"expected an ISO 4217 code.*e.g. BRL or USD"):
        new_account.currency_code(raw)


@pytest.mark.parametrize("raw", ["America/Sao_Paulo", "UTC", " Europe/Lisbon "])
def test_an_iana_time_zone_is_kept(raw: str) -> None:
    assert new_account.time_zone(raw) == raw.strip()


@pytest.mark.parametrize(
    "raw", ["Mars/Olympus", "", "america/sao_paulo", "America", "../etc/passwd", "GMT-3:00"]
)
def test_anything_else_is_not_a_time_zone(raw: str) -> None:
    with pytest.raises(InputError, match=r"unknown time zone.*IANA name, e.g. America/Sao_Paulo"):
        new_account.time_zone(raw)


@pytest.mark.parametrize(
    ("currency", "zone"), [("XYZ", "America/Sao_Paulo"), ("BRL", "Brasil/Sao Paulo")]
)
def test_a_bad_value_is_refused_before_google_and_nothing_is_written(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds, currency: str, zone: str
) -> None:
    with pytest.raises(InputError):
        service.create_account(MCC, "Loja Nova", currency, zone)

    assert ads.calls.total() == 0
    assert list(store.client_history(MCC, MCC)) == []
    assert list(store.list_clients(MCC)) == []


def test_a_refusal_from_google_is_recorded_under_the_mcc_and_counted_in_stats(
    service: GoogleAdsMCCService, store: Store, ads: FakeAds
) -> None:
    code = "CurrencyCodeError.UNSUPPORTED"
    ads.failures["create_client_account"] = GoogleAdsError("no", code=code, request_id="r-7")

    with pytest.raises(GoogleAdsError):
        service.create_account(MCC, " Loja Nova ", "sek", "Europe/Stockholm")

    [entry] = store.client_history(MCC, MCC)
    assert (entry.operation, entry.outcome, entry.error_code) == (
        Operation.CREATE_ACCOUNT,
        Outcome.FAILED,
        code,
    )
    assert (entry.request_id, entry.actor) == ("r-7", "test")
    assert dict(entry.details) == {
        "name": "Loja Nova",
        "currency_code": "SEK",
        "time_zone": "Europe/Stockholm",
    }
    assert compute(store, MCC).errors_by_code == {code: 1}
    assert list(store.list_clients(MCC)) == []


def test_a_created_account_keeps_the_checked_values(service: GoogleAdsMCCService) -> None:
    client = service.create_account(MCC, "Loja Nova", "brl", " America/Sao_Paulo ")
    assert dict(client.attributes) == {"currency_code": "BRL", "time_zone": "America/Sao_Paulo"}
