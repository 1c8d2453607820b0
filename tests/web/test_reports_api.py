"""``GET /api/v1/reports/{period}`` through the real app: the CLI's report as JSON, the
per-client sheet as CSV, the HTML report under its own CSP, and bad input as a 422 problem."""

from __future__ import annotations

import csv

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.reports import render
from mcclink.reports.metrics import build_report
from mcclink.reports.periods import Period
from mcclink.web import api_models as m
from tests.report_sample import FORMULA_NAME, NAMES, PERIOD, seed_november

OTHER_MCC = CustomerId.parse("987-654-3210")


@pytest.fixture
def seeded(web_container: Container) -> Container:
    """The server's store with the known November under the server's MCC."""
    seed_november(web_container.store, web_container.mcc)
    return web_container


def _expected(box: Container, mcc: CustomerId) -> dict[str, object]:
    period = Period.parse(PERIOD, box.settings.time_zone)
    return build_report(box.store, mcc, period).to_dict()


def test_json_is_the_clis_report_and_its_documented_shape(
    api: TestClient, seeded: Container
) -> None:
    answer = api.get(f"/api/v1/reports/{PERIOD}")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {**body, "generated_at": None} == {
        **_expected(seeded, seeded.mcc),
        "generated_at": None,
    }
    assert set(m.PeriodReportOut.model_fields) == set(body)
    m.PeriodReportOut.model_validate(body)  # nested rows too: extra keys are refused
    assert (body["sent"], body["accepted"], body["refused"]) == (3, 1, 1)


def test_csv_is_the_per_client_sheet_with_formulas_kept_as_text(
    api: TestClient, seeded: Container
) -> None:
    answer = api.get(f"/api/v1/reports/{PERIOD}", params={"format": "csv"})

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    name = f"mcclink-report-{PERIOD}-{seeded.mcc.digits}.csv"
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    rows = list(csv.DictReader(answer.content.decode("utf-8-sig").splitlines()))
    assert len(rows) == len(NAMES)
    assert "'" + FORMULA_NAME in {row["name"] for row in rows}


def test_html_is_the_report_under_its_own_policy(api: TestClient, seeded: Container) -> None:
    answer = api.get(f"/api/v1/reports/{PERIOD}", params={"format": "html"})

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-security-policy"] == f"{render.CSP}; frame-ancestors 'none'"
    assert answer.headers["x-frame-options"] == "DENY"  # the app's other headers still apply
    assert answer.text.count("<svg") == 4
    assert "=HYPERLINK(&quot;http://x&quot;" in answer.text


def test_another_manager_in_the_store_is_named_with_mcc(api: TestClient, seeded: Container) -> None:
    seed_november(seeded.store, OTHER_MCC)

    body = api.get(f"/api/v1/reports/{PERIOD}", params={"mcc": OTHER_MCC.dashed}).json()

    assert body["mcc_customer_id"] == OTHER_MCC.digits
    assert {**body, "generated_at": None} == {**_expected(seeded, OTHER_MCC), "generated_at": None}


@pytest.mark.parametrize(
    ("path", "params", "phrases"),
    [
        ("2026-13", {}, ("invalid period '2026-13'", "an ISO week 2026-W47")),
        ("novembro", {}, ("invalid period 'novembro'",)),
        ("2099-01", {}, ("has not started yet",)),
        (
            PERIOD,
            {"mcc": "555-444-3333"},
            ("manager 555-444-3333 is not one this server acts for", "mcc=", "/api/v1/managers"),
        ),
        (PERIOD, {"mcc": "12-34"}, ("invalid Google Ads customer id",)),
        (PERIOD, {"format": "pdf"}, ("query format",)),
    ],
    ids=["month-13", "words", "future", "unknown-manager", "bad-manager", "pdf"],
)
def test_bad_input_is_a_422_problem_naming_it(
    api: TestClient, seeded: Container, path: str, params: dict[str, str], phrases: tuple[str, ...]
) -> None:
    answer = api.get(f"/api/v1/reports/{path}", params=params)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    for phrase in phrases:
        assert phrase in answer.json()["detail"]
    assert "--" not in answer.json()["detail"]  # the CLI's options mean nothing to the API


def test_without_a_token_nothing_is_said(client: TestClient, seeded: Container) -> None:
    answer = client.get(f"/api/v1/reports/{PERIOD}")

    assert answer.status_code == 401
    assert "Padaria" not in answer.text


def test_another_method_is_a_405_naming_get(api: TestClient) -> None:
    answer = api.post(f"/api/v1/reports/{PERIOD}")

    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET"
