"""The dashboard page as an admin reads it."""

from __future__ import annotations

import pytest
from django.test import Client

from responder.analytics.charts import line_chart

pytestmark = pytest.mark.django_db


def test_a_period_without_cases_shows_no_empty_charts(team):
    client = Client()
    client.force_login(team.admin)
    html = client.get("/analytics/?fresh=1").content.decode()
    assert "Time to first response over time" in html
    # No axes without data: each section's table is open and says why it is empty.
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' not in html
    assert html.count("Nothing in this period.") >= 8
    assert '<button type="submit" class="button">Show</button>' in html


def test_axis_ticks_are_not_rounded_into_wrong_values():
    svg = line_chart(uid="t", title="T", labels=["a", "b"], series=[("m", [0.0, 1.0])], unit="%")
    for tick in ("0%", "0.25%", "0.5%", "0.75%", "1%"):
        assert f">{tick}</text>" in svg
    assert ">0.2%<" not in svg and ">0.8%<" not in svg
    # Durations (hours) read as round minutes, not fractional hours (#14).
    svg = line_chart(uid="t", title="T", labels=["a", "b"], series=[("m", [0.0, 1.0])], unit="h")
    for tick in ("0 min", "15 min", "30 min", "45 min", "1 h"):
        assert f">{tick}</text>" in svg
