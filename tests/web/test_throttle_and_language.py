"""The per-address throttle, the client address behind trusted proxies, the page language."""

from __future__ import annotations

import ipaddress
import string
from datetime import timedelta

import pytest
from starlette.requests import Request

from mcclink.web.i18n import CATALOGUE, negotiate
from mcclink.web.throttle import AddressThrottle, TooManyRequests, client_address
from tests.fixtures.clock import Clock

PROXY = (ipaddress.ip_network("10.0.0.0/8"),)


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 5000), "headers": headers})


def test_an_address_gets_its_allowance_then_waits_for_the_refill() -> None:
    clock = Clock()
    throttle = AddressThrottle(3, timedelta(minutes=1), clock=clock)
    for _ in range(3):
        throttle.spend("198.51.100.7")

    with pytest.raises(TooManyRequests) as refused:
        throttle.spend("198.51.100.7")
    throttle.spend("203.0.113.9")  # another address has its own allowance
    clock.now += 20
    throttle.spend("198.51.100.7")

    assert refused.value.retry_after == 20


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    assert client_address(_request("198.51.100.7", "1.2.3.4"), PROXY) == "198.51.100.7"
    assert client_address(_request("10.0.0.5", "1.2.3.4"), ()) == "10.0.0.5"


def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() -> None:
    spoofed = _request("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.9")

    assert client_address(spoofed, PROXY) == "198.51.100.7"


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "en"),
        ("pt-BR,pt;q=0.9,en;q=0.8", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("en-US,en;q=0.9,pt;q=0.5", "en"),
        ("fr-FR, pt;q=0.3", "pt-BR"),
        ("pt;q=0, en", "en"),
        ("de", "en"),
    ],
)
def test_the_language_is_the_browsers_best_of_ours(header: str | None, locale: str) -> None:
    assert negotiate(header) == locale


def test_every_sentence_has_the_same_placeholders_in_both_languages() -> None:
    for key, (english, portuguese) in CATALOGUE.items():
        assert _placeholders(english) == _placeholders(portuguese), key


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
