"""Outside a transaction the dashboard computes its figure groups on several
connections at once; the page must show exactly what the serial computation shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from responder.analytics import selectors
from responder.analytics.selectors import page
from responder.testing.history import generate, make_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_figures_equal_serial_figures(monkeypatch):
    world = make_world()
    end = timezone.now() - dt.timedelta(days=1)
    generate(world, n_cases=300, seed=11, end=end, days=14)
    filters = selectors.Filters(
        start=timezone.localdate(end - dt.timedelta(days=15)), end=timezone.localdate(end)
    )
    assert not connection.in_atomic_block
    threads_used: list[int] = []
    real_run = page._run_in_threads

    def spy(jobs):
        threads_used.append(len(jobs))
        return real_run(jobs)

    # dashboard() looks the runner up in its own module, selectors/page.py.
    monkeypatch.setattr(page, "_run_in_threads", spy)
    parallel = selectors.dashboard(filters)
    assert threads_used, "the parallel path was not taken"

    # Any other vendor computes serially, and with the portable (SQLite) code path:
    # the figures must agree with PostgreSQL's too.
    monkeypatch.setattr(connection, "vendor", "serial-for-this-test")
    serial = selectors.dashboard(filters)
    assert len(threads_used) == 1, "the serial path was not taken"
    assert parallel == serial
    assert parallel["by"]["platform"], "the history produced figures"
