"""Fixtures the faults' fast subsets share."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def store_kind(request: pytest.FixtureRequest) -> str:
    """Each store by name; for DynamoDB the session's moto server is running."""
    if request.param == "dynamodb":
        request.getfixturevalue("moto_endpoint")
    return str(request.param)
