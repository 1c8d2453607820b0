"""The checks a new Google Ads account's currency and time zone pass before Google is asked.

Both never change once the account exists, and Google refuses a bad one only after the
call: checked here first, a typo is bad input (exit 2, 422) with nothing sent or written.
Google may still refuse a well-formed value it does not support (its answer is recorded).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mcclink.errors import InputError

_ISO_4217 = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER
    ZAR ZMW ZWG
"""
#: ISO 4217 codes of currencies in use (fund, metal and testing codes left out).
CURRENCIES = frozenset(_ISO_4217.split())


def currency_code(raw: str) -> str:
    """``raw`` as an ISO 4217 currency code, upper case (``brl`` -> ``BRL``).

    Raises:
        InputError: not the code of a currency in use.
    """
    code = raw.strip().upper()
    if code not in CURRENCIES:
        raise InputError(
            f"invalid currency code {raw!r}: expected an ISO 4217 code of a currency in use, "
            "e.g. BRL or USD"
        )
    return code


def time_zone(raw: str) -> str:
    """``raw`` as an IANA time zone name (``America/Sao_Paulo``), blanks around removed.

    Raises:
        InputError: no such time zone.
    """
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {raw!r}: expected an IANA name, e.g. America/Sao_Paulo or "
            "Europe/Lisbon (case matters)"
        ) from None
    return name
