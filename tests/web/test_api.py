"""The REST API through the ASGI test client: every endpoint, its auth, its errors, its shapes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from mcclink import stats
from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, LinkStatus, Operation
from mcclink.emulator import Emulator
from mcclink.errors import ClientExists, ClientNotFound
from mcclink.monitor import SyncReport
from mcclink.onboarding import DEFAULT_EXPIRY, OnboardingEvent, new_link
from mcclink.serialization import client_to_dict, history_to_dict, sync_report_to_dict
from mcclink.web import api_models as m
from mcclink.web.app import _API_ROUTERS, API_PREFIX
from mcclink.web.throttle import AddressThrottle
from tests.web.conftest import TOKEN

PADARIA = CustomerId.parse("111-222-3333")
#: In the emulator's demo scenario (see README), like PADARIA.
OTHERS = [CustomerId.parse(x) for x in ("222-333-4444", "333-444-5555", "444-555-6666")]
NOWHERE = CustomerId.parse("999-888-7777")  # no account at the emulator


def _register(api_client: TestClient, cid: CustomerId, name: str = "Padaria Sol") -> Any:
    response = api_client.post(
        "/api/v1/clients", json={"customer_id": cid.dashed, "name": name, "invite": False}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _snapshot(container: Container) -> tuple[list[dict[str, Any]], int]:
    """Every client of the MCC and the number of history entries: "nothing changed" means
    both are equal before and after."""
    mcc, store = container.mcc, container.store
    clients = [client_to_dict(c) for c in store.list_clients(mcc)]
    entries = sum(
        len(list(store.client_history(mcc, c.customer_id))) for c in store.list_clients(mcc)
    )
    return clients, entries


def _api_routes() -> list[APIRoute]:
    """Every route of every router the app serves under the API prefix."""
    return [r for router in _API_ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def _concrete(path: str) -> str:
    return API_PREFIX + re.sub(r"\{customer_id\}", PADARIA.dashed, path)


# -- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": TOKEN}],
    ids=["none", "wrong", "no-scheme"],
)
def test_every_api_route_answers_401_without_the_token(
    client: TestClient, web_app: FastAPI, web_container: Container, headers: dict[str, str]
) -> None:
    before = _snapshot(web_container)
    calls = [(method, _concrete(r.path)) for r in _api_routes() for method in r.methods or ()]
    calls.append(("GET", f"{API_PREFIX}/openapi.json"))
    assert len(calls) > 10
    # Room for every wrong token: the throttle has its own tests (test_auth_hardening.py).
    web_app.state.auth_failures = AddressThrottle(len(calls))
    for method, path in calls:
        response = client.request(method, path, headers=headers, json={"customer_id": "x"})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert _snapshot(web_container) == before


def test_every_api_route_is_in_the_openapi_document(api: TestClient) -> None:
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    documented = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    routes = {(method, API_PREFIX + r.path) for r in _api_routes() for method in r.methods or ()}
    assert routes == documented


def test_unknown_api_paths_say_nothing_without_the_token(client: TestClient) -> None:
    assert client.get("/api/v1/nothing-here").status_code == 401


def test_an_unknown_api_path_is_a_404_problem(api: TestClient) -> None:
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "openapi.json" in response.json()["detail"]


def test_a_wrong_method_is_a_405_listing_every_allowed_method(api: TestClient) -> None:
    response = api.put("/api/v1/clients")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["code"] == "MethodNotAllowed"


# -- the shapes are the CLI's --------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "sample"),
    [
        (m.ClientOut, "client"),
        (m.HistoryEntryOut, "history"),
        (m.StatsOut, "stats"),
        (m.SyncReportOut, "sync"),
    ],
)
def test_the_documented_models_have_exactly_the_codecs_keys(
    web_container: Container, model: type[BaseModel], sample: str
) -> None:
    from mcclink.domain import Client, HistoryEntry, Operation, Outcome
    from mcclink.followups import FollowUps

    mcc = web_container.mcc
    client = Client(customer_id=PADARIA, mcc_customer_id=mcc, name="X")
    samples = {
        "client": lambda: client_to_dict(client),
        "history": lambda: history_to_dict(
            HistoryEntry(PADARIA, mcc, Operation.INVITE, Outcome.SUCCESS)
        ),
        "stats": lambda: stats.compute(web_container.store, mcc).to_dict(),
        "sync": lambda: (
            sync_report_to_dict(SyncReport(mcc=mcc, stale_pending=[client])) | FollowUps().to_dict()
        ),  # the cycle's reminder and alert passes
    }
    data = samples[sample]()
    assert set(model.model_fields) == set(data)
    model.model_validate(data)


def test_a_created_client_is_the_clis_client_shape(
    api: TestClient, web_container: Container
) -> None:
    body = _register(api, PADARIA)
    stored = web_container.store.get_client(web_container.mcc, PADARIA)
    assert stored is not None
    assert body == client_to_dict(stored)
    assert body["status"] == "NOT_LINKED"


def test_get_client_is_clients_show_json(api: TestClient, web_container: Container) -> None:
    _register(api, PADARIA)
    body = api.get(f"/api/v1/clients/{PADARIA.digits}?history=5").json()
    mcc, store = web_container.mcc, web_container.store
    client = store.get_client(mcc, PADARIA)
    assert client is not None
    history = [history_to_dict(e) for e in store.client_history(mcc, PADARIA, 5)]
    assert body == {**client_to_dict(client), "history": history}
    assert [e["operation"] for e in body["history"]] == ["REGISTER"]


def test_stats_are_stats_json(api: TestClient, web_container: Container) -> None:
    _register(api, PADARIA)
    body = api.get("/api/v1/stats").json()
    expected = stats.compute(web_container.store, web_container.mcc).to_dict()
    assert body == expected
    assert body["by_status"]["NOT_LINKED"] == 1


def test_stats_carry_the_onboarding_funnel(api: TestClient, web_container: Container) -> None:
    store = web_container.store
    link, _ = new_link(web_container.mcc, PADARIA, DEFAULT_EXPIRY, "test")
    store.create_onboarding_link(link)
    for event in (OnboardingEvent.OPENED, OnboardingEvent.SIGNED_IN, OnboardingEvent.ACCEPTED):
        store.count_onboarding_event(link.id, event)

    body = api.get("/api/v1/stats").json()

    assert body["onboarding"] == {"links_created": 1, "opened": 1, "signed_in": 1, "accepted": 1}


# -- clients ------------------------------------------------------------------------------


def test_creating_a_client_invites_it_by_default(api: TestClient) -> None:
    response = api.post("/api/v1/clients", json={"customer_id": PADARIA.dashed, "name": "Sol"})
    assert response.status_code == 201
    assert response.json()["status"] == "PENDING"


def test_registering_twice_is_a_409_with_the_apis_message_and_nothing_changes(
    api: TestClient, web_container: Container
) -> None:
    _register(api, PADARIA)
    before = _snapshot(web_container)
    response = api.post(
        "/api/v1/clients", json={"customer_id": PADARIA.digits, "name": "Other", "invite": False}
    )
    assert response.status_code == 409
    mcc = web_container.mcc
    assert response.json()["detail"] == ClientExists(mcc.digits, PADARIA.digits).told("api")
    assert response.json()["code"] == "ClientExists"
    assert _snapshot(web_container) == before


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"customer_id": "12-34", "name": "X"}, "customer_id", "expected 10 digits"),
        ({"customer_id": "111-222-3333"}, "name", "is required"),
        ({"customer_id": "111-222-3333", "name": "   "}, "name", "pattern"),
        ({"customer_id": "111-222-3333", "name": "X", "invite": "yes"}, "invite", "boolean"),
        ({"customer_id": "111-222-3333", "name": "X", "colour": "red"}, "colour", "remove it"),
    ],
)
def test_a_bad_client_body_is_a_422_naming_the_field_and_nothing_is_written(
    api: TestClient, web_container: Container, body: dict[str, Any], field: str, words: str
) -> None:
    before = _snapshot(web_container)
    response = api.post("/api/v1/clients", json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert words in problem["errors"][0]["message"]
    assert field in problem["detail"]
    assert _snapshot(web_container) == before


def test_a_body_that_is_not_json_is_refused(api: TestClient, web_container: Container) -> None:
    before = _snapshot(web_container)
    response = api.post(
        "/api/v1/clients", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]
    assert [e["field"] for e in response.json()["errors"]] == ["body"]
    assert _snapshot(web_container) == before


def test_an_unknown_account_at_google_is_a_4xx_naming_it(api: TestClient) -> None:
    response = api.post("/api/v1/clients", json={"customer_id": NOWHERE.dashed, "name": "X"})
    assert response.status_code == 422
    assert response.json()["code"] == "AccountNotFound"
    assert NOWHERE.dashed in response.json()["detail"]


def test_an_unregistered_client_is_a_404_with_the_apis_own_fix(
    api: TestClient, web_container: Container
) -> None:
    response = api.get(f"/api/v1/clients/{PADARIA.dashed}")
    assert response.status_code == 404
    expected = ClientNotFound(web_container.mcc.digits, PADARIA.digits)
    assert response.json()["detail"] == expected.told("api")
    assert "--mcc" not in response.json()["detail"]


def test_a_malformed_customer_id_in_the_path_is_a_422_with_the_clis_message(
    api: TestClient,
) -> None:
    response = api.post("/api/v1/clients/12345/invite")
    assert response.status_code == 422
    assert response.json()["code"] == "InvalidCustomerId"
    assert "expected 10 digits" in response.json()["detail"]


def test_archiving_removes_the_client_and_keeps_its_history(
    api: TestClient, web_container: Container
) -> None:
    _register(api, PADARIA)
    assert api.delete(f"/api/v1/clients/{PADARIA.dashed}").status_code == 204
    assert api.get(f"/api/v1/clients/{PADARIA.dashed}").status_code == 404
    operations = [
        e.operation for e in web_container.store.client_history(web_container.mcc, PADARIA)
    ]
    assert operations == [Operation.ARCHIVE, Operation.REGISTER]


# -- listing ------------------------------------------------------------------------------


def test_listing_filters_by_status(api: TestClient) -> None:
    _register(api, PADARIA)
    api.post("/api/v1/clients", json={"customer_id": OTHERS[0].dashed, "name": "Açaí"})
    pending = api.get("/api/v1/clients?status=PENDING").json()
    assert [c["customer_id"] for c in pending["items"]] == [OTHERS[0].digits]
    assert pending["next_cursor"] is None


@pytest.mark.parametrize(("q", "expected"), [("padaria", [0]), ("AÇAÍ", [1]), ("333-4", [1])])
def test_listing_searches_names_and_ids(api: TestClient, q: str, expected: list[int]) -> None:
    ids = [PADARIA, OTHERS[0]]
    _register(api, ids[0], "Padaria Sol")
    _register(api, ids[1], "Açaí da Praia")
    body = api.get("/api/v1/clients", params={"q": q}).json()
    assert [c["customer_id"] for c in body["items"]] == [ids[i].digits for i in expected]


def test_pages_follow_the_cursor_through_every_client_once(api: TestClient) -> None:
    everyone = [PADARIA, *OTHERS]
    for number, cid in enumerate(everyone):
        _register(api, cid, f"Client {number}")
    seen, cursor = [], None
    for _ in range(len(everyone)):
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = api.get("/api/v1/clients", params=params).json()
        seen += [c["customer_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(cid.digits for cid in everyone)


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("status=LOST", "status"), ("cursor=12", "cursor")],
)
def test_a_bad_listing_parameter_is_a_422_naming_it(
    api: TestClient, query: str, field: str
) -> None:
    response = api.get(f"/api/v1/clients?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "location": "query",
        "field": field,
        "message": response.json()["errors"][0]["message"],
    }


# -- link actions and the monitor -----------------------------------------------------------


def test_a_client_goes_through_invite_cancel_invite_accept_monitor_unlink(
    api: TestClient, web_container: Container, fresh_emulator: Emulator
) -> None:
    _register(api, PADARIA)
    url = f"/api/v1/clients/{PADARIA.dashed}"
    assert api.post(f"{url}/invite").json()["status"] == "PENDING"
    assert api.post(f"{url}/cancel").json()["status"] == "CANCELLED"
    assert api.post(f"{url}/invite").json()["status"] == "PENDING"
    fresh_emulator.state.respond(PADARIA.dashed, web_container.mcc.dashed, "accept")
    report = api.post("/api/v1/monitor/run").json()
    assert report["changes"] == [
        {
            "customer_id": PADARIA.digits,
            "status_before": "PENDING",
            "status_after": "APPROVED",
            "imported": False,
        }
    ]
    assert report["counts"]["APPROVED"] == 1
    assert api.post(f"{url}/unlink").json()["status"] == "UNLINKED"
    last = api.get("/api/v1/monitor/last-run").json()
    assert (last["operation"], last["outcome"]) == ("MONITOR", "SUCCESS")


def test_an_action_the_status_does_not_allow_is_a_409_and_changes_nothing(
    api: TestClient, web_container: Container
) -> None:
    _register(api, PADARIA)
    before = _snapshot(web_container)
    response = api.post(f"/api/v1/clients/{PADARIA.dashed}/unlink")
    assert response.status_code == 409
    assert response.json()["code"] == "InvalidTransition"
    assert "cannot unlink: the link is NOT_LINKED" in response.json()["detail"]
    assert _snapshot(web_container) == before


def test_the_last_run_is_null_before_any_monitor_run(api: TestClient) -> None:
    response = api.get("/api/v1/monitor/last-run")
    assert response.status_code == 200
    assert response.json() is None


def test_creating_an_account_registers_it_linked(api: TestClient) -> None:
    response = api.post(
        "/api/v1/accounts",
        json={"name": "Loja Nova", "currency_code": "BRL", "time_zone": "America/Sao_Paulo"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == LinkStatus.APPROVED.value


def test_an_unknown_time_zone_is_bad_input(api: TestClient) -> None:
    response = api.post(
        "/api/v1/accounts", json={"name": "Loja", "currency_code": "BRL", "time_zone": "Mars/Base"}
    )
    assert response.status_code == 422
    assert "time zone" in response.json()["detail"]


# -- history ------------------------------------------------------------------------------


def test_client_history_is_newest_first(api: TestClient) -> None:
    _register(api, PADARIA)
    api.post(f"/api/v1/clients/{PADARIA.dashed}/invite")
    entries = api.get(f"/api/v1/clients/{PADARIA.dashed}/history").json()
    assert [e["operation"] for e in entries] == ["INVITE", "REGISTER"]


def test_history_by_time_range_holds_only_that_range(api: TestClient) -> None:
    _register(api, PADARIA)
    recent = api.get("/api/v1/history", params={"since": "2020-01-01"}).json()
    assert [e["operation"] for e in recent] == ["REGISTER"]
    old = api.get("/api/v1/history", params={"since": "2020-01-01", "until": "2020-02-01"})
    assert old.json() == []


@pytest.mark.parametrize(
    "params",
    [{"since": "yesterday"}, {"since": "2026-02-01", "until": "2026-01-01"}, {"until": ""}],
)
def test_a_bad_time_range_is_a_422(api: TestClient, params: dict[str, str]) -> None:
    response = api.get("/api/v1/history", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


# -- import -------------------------------------------------------------------------------

CSV = f"customer_id,name,email\n{PADARIA.dashed},Padaria Sol,sol@example.com\n12,Bad Id,\n"


def _upload(api_client: TestClient, text: str, **params: str) -> Any:
    files = {"file": ("clients.csv", text.encode(), "text/csv")}
    return api_client.post("/api/v1/imports", params=params, files=files)


def test_validate_only_reports_each_bad_row_and_writes_nothing(
    api: TestClient, web_container: Container
) -> None:
    before = _snapshot(web_container)
    response = _upload(api, CSV, validate_only="true")
    assert response.status_code == 200
    body = response.json()
    assert (body["validate_only"], body["imported"], body["skipped_existing"]) == (True, 1, 0)
    assert [line.split(":")[0] for line in body["invalid"]] == ["line 3"]
    assert _snapshot(web_container) == before


def test_an_import_with_bad_rows_is_refused_whole(
    api: TestClient, web_container: Container
) -> None:
    before = _snapshot(web_container)
    response = _upload(api, CSV)
    assert response.status_code == 422
    assert "1 bad row(s), nothing imported" in response.json()["detail"]
    assert _snapshot(web_container) == before


def test_skip_invalid_imports_the_good_rows(api: TestClient, web_container: Container) -> None:
    body = _upload(api, CSV, skip_invalid="true").json()
    assert (body["imported"], len(body["invalid"])) == (1, 1)
    assert web_container.store.get_client(web_container.mcc, PADARIA) is not None
    again = _upload(api, CSV, skip_invalid="true").json()
    assert (again["imported"], again["skipped_existing"]) == (0, 1)


def test_a_file_without_the_header_is_a_422(api: TestClient) -> None:
    response = _upload(api, "customer_id\tname\n1112223333\tX\n")
    assert response.status_code == 422
    assert "separated by tabs" in response.json()["detail"]


def test_an_unexpected_failure_is_a_500_problem_that_tells_nothing(
    web_app: FastAPI, web_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(web_container.store, "list_clients", broken)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(web_app, raise_server_exceptions=False, headers=headers) as raw:
        response = raw.get("/api/v1/clients")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in response.text


def test_a_broken_multipart_upload_is_a_400_saying_what_to_send(
    api: TestClient, web_container: Container
) -> None:
    before = _snapshot(web_container)
    response = api.post(
        "/api/v1/imports",
        content=b"--x\r\nnot a part",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "BadRequest"
    assert "field named `file`" in response.json()["detail"]
    assert _snapshot(web_container) == before


def test_json_with_a_number_python_cannot_read_is_a_400_about_json_not_csv(
    api: TestClient, web_container: Container
) -> None:
    before = _snapshot(web_container)
    body = '{"customer_id": "333-444-5555", "name": "X", "attributes": {"a": ' + "9" * 5000 + "}}"
    response = api.post(
        "/api/v1/clients", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400, response.text
    assert "at most 4,300 digits" in response.json()["detail"]
    assert "CSV" not in response.json()["detail"]
    assert _snapshot(web_container) == before
