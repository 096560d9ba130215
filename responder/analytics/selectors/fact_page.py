"""The whole dashboard from the fact tables: the queries of selectors.facts as
independent jobs (page.py runs them side by side), then their rows in the shapes the
portable selectors return."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from django.utils import timezone

from responder.accounts.models import Department
from responder.analytics.selectors import fact_cells, facts
from responder.analytics.selectors.engagement import engagement_by, engagement_model
from responder.analytics.selectors.filters import Filters
from responder.analytics.selectors.percentiles import _hours
from responder.analytics.selectors.response_times import TIME_KEYS

METRICS = ("favourites", "boosts", "replies")


def _unit(filters: Filters) -> str:
    return "day" if (filters.end - filters.start).days <= 62 else "week"


def fact_jobs(filters: Filters, *, now: dt.datetime, tz: str) -> dict[str, Callable[[], Any]]:
    """The independent queries of one dashboard."""
    unit = _unit(filters)

    def in_zone(job: Callable[[], Any]) -> Any:
        with timezone.override(tz):  # threads do not inherit the reader's zone
            return job()

    jobs: dict[str, Callable[[], Any]] = {
        "cases": partial(fact_cells.case_figures, filters, unit, now=now),
        "steps": partial(facts.step_groups, filters, now=now),
        "reviewers": partial(facts.reviewer_rows, filters),
        # Today's and this week's medians come from the cells when the period holds them.
        "headline": partial(
            facts.backlog if fact_cells.covers_headline(filters, unit, now) else facts.headline,
            filters,
            now=now,
        ),
    }
    return {name: partial(in_zone, job) for name, job in jobs.items()}


Metric = dict[Any, tuple[int, float | None, float | None]]


def _stats(first: Metric, reply: Metric) -> dict[Any, dict[str, Any]]:
    """TIME_KEYS per group, from the two durations' (n, median, p90) seconds."""
    out = {}
    for key in first.keys() | reply.keys():
        row: dict[str, Any] = {}
        for name, metric in (("first", first), ("reply", reply)):
            n, median, p90 = metric.get(key, (0, None, None))
            row.update({f"{name}_n": n, f"{name}_median": _hours(median)})
            row[f"{name}_p90"] = _hours(p90)
        out[key] = row
    return out


def _times(stats: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"key": key if key is not None else "—", **{k: stats[key][k] for k in TIME_KEYS}}
        for key in sorted(stats, key=lambda k: (k is None, str(k)))
        if stats[key]["first_n"] or stats[key]["reply_n"]
    ]


def _volumes(stats: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [
        {
            "key": key if key is not None else "—",
            "received": r["received"],
            "answered": r["answered"],
            "closed": r["closed"],
        }
        for key, r in stats.items()
    ]
    return sorted(rows, key=lambda r: str(r["key"]))


def _target(stats: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for key, r in stats.items():
        if not r["targeted"]:
            continue
        if isinstance(key, dt.date):
            key = key.isoformat()
        decided = r["met"] + r["missed"]
        rows.append(
            {
                "key": key if key is not None else "—",
                "met": r["met"],
                "missed": r["missed"],
                "waiting": r["waiting"],
                "share": round(100 * r["met"] / decided, 1) if decided else None,
            }
        )
    return sorted(rows, key=lambda r: str(r["key"]))


def _over_time(unit: str, stats: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for day in sorted(stats):
        if not (stats[day]["first_n"] or stats[day]["reply_n"]):
            continue
        rows.append({"period": day.isoformat(), **{k: stats[day][k] for k in TIME_KEYS}})
    return {"unit": unit, "rows": rows}


def _engagement(filters: Filters, stats: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    model = engagement_model()
    names = {f.name for f in model._meta.get_fields()} if model is not None else set()
    if not set(METRICS) <= names or "outbox_item" not in names:
        return engagement_by(filters, "platform")  # another model: the portable reading
    rows = []
    for key in sorted(stats, key=str):
        r = stats[key]
        if not r["engagements"]:
            continue
        row: dict[str, Any] = {"key": key, "n": r["engagements"]}
        for m in METRICS:
            row[m] = r[m]
            row[f"{m}_avg"] = r[f"{m}_avg"]
        rows.append(row)
    return {"available": True, "metrics": list(METRICS), "rows": rows}


def fact_dashboard(filters: Filters, results: dict[str, Any]) -> dict[str, Any]:
    """The results of fact_jobs as selectors.dashboard returns them."""
    unit = _unit(filters)
    cases = results["cases"]
    first, reply, counts = cases["first"], cases["reply"], cases["counts"]
    names = dict(
        Department.objects.filter(
            pk__in=first["department"].keys() | reply["department"].keys()
        ).values_list("pk", "name")
    )
    by = {
        dimension: _times(_stats(first[dimension], reply[dimension]))
        for dimension in ("platform", "language")
    }
    by["department"] = _times(
        {names[pk]: row for pk, row in _stats(first["department"], reply["department"]).items()}
    )
    by["topic"] = _times(_stats(first["topic"], reply["topic"]))
    everything = counts["all"][None]
    met, missed = everything["met"], everything["missed"]
    replied, from_library = everything["answered"], everything["from_library"]
    topics = counts["topic"]
    return {
        "over_time": _over_time(unit, _stats(first["period"], reply["period"])),
        "by": by,
        "layers": facts.layer_rows(results["steps"]),
        "sla_layers": facts.sla_rows(results["steps"]),
        "sla_reviewers": results["reviewers"],
        "volumes": {"platform": _volumes(counts["platform"]), "topic": _volumes(topics)},
        "target": {
            "week": _target(counts["week"]),
            "platform": _target(counts["platform"]),
            "topic": _target(topics),
        },
        "headline": {
            **results["headline"],
            **cases["headline"],
            "within_target": round(100 * met / (met + missed), 1) if met + missed else None,
        },
        "library": {
            "replied": replied,
            "from_library": from_library,
            "share": round(from_library / replied, 4) if replied else 0.0,
        },
        "engagement": _engagement(filters, counts["platform"]),
    }
