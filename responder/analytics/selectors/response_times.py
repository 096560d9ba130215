"""Time to first response and to posted reply, over time and by dimension."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDay, TruncWeek

from responder.analytics.selectors.filters import DIMENSIONS, Filters, cases_for
from responder.analytics.selectors.percentiles import (
    PercentileCont,
    _hours,
    is_postgres,
    percentile,
    seconds_between,
)
from responder.inbox.models import Case


def _bucket(filters: Filters) -> tuple[str, Any]:
    if (filters.end - filters.start).days <= 62:
        return "day", TruncDay("received_at")
    return "week", TruncWeek("received_at")


def _response_stats(qs: QuerySet[Case], group: str) -> dict[Any, dict[str, Any]]:
    """Per group, in one pass: n, median and p90 of time to first response and to
    posted reply (hours). Cases without the time are left out of that figure
    (percentile_cont and COUNT skip NULLs)."""
    metrics = {"first": "first_response_at", "reply": "replied_at"}
    if is_postgres():
        annotated = qs.annotate(
            **{f"_{name}": seconds_between("received_at", end) for name, end in metrics.items()}
        )
        aggregates: dict[str, Any] = {}
        for name, end in metrics.items():
            aggregates[f"{name}_n"] = Count(end)
            aggregates[f"{name}_median"] = PercentileCont(f"_{name}", 0.5)
            aggregates[f"{name}_p90"] = PercentileCont(f"_{name}", 0.9)
        out: dict[Any, dict[str, Any]] = {}
        for row in annotated.values(group).annotate(**aggregates).order_by(group):
            key = row.pop(group)
            for name in metrics:
                row[f"{name}_median"] = _hours(row[f"{name}_median"])
                row[f"{name}_p90"] = _hours(row[f"{name}_p90"])
            out[key] = row
        return out
    buckets: dict[Any, dict[str, list[float]]] = defaultdict(lambda: {m: [] for m in metrics})
    for key, received, *ends in qs.values_list(group, "received_at", *metrics.values()):
        bucket = buckets[key]
        for name, end in zip(metrics, ends, strict=True):
            if end is not None:
                bucket[name].append((end - received).total_seconds())
    result: dict[Any, dict[str, Any]] = {}
    for key, bucket in buckets.items():
        figures: dict[str, Any] = {}
        for name, secs in bucket.items():
            figures[f"{name}_n"] = len(secs)
            figures[f"{name}_median"] = _hours(percentile(secs, 0.5))
            figures[f"{name}_p90"] = _hours(percentile(secs, 0.9))
        result[key] = figures
    return result


TIME_KEYS = ("first_n", "first_median", "first_p90", "reply_n", "reply_median", "reply_p90")


def response_times_over_time(filters: Filters) -> dict[str, Any]:
    """Median and p90 time to first response and to posted reply, per day or week."""
    unit, trunc = _bucket(filters)
    stats = _response_stats(cases_for(filters).annotate(period=trunc), "period")
    rows = []
    for period in sorted(stats):
        label = period.date() if isinstance(period, dt.datetime) else period
        if not (stats[period]["first_n"] or stats[period]["reply_n"]):
            continue
        rows.append({"period": label.isoformat(), **{k: stats[period][k] for k in TIME_KEYS}})
    return {"unit": unit, "rows": rows}


def response_times_by(filters: Filters, dimension: str) -> list[dict[str, Any]]:
    """Median and p90 times by department, platform, language or topic."""
    stats = _response_stats(cases_for(filters), DIMENSIONS[dimension])
    return [
        {"key": key if key is not None else "—", **{k: stats[key][k] for k in TIME_KEYS}}
        for key in sorted(stats, key=lambda k: (k is None, str(k)))
        if stats[key]["first_n"] or stats[key]["reply_n"]
    ]
