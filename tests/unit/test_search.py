"""Searching clients: names whatever the case and accents, ids whatever the dashes (#14 item 25)."""

from __future__ import annotations

import pytest

from mcclink.domain import Client, CustomerId
from mcclink.search import actor_matches, folded, matches

MCC = CustomerId.parse("123-456-7890")
ACAI = Client(CustomerId.parse("222-333-4444"), MCC, "Açaí & Cia")


@pytest.mark.parametrize(
    "query", ["acai", "ACAÍ", "  açaí ", "cia", "\uff41\uff43\uff41\uff49", "333-4444", "2223"]
)
def test_a_client_is_found_whatever_the_case_accents_and_dashes(query: str) -> None:
    assert matches(ACAI, query)


@pytest.mark.parametrize("query", ["acaiz", "padaria", "9999", "333-4445"])
def test_other_text_finds_nothing(query: str) -> None:
    assert not matches(ACAI, query)


@pytest.mark.parametrize("query", [None, "", "   "])
def test_a_blank_search_finds_everyone(query: str | None) -> None:
    assert matches(ACAI, query)


def test_folding_drops_marks_and_case_only() -> None:
    assert folded("São João Straße") == "sao joao strasse"


@pytest.mark.parametrize("query", ["ana@", "USER:ANA", " agencia.com.br ", "user:", None, ""])
def test_an_actor_is_found_by_any_part_whatever_the_case(query: str | None) -> None:
    assert actor_matches("user:ana@agencia.com.br", query)


@pytest.mark.parametrize("query", ["bia@", "token:", "ana@agencia.com.br.x"])
def test_another_actor_is_not_found(query: str) -> None:
    assert not actor_matches("user:ana@agencia.com.br", query)
