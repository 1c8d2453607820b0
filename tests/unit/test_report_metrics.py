"""The report's duration summaries: median, nearest-rank p90 and the ranges they fall in."""

from __future__ import annotations

from datetime import timedelta

from mcclink.reports.metrics import BUCKETS, Duration, bucket_counts

DAY = timedelta(days=1)


def test_no_values_have_no_median_and_empty_ranges() -> None:
    empty = Duration.of([])

    assert (empty.count, empty.median, empty.p90) == (0, None, None)
    assert empty.buckets == [(label, 0) for label, _ in BUCKETS]
    assert empty.to_dict() == {
        "count": 0,
        "median_s": None,
        "p90_s": None,
        "buckets": [{"label": label, "count": 0} for label, _ in BUCKETS],
    }


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    summary = Duration.of([4 * DAY, DAY, 3 * DAY, 2 * DAY])

    assert summary.median == 2.5 * DAY
    assert summary.p90 == 4 * DAY  # rank ceil(0.9 x 4) = 4


def test_p90_is_the_nearest_rank() -> None:
    hours = [timedelta(hours=n) for n in range(1, 11)]  # 1 h .. 10 h

    assert Duration.of(hours).p90 == timedelta(hours=9)  # rank ceil(0.9 x 10) = 9
    assert Duration.of([*hours, timedelta(hours=11)]).p90 == timedelta(hours=10)  # rank 10
    assert Duration.of(hours).median == timedelta(hours=5, minutes=30)
    assert Duration.of([timedelta(hours=7)]).p90 == timedelta(hours=7)


def test_a_range_s_upper_bound_belongs_to_the_next_range() -> None:
    values = [
        timedelta(0),
        DAY - timedelta(seconds=1),
        DAY,
        3 * DAY,
        7 * DAY - timedelta(microseconds=1),
        14 * DAY,
        400 * DAY,
    ]

    assert bucket_counts(values) == [
        ("< 1 day", 2),
        ("1-3 days", 1),
        ("3-7 days", 2),
        ("7-14 days", 0),
        ("14+ days", 2),
    ]
