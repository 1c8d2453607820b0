"""Fixtures of the service-level unit tests: a real SQLite store and the fake Google Ads.

``store``: a fresh SQLite store; ``ads``: a ``FakeAds`` that knows ``SOL`` and ``LUA``;
``service``: ``GoogleAdsMCCService`` over both (actor ``test``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mcclink.domain import CustomerId
from mcclink.ports import Store
from mcclink.service import GoogleAdsMCCService
from mcclink.store import open_store
from tests.fakes import FakeAds

MCC = CustomerId.parse("123-456-7890")
SOL = CustomerId.parse("111-222-3333")
LUA = CustomerId.parse("444-555-6666")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'mcclink.db'}", {})
    yield s
    s.close()


@pytest.fixture
def ads() -> FakeAds:
    return FakeAds({SOL.digits, LUA.digits})


@pytest.fixture
def service(store: Store, ads: FakeAds) -> GoogleAdsMCCService:
    return GoogleAdsMCCService(store, ads, actor="test")
