"""The chart geometry as plain functions: round tick values, sensible bounds, distinct labels."""

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.charts import Guide, Series, line_chart, nice_step, nice_ticks, time_ticks

T0 = datetime(2026, 12, 1, 10, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("span", "step"),
    [(4.74, 2), (34.9, 10), (0.1, 0.05), (4, 1), (1, 0.5), (97000, 50000), (0.003, 0.001), (0, 1)],
)
def test_nice_step_is_1_2_5(span, step):
    assert nice_step(span) == pytest.approx(step)


@pytest.mark.parametrize(
    ("lo", "hi", "ticks"),
    [
        (8.07, 12.81, [8, 10, 12, 14]),  # not 8.07 / 10.44 / 12.81
        (0, 34.9, [0, 10, 20, 30, 40]),  # not 0.0 / 17.5 / 34.9
        (96, 100, [96, 97, 98, 99, 100]),
        (10, 10, [9.5, 10, 10.5]),  # a flat line still gets an axis
        (-3, 7, [-5, 0, 5, 10]),
    ],
)
def test_nice_ticks_enclose_the_range_on_round_values(lo, hi, ticks):
    got = nice_ticks(lo, hi)
    assert got == pytest.approx(ticks)
    assert got[0] <= lo and got[-1] >= hi


def labels(chart):
    return [t["label"] for t in chart.y_ticks]


def test_rating_axis_stays_in_0_to_5_with_distinct_labels_and_no_cliff():
    points = [(T0 + timedelta(days=i), 4.6 - 0.01 * i) for i in range(10)]
    chart = line_chart("Rating", [Series("Rating", points)], "★")
    assert labels(chart) == ["4.0★", "4.2★", "4.4★", "4.6★", "4.8★", "5.0★"]
    assert len(set(labels(chart))) == len(labels(chart))


def test_percent_axis_never_passes_100():
    points = [(T0 + timedelta(days=i), v) for i, v in enumerate([97.5, 98.0, 99.8])]
    chart = line_chart("Positive feedback", [Series("Positive feedback", points)], "%")
    assert labels(chart)[-1] == "100%" and all(float(label[:-1]) <= 100 for label in labels(chart))


def test_price_ticks_are_round_and_the_baseline_and_threshold_are_drawn():
    points = [(T0 + timedelta(days=i), v) for i, v in enumerate([8.07, 9.1, 12.81])]
    guides = [Guide("Baseline", 8.9), Guide("Alert above (+10%)", 9.79, "threshold")]
    chart = line_chart("Price", [Series("Supplier price", points)], "USD", guides=guides)
    assert labels(chart) == ["8", "10", "12", "14"]
    assert [g["label"] for g in chart.guides] == ["Baseline", "Alert above (+10%)"]
    assert [g["kind"] for g in chart.guides] == ["baseline", "threshold"]


def test_two_readings_on_one_day_do_not_repeat_the_date():
    points = [(T0, 10.0), (T0 + timedelta(minutes=40), 10.5)]
    chart = line_chart("Price", [Series("Supplier price", points)], "USD")
    x_labels = [t["label"] for t in chart.x_ticks]
    assert x_labels == ["Dec 01 10:03", "10:43"]


@pytest.mark.parametrize(
    "span", [timedelta(0), timedelta(minutes=5), timedelta(hours=5), timedelta(days=3), timedelta(days=365)]
)
def test_time_ticks_have_distinct_labels(span):
    got = [label for _, label in time_ticks(T0, T0 + span)]
    assert got and len(got) == len(set(got)) and len(got) <= 6


def test_long_series_still_offer_values_on_hover():
    points = [(T0 + timedelta(hours=i), 10 + (i % 7) / 10) for i in range(500)]
    chart = line_chart("Price", [Series("Supplier price", points)], "USD")
    markers = chart.paths[0]["markers"]
    assert 40 <= len(markers) <= 62 and all(not m["visible"] for m in markers)
    assert markers[-1]["label"].endswith("10.20") or ":" in markers[-1]["label"]
    assert chart.rows  # the numbers table is kept


def test_empty_chart_has_a_note_not_an_axis():
    chart = line_chart("Followers", [Series("Followers", [])], "", empty_note="not published")
    assert chart.empty and chart.note == "not published" and not chart.y_ticks
