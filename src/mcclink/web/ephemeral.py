"""Short-lived, single-use values held in this process's memory only (never written anywhere).

Sign-in flows and the advertiser's access token wait here between two requests. A restart
forgets them, which costs the advertiser one more sign-in and leaks nothing.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Generic, TypeVar

T = TypeVar("T")


class OneTimeStore(Generic[T]):
    """Values under unguessable keys, each taken at most once and only within ``ttl``."""

    def __init__(
        self, ttl: timedelta, *, limit: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl.total_seconds()
        self._limit = limit
        self._clock = clock
        self._items: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def put(self, value: T) -> str:
        """Keep ``value``; returns its key (256 random bits, URL-safe)."""
        key = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._items = {k: item for k, item in self._items.items() if item[0] > now}
            if len(self._items) >= self._limit:  # a flood of sign-ins: the oldest go first
                del self._items[next(iter(self._items))]
            self._items[key] = (now + self._ttl, value)
        return key

    def peek(self, key: str) -> T | None:
        """The value under ``key`` if it is still there, leaving it in place."""
        with self._lock:
            item = self._items.get(key)
        return item[1] if item is not None and item[0] > self._clock() else None

    def take(self, key: str) -> T | None:
        """The value under ``key``, removed; None when unknown, taken already or expired."""
        with self._lock:
            item = self._items.pop(key, None)
        return item[1] if item is not None and item[0] > self._clock() else None
