"""Per-address rate limiting, and who the address is behind a proxy.

A token bucket per client address, in memory: ``capacity`` requests at once, refilled at
``capacity`` per ``period``. A refused request is answered 429 with ``Retry-After``. The
public routes spend one for every request; authentication spends one for every failure
(``mcclink.web.security``). Behind a TLS reverse proxy the address is read from
``X-Forwarded-For``, but only when the request comes from one of ``MCC_TRUSTED_PROXIES``
(anyone else could write that header).
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from fastapi import Request

from mcclink.config import ProxyNetwork


class TooManyRequests(Exception):
    """A client address over its allowance; ``retry_after`` seconds until the next request."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class AddressThrottle:
    """A token bucket per address; safe to share between threads."""

    def __init__(
        self,
        capacity: int = 30,
        period: timedelta = timedelta(minutes=1),
        *,
        max_addresses: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self._rate = capacity / period.total_seconds()
        self._max_addresses = max_addresses
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, at)
        self._lock = threading.Lock()

    def spend(self, address: str) -> None:
        """Take one request from ``address``'s allowance.

        Raises:
            TooManyRequests: the allowance is spent; says when the next one is allowed.
        """
        self._take(address, 1)

    def check(self, address: str) -> None:
        """Refuse ``address`` while its allowance is spent, without spending any of it.

        Raises:
            TooManyRequests: the allowance is spent; says when the next one is allowed.
        """
        self._take(address, 0)

    def _take(self, address: str, cost: int) -> None:
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(address, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - at) * self._rate)
            if len(self._buckets) >= self._max_addresses:  # forget the least recent address
                del self._buckets[next(iter(self._buckets))]
            if tokens < 1:
                self._buckets[address] = (tokens, now)
                raise TooManyRequests(math.ceil((1 - tokens) / self._rate))
            self._buckets[address] = (tokens - cost, now)


def client_address(request: Request, trusted: Sequence[ProxyNetwork]) -> str:
    """The address the request comes from: the peer, or behind trusted proxies the nearest
    address in ``X-Forwarded-For`` that is not one of them."""
    peer = request.client.host if request.client else "unknown"
    if not _is_trusted(peer, trusted):
        return peer
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    hops = [a for a in forwarded if a]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _is_trusted(address: str, trusted: Sequence[ProxyNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
