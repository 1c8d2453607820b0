"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid, with the bearer token, against
the ASGI app over the Google Ads emulator and a fresh SQLite store. Each answer must not be
a 5xx, must use a documented status and content type, and must match the documented schema.
Unknown customer ids reach the emulator, whose refusals must come back as 4xx.

The check that schema-valid requests are accepted is left out on purpose: the schema
cannot say which well-formed customer ids name a Google Ads account, or which CSV rows are
good, and the API answers those with 422 by design (``test_api.py`` covers them).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from tests.web.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api_schema(web_app: FastAPI) -> schemathesis.schemas.BaseSchema:
    """The API's OpenAPI document, read from the app with the token, calls sent to it."""
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", web_app, headers=AUTH)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples on every run, so CI cannot flake; vary locally
)
def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(
    case: schemathesis.Case[Any],
) -> None:
    case.call_and_validate(headers=AUTH, excluded_checks=[positive_data_acceptance])
