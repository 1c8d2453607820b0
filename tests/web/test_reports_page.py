"""The dashboard's Reports page over a known November (tests/web/report_history.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, utcnow
from mcclink.reports.periods import Period, format_day
from tests.web.report_history import PERIOD, TOO_MANY, write_november

CHARTS = ("volume", "funnel", "time-to-acceptance", "pending-age")


@pytest.fixture
def november(web_container: Container) -> Container:
    write_november(web_container.store, web_container.mcc)
    return web_container


def card(page: str, label: str) -> str:
    """The value of the summary card called ``label``."""
    match = re.search(rf'<span class="label">{label}</span>\s*<span class="value">([^<]*)<', page)
    assert match, f"no card {label!r}"
    return match.group(1)


def test_the_page_shows_the_periods_figures_from_history(
    signed_in: TestClient, november: Container
) -> None:
    answer = signed_in.get(f"/reports?period={PERIOD}")
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert card(page, "Invitations sent") == "16"  # the failed invitation was not sent
    assert card(page, "Accepted") == "9"
    assert card(page, "Refused") == "3"
    assert card(page, "Cancelled") == "1"
    assert card(page, "Acceptance rate") == "75%"
    assert card(page, "Median time to acceptance") == "19 h 12 min"  # 0.8 d, 5th of 9
    assert "90th percentile 9 d" in page
    assert card(page, "Pending at the end") == "3"
    assert "01/11/2026 to 30/11/2026 (America/Sao_Paulo)" in page  # MCC_LOCALE: pt-BR
    pending = re.findall(r'<td data-label="Waiting">([^<]*)</td>', page)
    assert pending == ["11 d 14 h", "6 d 14 h", "2 d 14 h"]  # oldest first, at Dec 1 00:00
    code = f'<td data-label="Code" class="wrap"><code>{TOO_MANY}</code></td>'
    assert f'{code}<td data-label="Calls">1</td>' in page


def test_each_chart_is_an_svg_image_with_a_title_a_description_and_a_table(
    signed_in: TestClient, november: Container
) -> None:
    page = signed_in.get(f"/reports?period={PERIOD}").text
    mcc = november.mcc.digits  # in the ids: a report of several managers has several of each
    for key in CHARTS:
        figure = re.search(
            rf'<figure class="chart" id="chart-{mcc}-{key}">.*?</figure>', page, re.S
        )
        assert figure, key
        root = ET.fromstring(figure.group(0))  # well-formed as served
        svg = root.find("{http://www.w3.org/2000/svg}svg")
        assert svg is not None
        assert svg.get("role") == "img"
        assert svg.get("aria-labelledby") == f"chart-{mcc}-{key}-title"
        assert svg.get("aria-describedby") == f"chart-{mcc}-{key}-desc"
        assert root.find("details/div/table") is not None
    volume = re.search(
        rf'<table class="chart-table" id="chart-{mcc}-volume-data">.*?</table>', page
    )
    assert volume
    assert '<tr><th scope="row">02/11/2026</th><td>1</td><td>1</td><td>0</td><td>100%</td>' in (
        volume.group(0)
    )
    assert (
        f'<desc id="chart-{mcc}-funnel-desc">Links created 6 (100%) → Opened 5 (83%) → Signed in 4 '
        "(67%) → Accepted 3 (50%).</desc>"
    ) in page
    assert ' style="' not in page  # the CSP refuses inline styles
    assert "<script" not in page.split("</head>")[1]


def test_dates_are_iso_when_the_locale_is_english(
    signed_in: TestClient, november: Container, web_env: dict[str, str]
) -> None:
    web_env["MCC_LOCALE"] = "en"  # the container reads its environment on each request
    page = signed_in.get(f"/reports?period={PERIOD}").text
    assert "2026-11-01 to 2026-11-30 (America/Sao_Paulo)" in page
    assert '<tr><th scope="row">2026-11-02</th>' in page
    assert "02/11/2026" not in page


def test_the_period_picker_links_the_periods_around_it(
    signed_in: TestClient, november: Container
) -> None:
    page = signed_in.get(f"/reports?period={PERIOD}").text
    assert 'href="/reports?period=2026-10" rel="prev"' in page
    assert 'href="/reports?period=2026-12" rel="next"' in page
    week = signed_in.get("/reports?period=2026-W01").text
    assert 'href="/reports?period=2025-W52" rel="prev"' in week
    day = signed_in.get("/reports?period=2026-03-01").text
    assert 'href="/reports?period=2026-02-28" rel="prev"' in day
    assert 'href="/reports?period=2026-03-02" rel="next"' in day


@pytest.mark.parametrize("url", ["/reports", "/reports?period=", "/reports?period=+"])
def test_without_a_period_the_page_shows_this_month_so_far_in_the_agencys_zone(
    signed_in: TestClient, web_container: Container, url: str
) -> None:
    """An empty period (the picker cleared and submitted) is this month too, not a 422."""
    zone = web_container.settings.time_zone
    now = utcnow()
    this_month = Period.containing("month", now, zone)
    answer = signed_in.get(url)
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert f'name="period" value="{this_month.label}"' in page
    assert "No invitations in this period." in page
    first, last = (
        format_day(day, "pt-BR") for day in (this_month.first_day, this_month.days()[-1])
    )
    today = format_day(now.astimezone(zone).date(), "pt-BR")
    assert f"{first} to {last}, so far (up to {today} " in page  # as the HTML report says it


@pytest.mark.parametrize("raw", ["2026-13", "november", "2026-W54", "2026-02-30"])
def test_a_period_it_cannot_read_is_a_422_naming_the_forms_it_reads(
    signed_in: TestClient, november: Container, raw: str
) -> None:
    answer = signed_in.get("/reports", params={"period": raw})
    assert answer.status_code == 422
    assert re.search(rf'role="alert">invalid period &#39;{raw}&#39;.*2026-W47', answer.text)
    assert "<figure" not in answer.text


def test_a_period_still_to_come_is_a_422_and_this_month_offers_no_next(
    signed_in: TestClient, web_container: Container
) -> None:
    answer = signed_in.get("/reports?period=2099-01")
    assert answer.status_code == 422
    assert "period 2099-01 has not started yet" in answer.text
    assert 'rel="next"' not in signed_in.get("/reports").text


def test_names_from_the_store_are_escaped(signed_in: TestClient, november: Container) -> None:
    store, mcc = november.store, november.mcc
    client = store.get_client(mcc, CustomerId.parse("890-890-8901"))
    assert client is not None
    store.update_client(client.evolve(name="<img src=x onerror=alert(1)>"))
    page = signed_in.get(f"/reports?period={PERIOD}").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page


def test_the_page_needs_a_signed_in_session(client: TestClient) -> None:
    answer = client.get(f"/reports?period={PERIOD}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_every_download_the_page_links_is_the_apis_answer(
    signed_in: TestClient, api: TestClient, november: Container
) -> None:
    page = signed_in.get(f"/reports?period={PERIOD}").text
    links = re.findall(r'href="(/reports/[^"]+)"', page)
    assert links == [f"/reports/{PERIOD}/report.{fmt}" for fmt in ("html", "csv", "json")]
    answers = {link.rsplit(".", 1)[1]: signed_in.get(link) for link in links}
    for fmt, answer in answers.items():
        from_api = api.get(f"/api/v1/reports/{PERIOD}", params={"format": fmt})
        assert answer.status_code == from_api.status_code == 200, answer.text
        assert answer.headers["content-type"] == from_api.headers["content-type"]
        assert answer.headers.get("content-disposition") == (
            from_api.headers.get("content-disposition")
        )
    assert answers["csv"].text == api.get(f"/api/v1/reports/{PERIOD}?format=csv").text
    assert "Padaria São João" in answers["csv"].text
    body = answers["json"].json()
    assert (body["period"], body["sent"], body["accepted"]) == (PERIOD, 16, 9)
    assert answers["html"].text.count("<svg") == 4
    assert "default-src 'none'" in answers["html"].headers["content-security-policy"]


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (
            f"/reports/{PERIOD}/report.xml",
            "no report format &#39;xml&#39;: ask for html, csv, json",
        ),
        ("/reports/2026-13/report.csv", "invalid period &#39;2026-13&#39;"),
    ],
)
def test_a_download_it_cannot_make_is_a_422_page_naming_the_choices(
    signed_in: TestClient, november: Container, path: str, named: str
) -> None:
    answer = signed_in.get(path)
    assert answer.status_code == 422
    assert named in answer.text


def test_downloads_need_a_signed_in_session(client: TestClient, november: Container) -> None:
    answer = client.get(f"/reports/{PERIOD}/report.csv", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")
