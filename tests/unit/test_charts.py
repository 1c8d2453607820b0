"""The report's SVG charts (mcclink.reports.charts): well-formed, escaped, accessible, and
honest about empty, single and zero data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from mcclink.reports import charts
from mcclink.reports.charts import Chart, DayPoint

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "</text><script>alert(\"x\")</script>&amp; <b onload='1'>"
BUCKETS = [("< 1 day", 3), ("1-3 days", 5), ("3-7 days", 0), ("> 7 days", 1)]
FUNNEL = [("Links created", 10), ("Opened", 8), ("Signed in", 6), ("Accepted", 5)]


def november(*values: tuple[int, int, int]) -> list[DayPoint]:
    return [DayPoint(f"2026-11-{i + 1:02}", *v) for i, v in enumerate(values)]


def every_chart() -> list[Chart]:
    return [
        charts.volume_and_rate(november((3, 1, 1), (0, 0, 0), (5, 2, 0))),
        charts.funnel(FUNNEL),
        charts.time_to_acceptance(BUCKETS, timedelta(days=2), timedelta(days=6, hours=3)),
        charts.pending_age(BUCKETS),
    ]


def empty_charts() -> list[Chart]:
    return [
        charts.volume_and_rate([]),
        charts.volume_and_rate(november((0, 0, 0), (0, 0, 0))),
        charts.funnel([]),
        charts.funnel([("Links created", 0), ("Opened", 0)]),
        charts.time_to_acceptance([], None, None),
        charts.pending_age([("< 1 day", 0)]),
    ]


def svg_of(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("chart", every_chart() + empty_charts(), ids=lambda c: c.key)
def test_every_chart_is_well_formed_named_and_described_with_a_table(chart: Chart) -> None:
    root = svg_of(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert title.text == chart.title
    assert desc.text
    table = ET.fromstring(chart.table)
    assert table.findtext("caption") == chart.title
    figure = ET.fromstring(chart.__html__())
    assert figure.tag == "figure"
    assert figure.get("id") == f"chart-{chart.key}"


@pytest.mark.parametrize("chart", every_chart() + empty_charts(), ids=lambda c: c.key)
def test_no_chart_needs_javascript_or_an_inline_style_the_csp_would_refuse(chart: Chart) -> None:
    for element in ET.fromstring(chart.__html__()).iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
        assert element.tag.removeprefix(SVG) not in ("script", "style", "foreignObject")


def test_a_hostile_label_is_escaped_everywhere_and_reads_back_as_written() -> None:
    made = [
        charts.volume_and_rate([DayPoint(HOSTILE, 2, 1, 0)]),
        charts.funnel([(HOSTILE, 4), ("Opened", 1)]),
        charts.time_to_acceptance([(HOSTILE, 2)], timedelta(hours=5), timedelta(hours=9)),
        charts.pending_age([(HOSTILE, 1)]),
    ]
    for chart in made:
        figure = ET.fromstring(chart.__html__())  # would fail on a stray tag or entity
        assert not [e for e in figure.iter() if e.tag in ("script", "b", f"{SVG}script")]
        assert any(HOSTILE in text for text in figure.itertext()), chart.key
        assert "<script>" not in chart.svg
        assert "<script>" not in chart.table


def test_empty_data_says_so_in_the_chart_and_in_the_table() -> None:
    for chart in empty_charts():
        root = svg_of(chart)
        assert root.find(f"{SVG}rect") is None
        assert root.find(f"{SVG}circle") is None
        [message] = texts(root)
        assert message.startswith("No ")
        assert root.findtext(f"{SVG}desc") == message
    assert "No data." in charts.funnel([]).table
    assert "No data." in charts.volume_and_rate([]).table


def test_one_day_is_one_bar_and_one_dot_without_a_line() -> None:
    chart = charts.volume_and_rate(november((4, 3, 1)))
    root = svg_of(chart)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 1
    assert float(bars[0].get("width", 0)) <= charts.MAX_COLUMN
    assert bars[0].findtext(f"{SVG}title") == "2026-11-01: 4 sent"
    assert len(list(root.iter(f"{SVG}circle"))) == 1
    assert list(root.iter(f"{SVG}polyline")) == []
    rows = ET.fromstring(chart.table).findall("tbody/tr")
    assert [["".join(c.itertext()) for c in row] for row in rows] == [
        ["2026-11-01", "4", "3", "1", "75%"]
    ]


def test_a_zero_rate_is_drawn_on_the_baseline_and_a_day_without_answers_breaks_the_line() -> None:
    chart = charts.volume_and_rate(november((2, 0, 2), (1, 0, 1), (0, 0, 0), (3, 0, 4), (1, 0, 1)))
    root = svg_of(chart)
    dots = list(root.iter(f"{SVG}circle"))
    assert len(dots) == 4
    assert {d.get("cy") for d in dots} == {"220.0"}  # the baseline: 0 %
    assert len(list(root.iter(f"{SVG}polyline"))) == 2  # days 1-2, then 4-5
    assert "acceptance rate 0%" in (root.findtext(f"{SVG}desc") or "")
    rows = ET.fromstring(chart.table).findall("tbody/tr")
    assert [row[4].text for row in rows] == ["0%", "0%", "—", "0%", "0%"]


def test_the_funnel_gives_each_step_its_share_of_the_first() -> None:
    chart = charts.funnel(FUNNEL)
    assert (
        svg_of(chart).findtext(f"{SVG}desc")
    ) == "Links created 10 (100%) → Opened 8 (80%) → Signed in 6 (60%) → Accepted 5 (50%)."
    widths = [float(r.get("width", 0)) for r in svg_of(chart).iter(f"{SVG}rect")]
    assert widths[1] / widths[0] == pytest.approx(0.8, abs=0.01)


def test_the_distributions_name_their_median_p90_and_every_bucket() -> None:
    chart = charts.time_to_acceptance(BUCKETS, timedelta(days=2), timedelta(days=6, hours=3))
    assert svg_of(chart).findtext(f"{SVG}desc") == (
        "9 accepted invitation(s), median 2 d, 90th percentile 6 d 3 h. "
        "< 1 day: 3; 1-3 days: 5; 3-7 days: 0; > 7 days: 1."
    )
    rows = ET.fromstring(charts.pending_age(BUCKETS).table).findall("tbody/tr")
    assert [(row[0].text, row[1].text, row[2].text) for row in rows] == [
        ("< 1 day", "3", "33%"),
        ("1-3 days", "5", "56%"),
        ("3-7 days", "0", "0%"),
        ("> 7 days", "1", "11%"),
    ]


@pytest.mark.parametrize(
    ("highest", "top", "step"),
    [(0, 1, 1), (1, 1, 1), (4, 4, 1), (7, 8, 2), (9, 10, 5), (37, 40, 10), (1234, 1500, 500)],
)
def test_a_count_axis_ends_on_a_round_number(highest: int, top: int, step: int) -> None:
    assert charts._axis(highest) == (top, step)


def test_a_month_of_long_labels_shows_only_the_labels_that_fit() -> None:
    days = november(*[(1, 0, 0)] * 30)
    labels = [t for t in texts(svg_of(charts.volume_and_rate(days))) if t.startswith("2026-")]
    assert labels[0] == "2026-11-01"
    assert 4 <= len(labels) < 30
    assert len(ET.fromstring(charts.volume_and_rate(days).table).findall("tbody/tr")) == 30


def test_a_funnel_step_counted_more_often_than_the_first_stays_inside_the_plot() -> None:
    chart = charts.funnel([("Links created", 2), ("Opened", 5), ("Signed in", 1)])
    bars = list(svg_of(chart).iter(f"{SVG}rect"))
    right_edges = [float(r.get("x", 0)) + float(r.get("width", 0)) for r in bars]
    assert max(right_edges) <= charts.RIGHT
    assert "Opened 5 (250%)" in (svg_of(chart).findtext(f"{SVG}desc") or "")


def test_a_scope_keeps_the_ids_of_two_charts_of_one_kind_apart() -> None:
    first, second = (charts.funnel(FUNNEL, scope=scope) for scope in ("1112223333-", "4445556666-"))
    ids = [
        {e.get("id") for e in ET.fromstring(chart.__html__()).iter() if e.get("id")}
        for chart in (first, second)
    ]
    assert ids[0] == {
        "chart-1112223333-funnel",
        "chart-1112223333-funnel-title",
        "chart-1112223333-funnel-desc",
        "chart-1112223333-funnel-data",
    }
    assert not ids[0] & ids[1]
    assert svg_of(second).get("aria-describedby") == "chart-4445556666-funnel-desc"
