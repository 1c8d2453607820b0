"""``mcclink accounts create`` (#14 item 6): a bad currency or time zone exits 2 before Google
is called; Google's refusal exits 1 and is recorded (``history``, ``stats``)."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import MCC, Cli, Served

NEW = ("accounts", "create", "--name", "Loja Nova")


def history(cli: Cli) -> list[dict[str, Any]]:
    return list(cli.json("history", "--since", "2000-01-01"))


def created_accounts(served: Served) -> int:
    return int(served.admin("/_emulator/state")["calls"].get("CreateCustomerClient", 0))


def test_bad_values_exit_2_unsent_and_google_refusals_exit_1_recorded(
    cli: Cli, emulator_process: Served
) -> None:
    currency = cli(*NEW, "--currency", "XYZ", "--time-zone", "America/Sao_Paulo", check=2)
    assert "invalid currency code 'XYZ': expected an ISO 4217 code" in currency.stderr
    zone = cli(*NEW, "--currency", "BRL", "--time-zone", "Brasil/Sao Paulo", check=2)
    assert "unknown time zone 'Brasil/Sao Paulo': expected an IANA name" in zone.stderr
    assert created_accounts(emulator_process) == 0
    assert history(cli) == []

    # SEK is ISO 4217, but the emulator (like Google for some codes) does not support it.
    refused = cli(*NEW, "--currency", "SEK", "--time-zone", "Europe/Stockholm", check=1)
    assert "CurrencyCodeError.UNSUPPORTED" in refused.stderr
    [entry] = history(cli)
    assert entry["customer_id"] == MCC
    assert (entry["operation"], entry["outcome"]) == ("CREATE_ACCOUNT", "FAILED")
    assert entry["error_code"] == "CurrencyCodeError.UNSUPPORTED"
    assert cli.json("stats")["errors_by_code"] == {"CurrencyCodeError.UNSUPPORTED": 1}
    assert cli.json("clients", "list") == []
