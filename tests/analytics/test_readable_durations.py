"""Durations on the dashboard's charts read as minutes, hours and days in the
reader's language (#14): bars of different length were all labelled "0.0h", axes
read "0.25h", French numbers read "0.11h"."""

from __future__ import annotations

import re

from django.utils import translation

from responder.analytics.charts import bar_chart, line_chart


def _texts(svg: str) -> list[str]:
    return re.findall(r">([^<>]+)</text>", svg)


def test_short_bars_are_labelled_in_minutes_not_as_zero_hours():
    with translation.override("en"):
        svg = bar_chart(
            uid="b", title="T", labels=["a", "b"], series=[("m", [0.02, 0.05])], unit="h"
        )
    texts = _texts(svg)
    assert "1 min" in texts and "3 min" in texts
    assert not any(t.endswith("h") and "." in t for t in texts)


def test_french_bars_read_in_days_with_a_decimal_comma():
    with translation.override("fr"):
        svg = bar_chart(uid="b", title="T", labels=["a"], series=[("m", [36.0])], unit="h")
    assert "1,5 j" in _texts(svg)


def test_a_line_chart_axis_under_an_hour_counts_minutes():
    with translation.override("en"):
        svg = line_chart(
            uid="t", title="T", labels=["a", "b"], series=[("m", [0.0, 0.9])], unit="h"
        )
    ticks = [t for t in _texts(svg) if t not in ("m", "a", "b")]
    assert ticks == ["0 min", "15 min", "30 min", "45 min", "1 h"]


def test_a_line_chart_axis_over_two_days_counts_days_in_french():
    with translation.override("fr"):
        svg = line_chart(
            uid="t", title="T", labels=["a", "b"], series=[("m", [1.0, 70.0])], unit="h"
        )
    ticks = [t for t in _texts(svg) if t not in ("m", "a", "b")]
    assert ticks[-1] == "4,0 j" or ticks[-1] == "3,0 j"
    assert all(not t.endswith("h") or " h" in t for t in ticks)


def test_french_shares_use_a_decimal_comma():
    with translation.override("fr"):
        svg = bar_chart(uid="b", title="T", labels=["a"], series=[("m", [87.5])], unit="%")
    assert "87,5%" in _texts(svg)
    with translation.override("en"):
        svg = bar_chart(uid="b", title="T", labels=["a"], series=[("m", [87.5])], unit="%")
    assert "87.5%" in _texts(svg)
