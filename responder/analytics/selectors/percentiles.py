"""Percentiles of durations, computed by PostgreSQL or, on SQLite, in Python."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    QuerySet,
)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()  # type: ignore[assignment]

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


class EpochSeconds(Func):
    """Seconds in an interval (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()  # type: ignore[assignment]


def seconds_between(start: str, end: str) -> EpochSeconds:
    return EpochSeconds(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))


def percentile(values: list[float], fraction: float) -> float | None:
    """percentile_cont in Python: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600.0, 2)


def _duration_stats(
    qs: QuerySet[Any], *, group: str | None, start: str, end: str, extra_groups: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Per group: n, median and p90 of (end - start) in hours, over rows with both set."""
    qs = qs.filter(**{f"{start}__isnull": False, f"{end}__isnull": False})
    group_fields = ([group] if group else []) + list(extra_groups)
    if is_postgres():
        annotated = qs.annotate(_secs=seconds_between(start, end))
        rows = (
            annotated.values(*group_fields)
            .annotate(
                n=Count("pk"),
                median=PercentileCont("_secs", 0.5),
                p90=PercentileCont("_secs", 0.9),
            )
            .order_by(*group_fields)
            if group_fields
            else [
                annotated.aggregate(
                    n=Count("pk"),
                    median=PercentileCont("_secs", 0.5),
                    p90=PercentileCont("_secs", 0.9),
                )
            ]
        )
        out = []
        for row in rows:
            if not row["n"]:
                continue
            row = dict(row)
            row["median"], row["p90"] = _hours(row["median"]), _hours(row["p90"])
            out.append(row)
        return out
    buckets: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for values in qs.values_list(*group_fields, start, end):
        key = tuple(values[: len(group_fields)])
        buckets[key].append((values[-1] - values[-2]).total_seconds())
    return [
        {
            **dict(zip(group_fields, key, strict=True)),
            "n": len(secs),
            "median": _hours(percentile(secs, 0.5)),
            "p90": _hours(percentile(secs, 0.9)),
        }
        for key, secs in sorted(buckets.items(), key=lambda kv: tuple(str(k) for k in kv[0]))
    ]
