"""The bodies the hide / unhide / move endpoints take, through the real app (issue 17's
review): a customer id is a JSON string, and no endpoint accepts a field it does not know."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from tests.web.test_hide_move_web import PADARIA, SUB, stored, tree

__all__ = ["tree"]  # the fixture, shared with test_hide_move_web


@pytest.mark.parametrize(
    ("action", "body", "field", "said"),
    [
        ("move", {"to": int(SUB.digits)}, "to", 'must be a JSON string such as "123-456-7890"'),
        ("hide", {"hidden": True}, "hidden", "is not a known field: remove it"),
        ("unhide", {"force": 1}, "force", "is not a known field: remove it"),
        ("move", {"to": SUB.digits, "why": "x"}, "why", "is not a known field: remove it"),
    ],
    ids=["move-number", "hide-unknown", "unhide-unknown", "move-unknown"],
)
def test_a_bad_body_is_a_422_naming_the_field_and_nothing_is_written(
    api: TestClient, tree: Container, action: str, body: dict[str, object], field: str, said: str
) -> None:
    before = stored(tree)

    response = api.post(f"/api/v1/clients/{PADARIA.digits}/{action}", json=body)

    assert response.status_code == 422, response.text
    [problem] = response.json()["errors"]
    assert problem["field"] == field, json.dumps(problem)
    assert said in problem["message"]
    assert "10 digits" not in response.text
    assert stored(tree) == before


def test_hide_with_no_body_or_an_empty_one_still_works(api: TestClient, tree: Container) -> None:
    assert api.post(f"/api/v1/clients/{PADARIA.digits}/hide").json()["hidden"] is True
    assert api.post(f"/api/v1/clients/{PADARIA.digits}/unhide", json={}).json()["hidden"] is False
