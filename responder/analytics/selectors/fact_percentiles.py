"""Exact percentiles of a duration for many groups at once, without a sort per group.

(The case facts' durations are now read into cells and picked by numpy,
fact_cells.py, with `percentiles` below; the approval steps' still as follows.)
An index-only scan of the fact table in the order of the duration (for the steps,
index analytics_stepfact_layer: by layer, then duration) feeds a hashed GROUPING SETS
aggregate, which collects each group's durations with array_agg in that order: each
group's array comes out sorted, and its median and p90 are read at their ranks, with
percentile_cont's own formula (linear interpolation between the two nearest ranks,
`lo + p * (hi - lo)`). Sorting a million durations per group and grouping set was
what made the dashboard slow.

PostgreSQL feeds an aggregate in the order of a sorted subquery when nothing
reorders the rows between them (no join, a hashed aggregate: its documentation calls
this "usually works"); each group's array is checked (its ends are its minimum and
maximum, its picked values in order) and a group that fails the check is computed
with percentile_cont over the array instead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

FRACTIONS = (0.5, 0.9)


def picks(array: str, n: str) -> str:
    """SQL: the values at the ranks each fraction needs, the check, and the fallback."""
    cols = []
    for p in FRACTIONS:
        pos = f"({p}::float8 * ({n} - 1))"
        cols.append(f"{array}[1 + floor({pos})::int]")
        cols.append(f"{array}[1 + ceil({pos})::int]")
    ordered = " AND ".join(f"{a} <= {b}" for a, b in itertools.pairwise(cols))
    ok = f"({array}[1] = mn AND {array}[{n}] = mx AND {ordered})"
    exact = f"percentile_cont(ARRAY{list(FRACTIONS)}) WITHIN GROUP (ORDER BY x)"
    fallback = f"CASE WHEN {ok} THEN NULL ELSE (SELECT {exact} FROM unnest({array}) AS x) END"  # noqa: S608
    return ", ".join([*cols, fallback])


def percentiles(n: int, values: Sequence[Any]) -> tuple[float | None, ...]:
    """The fractions' percentiles from `picks`' columns (lo, hi per fraction, then the
    fallback array), in seconds; None for an empty group."""
    if not n:
        return tuple(None for _ in FRACTIONS)
    fallback = values[-1]
    if fallback is not None:
        return tuple(float(v) for v in fallback)
    out = []
    for i, p in enumerate(FRACTIONS):
        lo, hi = values[2 * i], values[2 * i + 1]
        position = p * (n - 1)
        first = math.floor(position)
        out.append(lo if math.ceil(position) == first else lo + (position - first) * (hi - lo))
    return tuple(out)
