"""The hierarchy's overlay does not call a sub-manager "not registered" (issue 17's second
review, defect 1): a sub-manager is by design no client of the manager above it, so the
Hierarchy page labels it "sub-manager", while the API keeps ``registered`` false (it is not
registered as a client) — through the real app over the emulator's tree."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from mcclink.emulator import Emulator
from tests.hierarchy_tree import PADARIA, ROOT, SUB_A, SUB_A1, SUB_B, load_tree


@pytest.fixture
def web_env(web_env: dict[str, str], fresh_emulator: Emulator) -> dict[str, str]:
    """The app's environment with the emulator holding the tree, ROOT as the MCC."""
    load_tree(fresh_emulator)
    return {**web_env, "MCC_CUSTOMER_ID": ROOT.digits}


def test_the_page_labels_each_sub_manager_as_such_and_a_client_as_not_registered(
    signed_in: TestClient,
) -> None:
    page = signed_in.get("/hierarchy")

    assert page.status_code == 200, page.text
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
    held = r"[^·]*·[^·]*· (sub-manager|not registered)"  # past "currency · time zone ·"
    for sub in (SUB_A, SUB_B, SUB_A1):
        assert _held(rf"{sub} manager {held}", text) == "sub-manager", sub
    assert _held(rf"{PADARIA} hidden {held}", text) == "not registered"


def _held(pattern: str, text: str) -> str | None:
    said = re.search(pattern, text)
    return said.group(1) if said else None


def test_the_api_keeps_registered_false_for_a_sub_manager(api: TestClient) -> None:
    found = {a["customer_id"]: a for a in api.get("/api/v1/hierarchy").json()["accounts"]}

    for sub in (SUB_A, SUB_B, SUB_A1):
        assert (found[sub.digits]["manager"], found[sub.digits]["registered"]) == (True, False)
