"""The GAQL subset: parsing, evaluation, QueryError codes, and Search / SearchStream paging."""

from __future__ import annotations

from typing import Any

import pytest
from google.ads.googleads.errors import GoogleAdsException

from mcclink.emulator import Emulator, failures, handlers, protos, resources
from mcclink.emulator.failures import Code, RpcFault
from mcclink.emulator.gaql import Query, Record, parse
from tests.emulator.calls import ACAI, FARMACIA, MCC, OFICINA, PADARIA, error_code, invite, stream
from tests.fixtures.emulator import AdsClientFactory

LINK = "customer_client_link"


def link_record(client: str, link_id: int, status: str) -> Record:
    return {
        f"{LINK}.resource_name": f"customers/{MCC}/customerClientLinks/{client}~{link_id}",
        f"{LINK}.client_customer": f"customers/{client}",
        f"{LINK}.manager_link_id": link_id,
        f"{LINK}.status": status,
        f"{LINK}.hidden": False,
    }


RECORDS = [
    link_record(PADARIA, 3, "ACTIVE"),
    link_record(ACAI, 1, "PENDING"),
    link_record(OFICINA, 2, "REFUSED"),
    link_record(FARMACIA, 4, "PENDING"),
]


def run(query: str) -> list[int]:
    """The manager_link_ids a query over RECORDS returns, in order."""
    return [r[f"{LINK}.manager_link_id"] for r in parse(query, resources.catalog()).run(RECORDS)]


SELECT = f"SELECT {LINK}.manager_link_id FROM {LINK}"


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        (SELECT, [3, 1, 2, 4]),
        (f"{SELECT} WHERE {LINK}.status = 'PENDING'", [1, 4]),
        (f"{SELECT} WHERE {LINK}.status = PENDING", [1, 4]),
        (f"{SELECT} WHERE {LINK}.status != 'PENDING'", [3, 2]),
        (f"{SELECT} WHERE {LINK}.status IN ('ACTIVE', 'REFUSED')", [3, 2]),
        (f"{SELECT} WHERE {LINK}.status NOT IN ('ACTIVE', 'REFUSED')", [1, 4]),
        (f"{SELECT} WHERE {LINK}.status = 'PENDING' AND {LINK}.manager_link_id > 1", [4]),
        (f"{SELECT} WHERE {LINK}.client_customer = 'customers/{ACAI}'", [1]),
        (f"{SELECT} WHERE {LINK}.hidden = FALSE AND {LINK}.manager_link_id <= 2", [1, 2]),
        (f"{SELECT} ORDER BY {LINK}.manager_link_id", [1, 2, 3, 4]),
        (f"{SELECT} ORDER BY {LINK}.status ASC, {LINK}.manager_link_id DESC", [3, 4, 1, 2]),
        (f"{SELECT} ORDER BY {LINK}.manager_link_id DESC LIMIT 2", [4, 3]),
        (f"select {LINK}.manager_link_id from {LINK} where {LINK}.manager_link_id = 2", [2]),
    ],
)
def test_supported_queries_select_filter_order_and_limit(query: str, ids: list[int]) -> None:
    assert run(query) == ids


def test_parsed_query_keeps_the_selected_fields_in_order() -> None:
    query = parse(f"SELECT {LINK}.status, {LINK}.client_customer FROM {LINK}", resources.catalog())

    assert query == Query(LINK, (f"{LINK}.status", f"{LINK}.client_customer"))


BASE = "SELECT customer.id FROM customer"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "EXPECTED_SELECT"),
        ("FROM customer", "EXPECTED_SELECT"),
        ("SELECT customer.id", "UNEXPECTED_END_OF_QUERY"),
        ("SELECT customer.id customer", "EXPECTED_FROM"),
        ("SELECT , FROM customer", "BAD_FIELD_NAME"),
        ("SELECT customer.id FROM campaign", "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"),
        ("SELECT customer.nope FROM customer", "UNRECOGNIZED_FIELD"),
        ("SELECT metrics.clicks FROM customer", "UNRECOGNIZED_FIELD"),
        ("SELECT customer_client.id FROM customer", "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE"),
        (f"{BASE} WHERE customer_client.id = 1", "PROHIBITED_RESOURCE_TYPE_IN_WHERE_CLAUSE"),
        (f"{BASE} ORDER BY customer_client.id", "PROHIBITED_FIELD_IN_ORDER_BY_CLAUSE"),
        (f"{BASE} WHERE customer.status = 'NOPE'", "BAD_ENUM_CONSTANT"),
        (f"{BASE} WHERE customer.status = UNKNOWN", "PROHIBITED_ENUM_CONSTANT"),
        (f"{BASE} WHERE customer.id = 'x'", "BAD_VALUE"),
        (f"{BASE} WHERE customer.id = 1.5", "BAD_NUMBER"),
        (f"{BASE} WHERE customer.manager = 'yes'", "BAD_VALUE"),
        (f"{BASE} WHERE customer.descriptive_name LIKE 'P%'", "BAD_OPERATOR"),
        (f"{BASE} WHERE customer.status > 'ENABLED'", "OPERATOR_FIELD_MISMATCH"),
        (f"{BASE} WHERE customer.id IN ()", "PROHIBITED_EMPTY_LIST_IN_CONDITION"),
        (f"{BASE} WHERE customer.id IN 1", "EXPECTED_LIST"),
        (f"{BASE} WHERE customer.id IN (1, 2", "UNEXPECTED_END_OF_QUERY"),
        (f"{BASE} WHERE customer.id = 1 OR customer.id = 2", "UNEXPECTED_INPUT"),
        (f"{BASE} WHERE customer.id", "UNEXPECTED_END_OF_QUERY"),
        (f"{BASE} WHERE customer.id = #", "BAD_SYMBOL"),
        (f"{BASE} WHERE customer.descriptive_name = 'abc", "STRING_NOT_TERMINATED"),
        (f"{BASE} WHERE customer.descriptive_name = 'a\nb'", "PROHIBITED_NEWLINE_IN_STRING"),
        (f"{BASE} ORDER customer.id", "EXPECTED_BY"),
        (f"{BASE} LIMIT many", "BAD_LIMIT_VALUE"),
        (f"{BASE} LIMIT 0", "LIMIT_VALUE_TOO_LOW"),
        (f"{BASE} PARAMETERS include_drafts=true", "UNEXPECTED_INPUT"),
    ],
)
def test_queries_outside_the_subset_are_query_errors(query: str, code: str) -> None:
    with pytest.raises(RpcFault) as caught:
        parse(query, resources.catalog())

    assert caught.value.code == failures.query_error(code)
    assert installed(caught.value.code)
    assert caught.value.location == ("query",)


def test_every_error_code_the_emulator_sends_exists_in_the_installed_library() -> None:
    codes = [v for v in vars(failures).values() if isinstance(v, Code)]

    assert len(codes) > 30
    assert [code for code in codes if not installed(code)] == []
    assert not installed(Code("manager_link_error", "NO_SUCH_CODE"))


def installed(code: Code) -> bool:
    """Whether the installed library's ErrorCode has this field and enum member."""
    fields = protos.load("errors.types.errors").ErrorCode.meta.fields
    return code.kind in fields and code.name in fields[code.kind].enum.__members__


def test_a_bad_query_over_the_wire_is_a_google_ads_query_error(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    with pytest.raises(GoogleAdsException) as caught:
        stream(ads_client_factory(MCC), MCC, "SELECT customer.nope FROM customer")

    assert error_code(caught.value) == "query_error.UNRECOGNIZED_FIELD"
    assert caught.value.request_id


def test_rows_carry_only_the_selected_fields_and_the_resource_name(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    invite(ads, MCC, PADARIA)

    row = stream(ads, MCC, f"SELECT {LINK}.status FROM {LINK}")[0].customer_client_link

    assert row.status.name == "PENDING"
    assert row.resource_name.startswith(f"customers/{MCC}/customerClientLinks/{PADARIA}~")
    assert "client_customer" not in row
    assert "manager_link_id" not in row


def test_search_pages_and_search_stream_batches_return_the_same_rows(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory, monkeypatch: Any
) -> None:
    ads = ads_client_factory(MCC)
    for client in (PADARIA, ACAI, OFICINA):
        invite(ads, MCC, client)
    monkeypatch.setattr(handlers, "PAGE_ROWS", 2)
    query = f"SELECT {LINK}.client_customer FROM {LINK} ORDER BY {LINK}.client_customer DESC"
    service = ads.get_service("GoogleAdsService")

    paged = [
        r.customer_client_link.client_customer for r in service.search(customer_id=MCC, query=query)
    ]
    batches = list(service.search_stream(customer_id=MCC, query=query))

    streamed = [r.customer_client_link.client_customer for b in batches for r in b.results]
    assert paged == streamed == [f"customers/{c}" for c in (OFICINA, ACAI, PADARIA)]
    assert [len(b.results) for b in batches] == [2, 1]
    assert all(b.request_id for b in batches)
    assert fresh_emulator.state.calls["Search"] == 2


def test_an_empty_result_streams_one_empty_batch(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    service = ads_client_factory(MCC).get_service("GoogleAdsService")

    batches = list(
        service.search_stream(customer_id=MCC, query=f"SELECT {LINK}.status FROM {LINK}")
    )

    assert [len(b.results) for b in batches] == [0]
    assert list(batches[0].field_mask.paths) == [f"{LINK}.status"]
