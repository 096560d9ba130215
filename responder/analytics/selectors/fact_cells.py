"""The dashboard's case figures from one pass over the case facts (issue #14).

One query reads every case fact of the period once and groups it into cells: (day,
department, platform, language, topic list), each with its counts and the arrays of
its two durations (time to first response, time to posted reply). Every figure of
the page that reads cases (durations by period, department, platform, language and
topic; volumes, target and engagement by platform, week, topic and in all) is then
added up from the cells in Python: counts add up, and each group's exact percentiles
are read from its cells' durations by numpy's selection (np.partition), with
percentile_cont's formula (fact_percentiles.percentiles). A case counts once in each
of its topics, and once in every other grouping.

The period's days are the reader's: their starts (local midnights, from zoneinfo)
are given to PostgreSQL as a sorted array and each case falls in its day by
width_bucket, a binary search, rather than converting every case's time to a zone
(that conversion alone cost about a quarter of a second at a million cases).

Before (three queries, each an ordered scan into hashed GROUPING SETS): each case
was read three times and added to eleven groups in PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from responder.analytics.selectors.fact_percentiles import FRACTIONS, percentiles
from responder.analytics.selectors.facts import (
    CELL_AGGREGATES,
    CELL_COLUMNS,
    fetch,
    fetch_binary,
    where,
)
from responder.analytics.selectors.filters import Filters, local_midnight, monday, this_week
from responder.analytics.selectors.percentiles import _hours
from responder.inbox.models import Topic

Metric = dict[Any, tuple[int, float | None, float | None]]


@dataclass(slots=True)
class Cell:
    day: dt.date  # the first day of the cell's period bucket
    department_id: int
    platform: str
    language: str
    topics: list[int]  # the topics it counts in (only the filtered one under a filter)
    counts: tuple[int, ...]  # CELL_COLUMNS
    first: np.ndarray | None  # durations in seconds, in no order
    reply: np.ndarray | None


@dataclass
class Cells:
    cells: list[Cell]
    slugs: dict[int, str]  # topic id -> slug
    unit: str  # "day" or "week"

    def period(self, day: dt.date) -> dt.date:
        return day if self.unit == "day" else monday(day)


def bucket_days(filters: Filters, unit: str) -> list[dt.date]:
    """The first day of each bucket of the period: every day, or (unit week) the
    period's first day and then each Monday."""
    days = [
        filters.start + dt.timedelta(days=i) for i in range((filters.end - filters.start).days + 1)
    ]
    if unit == "day":
        return days
    return [d for d in days if d == filters.start or d.weekday() == 0]


# A cell is (day, dims): `dims` names the case's (department, platform, language,
# topic list) by one number (migrations/0006_case_dims.py), so the aggregate hashes two
# integers per case rather than five values, one of them an array. The day is
# computed in a subquery that the planner does not look into (OFFSET 0): grouping by an
# expression of received_at directly, it expects as many cells as cases (a million)
# and sizes its hash table for them, which made the aggregate slower than with the few
# thousand cells there are. (Reading the counts and the durations on two connections,
# or the period's two halves, was slower: each reading scanned and hashed every case.)
SQL = """
    SELECT f.b, f.dims, {aggregates},
        array_send(array_agg(f.first_secs) FILTER (WHERE f.first_secs IS NOT NULL)),
        array_send(array_agg(f.reply_secs) FILTER (WHERE f.reply_secs IS NOT NULL))
    FROM (SELECT width_bucket(f.received_at, %(bounds)s::timestamptz[]) AS b, f.*
          FROM analytics_casefact f WHERE {clause} OFFSET 0) f
    GROUP BY 1, 2
"""
DIMS_SQL = """
    SELECT id, department_id, platform, language, topic_ids FROM analytics_casedims
    WHERE id = ANY(%(ids)s)
"""


# PostgreSQL's binary form of a one-dimensional float8[] without NULLs (array_send):
# dimensions, flags, element type, length and lower bound, then each element as its
# length (8) and its big-endian value. Read as such by numpy, a million durations
# never become a million Python floats.
_HEADER = struct.Struct(">iiIii")
_ELEMENT = np.dtype([("length", ">i4"), ("value", ">f8")])
FLOAT8 = 701  # pg_type oid


def _durations(data: bytes | None) -> np.ndarray | None:
    if data is None:
        return None
    ndim, has_nulls, element, size, _lower = _HEADER.unpack_from(data)
    if (ndim, has_nulls, element) != (1, 0, FLOAT8):
        raise ValueError(f"not a float8[] without NULLs: {ndim}, {has_nulls}, {element}")
    values = np.frombuffer(data, dtype=_ELEMENT, offset=_HEADER.size)["value"]
    if len(values) != size:
        raise ValueError(f"{len(values)} durations read, {size} announced")
    return values.astype(np.float64)


def case_cells(filters: Filters, unit: str, *, now: dt.datetime) -> Cells:
    """The period's case facts in cells (one scan, one hashed aggregate)."""
    clause, params = where(filters, "f")
    days = bucket_days(filters, unit)
    params["bounds"] = [local_midnight(d) for d in days] + [filters.end_at]
    params["now"] = now
    rows = fetch_binary(SQL.format(aggregates=CELL_AGGREGATES, clause=clause), params)
    dims = {pk: rest for pk, *rest in fetch(DIMS_SQL, {"ids": sorted({row[1] for row in rows})})}
    cells = []
    for b, key, *rest in rows:
        *counts, first, reply = rest
        department, platform, language, topic_ids = dims[key]
        cells.append(
            Cell(
                day=days[b - 1],
                department_id=department,
                platform=platform,
                language=language,
                topics=[filters.topic_id] if filters.topic_id else list(topic_ids),
                counts=tuple(int(v or 0) for v in counts),
                first=_durations(first),
                reply=_durations(reply),
            )
        )
    wanted = {t for cell in cells for t in cell.topics}
    slugs = dict(Topic.objects.filter(pk__in=wanted).values_list("pk", "slug"))
    return Cells(cells=cells, slugs=slugs, unit=unit)


def exact_percentiles(
    parts: list[np.ndarray], buffer: np.ndarray | None = None
) -> tuple[int, float | None, float | None]:
    """n, median and p90 of the durations in `parts`, exactly as percentile_cont. The
    parts are gathered into `buffer` (reused from group to group: a fresh array of a
    million durations costs more to allocate than to select from) and selected in
    place; a single part is selected in place (a group is a multiset: reordering a
    cell's durations changes no figure)."""
    n = sum(len(p) for p in parts)
    if not n:
        return 0, None, None
    if len(parts) == 1:
        values = parts[0]
    else:
        if buffer is None or len(buffer) < n:
            buffer = np.empty(n)
        values = buffer[:n]
        np.concatenate(parts, out=values)
    positions = [p * (n - 1) for p in FRACTIONS]
    ranks = sorted({int(r) for pos in positions for r in (np.floor(pos), np.ceil(pos))})
    values.partition(ranks)
    picks: list[Any] = []
    for pos in positions:
        picks += [float(values[int(np.floor(pos))]), float(values[int(np.ceil(pos))])]
    median, p90 = percentiles(n, [*picks, None])
    return n, median, p90


def _keys(cells: Cells, cell: Cell) -> Iterable[tuple[str, Any]]:
    """The groups a cell's cases count in."""
    yield "period", cells.period(cell.day)
    yield "department", cell.department_id
    yield "platform", cell.platform
    yield "language", cell.language
    if not cell.topics:
        yield "topic", None
    for topic in cell.topics:
        yield "topic", cells.slugs.get(topic)


def metric_groups(cells: Cells, metric: str) -> dict[str, Metric]:
    """n, median and p90 seconds of `metric` ("first" or "reply") by period, department
    id, platform, language and topic slug (selectors.facts' former GROUPING SETS)."""
    parts: dict[str, dict[Any, list[np.ndarray]]] = {
        name: defaultdict(list)
        for name in ("period", "department", "platform", "language", "topic")
    }
    for cell in cells.cells:
        values = getattr(cell, metric)
        if values is None:
            continue
        for name, key in _keys(cells, cell):
            parts[name][key].append(values)
    # Every case with the duration is in one platform group: the largest group set.
    buffer = np.empty(sum(len(v) for arrays in parts["platform"].values() for v in arrays))
    return {
        name: {key: exact_percentiles(arrays, buffer) for key, arrays in groups.items()}
        for name, groups in parts.items()
    }


def _count_row(sums: list[int]) -> dict[str, Any]:
    row: dict[str, Any] = dict(zip(CELL_COLUMNS, sums, strict=True))
    for name in ("favourites", "boosts", "replies"):
        share = Decimal(row[name]) / Decimal(row["engagements"]) if row["engagements"] else None
        row[f"{name}_avg"] = round(float(share), 2) if share is not None else 0.0
    return row


def counts(cells: Cells) -> dict[str, dict[Any, dict[str, Any]]]:
    """The cases' counts by platform, by week (its Monday), in all and by topic slug."""
    sums: dict[str, dict[Any, list[int]]] = {
        name: defaultdict(lambda: [0] * len(CELL_COLUMNS))
        for name in ("platform", "week", "all", "topic")
    }
    for cell in cells.cells:
        keys = [("platform", cell.platform), ("week", monday(cell.day)), ("all", None)]
        keys += [(name, key) for name, key in _keys(cells, cell) if name == "topic"]
        for name, key in keys:
            total = sums[name][key]
            for i, value in enumerate(cell.counts):
                total[i] += value
    sums["all"].setdefault(None, [0] * len(CELL_COLUMNS))  # no case at all: zeros
    return {
        name: {key: _count_row(s) for key, s in groups.items()} for name, groups in sums.items()
    }


def covers_headline(filters: Filters, unit: str, now: dt.datetime) -> bool:
    """Do the period's cells hold today and this week, day by day?"""
    today, monday = this_week(now)
    return unit == "day" and filters.start <= monday and today <= filters.end


def median_first(cells: Cells, start: dt.date, end: dt.date) -> float | None:
    """The median time to first response, in hours, of the cases received from `start`
    to `end` (cells of one day each)."""
    parts = [c.first for c in cells.cells if c.first is not None and start <= c.day <= end]
    return _hours(exact_percentiles(parts)[1]) if parts else None


def case_figures(filters: Filters, unit: str, *, now: dt.datetime) -> dict[str, Any]:
    """Both durations' groups and the counts, from one reading of the cells: one job of
    the page, so that its Python runs while the other queries run in PostgreSQL; and the
    headline's medians of today and this week when the period holds them."""
    cells = case_cells(filters, unit, now=now)
    # numpy lets go of the GIL while it copies and selects: the two durations' groups
    # are worked out side by side, on both cores once the other queries are done.
    with ThreadPoolExecutor(max_workers=1) as pool:
        reply = pool.submit(metric_groups, cells, "reply")
        out: dict[str, Any] = {
            "first": metric_groups(cells, "first"),
            "counts": counts(cells),
            "headline": {},
        }
        out["reply"] = reply.result()
    if covers_headline(filters, unit, now):
        today, monday = this_week(now)
        out["headline"] = {
            "median_today": median_first(cells, today, today),
            "median_week": median_first(cells, monday, today),
        }
    return out
