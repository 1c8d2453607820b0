"""The report's charts as server-rendered SVG: data in, markup out, no JavaScript.

A chart is a ``Chart``: its SVG (``role="img"``, named by its ``<title>``, described by its
``<desc>``) and the same figures as a table, its text alternative. Colours and fonts are SVG
presentation attributes, never ``style``: the dashboard's CSP (``default-src 'self'``)
refuses inline styles, and the SVG then looks and prints the same in the dashboard, the HTML
report and its PDF, with or without a stylesheet. Every text that comes from data is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING

from mcclink.domain import format_span
from mcclink.reports.periods import format_day

if TYPE_CHECKING:
    from mcclink.reports.metrics import PeriodReport

WIDTH = 520
#: The plot's edges inside the SVG's box (left and right leave room for the axes' labels).
LEFT, RIGHT, TOP = 48, WIDTH - 48, 34
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK, MUTED, GRID = "#1d2330", "#667085", "#e3e6ec"
BAR, LINE, AGE = "#8fa9ea", "#b54708", "#c4a2f2"
#: The width a 10-unit-high character of an axis label takes, about.
CHAR_WIDTH = 6.2
#: The widest a column gets (one day alone would fill the plot).
MAX_COLUMN = 90


@dataclass(frozen=True)
class Chart:
    """One chart: ``svg`` and its text alternative ``table`` (both markup, escaped).

    Jinja renders it (``__html__``) as a ``<figure>`` with the table in a ``<details>``.
    """

    key: str
    title: str
    svg: str
    table: str

    def __html__(self) -> str:
        return (
            f'<figure class="chart" id="chart-{self.key}">'
            f"<figcaption>{escape(self.title)}</figcaption>{self.svg}"
            f'<details class="chart-data"><summary>The figures as a table</summary>'
            f'<div class="chart-table-scroll">{self.table}</div></details></figure>'
        )


@dataclass(frozen=True)
class DayPoint:
    """One day of the volume chart: invitations sent, and the day's answers."""

    label: str
    sent: int
    accepted: int
    refused: int

    @property
    def rate(self) -> float | None:
        """Accepted over answered that day; None without answers."""
        answered = self.accepted + self.refused
        return None if answered == 0 else self.accepted / answered


def report_charts(report: PeriodReport, locale: str = "en") -> list[Chart]:
    """The charts of ``report`` in the order the Reports page and the report show them;
    days are written for ``locale`` (``periods.format_day``). Their ids name the manager
    (``chart-1234567890-volume``): a report of several managers has each one's charts."""
    scope = f"{report.mcc.digits}-"
    steps = report.funnel
    waited = report.time_to_acceptance
    days = [
        DayPoint(format_day(row.day, locale), row.sent, row.accepted, row.refused)
        for row in report.days
    ]
    return [
        volume_and_rate(days, scope=scope),
        funnel(
            [
                ("Links created", steps.links_created),
                ("Opened", steps.opened),
                ("Signed in", steps.signed_in),
                ("Accepted", steps.accepted),
            ],
            scope=scope,
        ),
        time_to_acceptance(waited.buckets, waited.median, waited.p90, scope=scope),
        pending_age(report.pending_age, scope=scope),
    ]


def funnel(steps: Sequence[tuple[str, int]], *, scope: str = "") -> Chart:
    """The onboarding funnel: one horizontal bar per step, with its share of the first step.

    Args:
        steps: ``(step, count)`` from the first step on (links created, opened, ...). Steps
            are counted, not people (a link opened twice is opened twice), so a later step
            may outgrow the first: the bars are scaled to the largest.
        scope: put before the chart's key in its ids, to tell apart several charts of the
            same kind in one page (as every chart function takes it).
    """
    key, title = f"{scope}funnel", "Onboarding funnel"
    first = steps[0][1] if steps else 0
    shares = [(name, count, _share(count, first)) for name, count in steps]
    table = _table(key, title, ("Step", "Count", "Of the first step"), shares)
    if first <= 0:
        return Chart(key, title, _empty(key, title, "No onboarding links in this period."), table)
    row, label_width, top = 34, 150, 8
    height = top + row * len(steps) + 8
    span, largest = RIGHT - 40 - label_width, max(count for _, count in steps)
    body = []
    for index, (name, count, share) in enumerate(shares):
        y = top + index * row
        width = max(span * count / largest, 1 if count else 0)
        body += [
            _text(label_width - 8, y + 17, name, anchor="end"),
            _rect(label_width, width, y + 4, row - 10, BAR, f"{name}: {count} ({share})"),
            _text(label_width + width + 6, y + 17, f"{count} ({share})"),
        ]
    desc = " → ".join(f"{name} {count} ({share})" for name, count, share in shares)
    return Chart(key, title, _svg(key, title, f"{desc}.", height, body), table)


def volume_and_rate(days: Sequence[DayPoint], *, scope: str = "") -> Chart:
    """Invitations sent each day as bars (left axis), the acceptance rate of each day's
    answers as a line (right axis, 0-100 %; no point on a day without answers)."""
    key, title = f"{scope}volume", "Invitations sent and acceptance rate"
    rows = [(d.label, d.sent, d.accepted, d.refused, _percent(d.rate)) for d in days]
    table = _table(key, title, ("Day", "Sent", "Accepted", "Refused", "Acceptance rate"), rows)
    if not any(d.sent or d.accepted or d.refused for d in days):
        return Chart(key, title, _empty(key, title, "No invitations in this period."), table)
    height, bottom = 260, 220
    top_count, step = _axis(max(d.sent for d in days))
    band = (RIGHT - LEFT) / len(days)
    body = _count_axis(top_count, step, bottom) + _rate_axis(bottom) + _legend()
    body += _x_labels([d.label for d in days], band, bottom)
    points: list[tuple[float, float] | None] = []
    for index, day in enumerate(days):
        x = LEFT + band * index
        bar = (bottom - TOP) * day.sent / top_count
        body.append(
            _rect(*_column(x, band), bottom - bar, bar, BAR, f"{day.label}: {day.sent} sent")
        )
        rate = day.rate
        points.append(None if rate is None else (x + band / 2, bottom - (bottom - TOP) * rate))
    body += _line(points, [f"{d.label}: {_percent(d.rate)} accepted" for d in days])
    return Chart(key, title, _svg(key, title, _volume_desc(days), height, body), table)


def time_to_acceptance(
    buckets: Sequence[tuple[str, int]],
    median: timedelta | None,
    p90: timedelta | None,
    *,
    scope: str = "",
) -> Chart:
    """How long accepted invitations waited for their answer, as one column per bucket."""
    key, title = f"{scope}time-to-acceptance", "Time to acceptance"
    total = sum(count for _, count in buckets)
    summary = f"median {format_span(median)}, 90th percentile {format_span(p90)}"
    return _histogram(
        key,
        title,
        buckets,
        BAR,
        empty="No invitation was accepted in this period.",
        desc=f"{total} accepted invitation(s), {summary}",
    )


def pending_age(buckets: Sequence[tuple[str, int]], *, scope: str = "") -> Chart:
    """The invitations still pending at the period's end, by how long they had waited."""
    total = sum(count for _, count in buckets)
    return _histogram(
        f"{scope}pending-age",
        "Pending at the end of the period, by age",
        buckets,
        AGE,
        empty="No invitation was pending at the end of the period.",
        desc=f"{total} invitation(s) pending",
    )


def _histogram(
    key: str, title: str, buckets: Sequence[tuple[str, int]], fill: str, *, empty: str, desc: str
) -> Chart:
    total = sum(count for _, count in buckets)
    rows = [(label, count, _share(count, total)) for label, count in buckets]
    table = _table(key, title, ("Bucket", "Count", "Share"), rows)
    if total <= 0:
        return Chart(key, title, _empty(key, title, empty), table)
    height, bottom = 240, 200
    top_count, step = _axis(max(count for _, count in buckets))
    band = (RIGHT - LEFT) / len(buckets)
    body = _count_axis(top_count, step, bottom) + _x_labels([b[0] for b in buckets], band, bottom)
    for index, (label, count) in enumerate(buckets):
        x, bar = LEFT + band * index, (bottom - TOP) * count / top_count
        body += [
            _rect(*_column(x, band), bottom - bar, bar, fill, f"{label}: {count}"),
            _text(x + band / 2, bottom - bar - 5, str(count), anchor="middle"),
        ]
    details = "; ".join(f"{label}: {count}" for label, count in buckets)
    return Chart(key, title, _svg(key, title, f"{desc}. {details}.", height, body), table)


# -- pieces -----------------------------------------------------------------------------------


def _svg(key: str, title: str, desc: str, height: int, body: Sequence[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} {height}"'
        f' width="{WIDTH}" height="{height}" role="img"'
        f' aria-labelledby="chart-{key}-title" aria-describedby="chart-{key}-desc"'
        f' font-family="{escape(FONT)}" font-size="12" fill="{INK}">'
        f'<title id="chart-{key}-title">{escape(title)}</title>'
        f'<desc id="chart-{key}-desc">{escape(desc)}</desc>{"".join(body)}</svg>'
    )


def _empty(key: str, title: str, message: str) -> str:
    """A chart with nothing to draw: the message where the plot would be."""
    return _svg(
        key, title, message, 80, [_text(WIDTH / 2, 44, message, anchor="middle", fill=MUTED)]
    )


def _table(key: str, caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        f'<tr><th scope="row">{escape(str(first))}</th>'
        + "".join(f"<td>{escape(str(cell))}</td>" for cell in rest)
        + "</tr>"
        for first, *rest in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(headers)}">No data.</td></tr>'
    return (
        f'<table class="chart-table" id="chart-{key}-data"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
    )


def _column(x: float, band: float) -> tuple[float, float]:
    """Where a column starts in its band of the x axis, and its width (at most MAX_COLUMN)."""
    width = min(band * 0.7, MAX_COLUMN)
    return x + (band - width) / 2, width


def _rect(x: float, width: float, y: float, height: float, fill: str, tip: str) -> str:
    """A bar, with ``tip`` as its tooltip."""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def _axis(highest: int) -> tuple[int, int]:
    """A round top for a count axis reaching ``highest`` and its step (1, 2 or 5 x 10^k),
    four or five steps."""
    rough = max(highest / 4, 1)
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    return max(step * math.ceil(highest / step), step), step


def _count_axis(top_count: int, step: int, bottom: int) -> list[str]:
    """Gridlines and the counts on the left."""
    lines = []
    for value in range(0, top_count + 1, step):
        y = bottom - (bottom - TOP) * value / top_count
        lines += [
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>',
            _text(LEFT - 6, y + 4, str(value), anchor="end", fill=MUTED),
        ]
    return lines


def _rate_axis(bottom: int) -> list[str]:
    """The percentages on the right."""
    return [
        _text(RIGHT + 6, bottom - (bottom - TOP) * share / 100 + 4, f"{share}%", fill=LINE)
        for share in (0, 25, 50, 75, 100)
    ]


def _legend() -> list[str]:
    return [
        f'<rect x="{LEFT}" y="8" width="12" height="12" fill="{BAR}"/>',
        _text(LEFT + 18, 18, "Invitations sent"),
        f'<line x1="{LEFT + 150}" y1="14" x2="{LEFT + 172}" y2="14" stroke="{LINE}"'
        ' stroke-width="2.5"/>',
        _text(LEFT + 178, 18, "Acceptance rate of the day's answers", fill=LINE),
    ]


def _x_labels(labels: Sequence[str], band: float, bottom: int) -> list[str]:
    """Every label that fits under the axis, spaced evenly (all of them when they fit)."""
    widest = max((len(label) for label in labels), default=1) * CHAR_WIDTH + 10
    every = max(1, math.ceil(widest / band))
    return [
        _text(LEFT + band * (i + 0.5), bottom + 16, label, anchor="middle", fill=MUTED)
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def _line(points: Sequence[tuple[float, float] | None], tips: Sequence[str]) -> list[str]:
    """A line through the points, broken where a point is missing, a dot on each."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    paths = [
        f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in run)}" fill="none"'
        f' stroke="{LINE}" stroke-width="2.5"/>'
        for run in runs
        if len(run) > 1
    ]
    dots = [
        f'<circle cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="3.5" fill="{LINE}">'
        f"<title>{escape(tip)}</title></circle>"
        for p, tip in zip(points, tips, strict=True)
        if p is not None
    ]
    return paths + dots


def _volume_desc(days: Sequence[DayPoint]) -> str:
    sent = sum(d.sent for d in days)
    accepted, refused = sum(d.accepted for d in days), sum(d.refused for d in days)
    busiest = max(days, key=lambda d: d.sent)
    overall = DayPoint("", sent, accepted, refused).rate
    return (
        f"{sent} invitation(s) sent from {days[0].label} to {days[-1].label}, most on "
        f"{busiest.label} ({busiest.sent}). Answers: {accepted} accepted, {refused} refused "
        f"(acceptance rate {_percent(overall)})."
    )


def _share(count: int, whole: int) -> str:
    return _percent(None if whole <= 0 else count / whole)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"
