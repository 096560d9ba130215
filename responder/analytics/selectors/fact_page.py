"""The whole dashboard from the fact tables: the queries of selectors.facts as
independent jobs (page.py runs them side by side), then their rows in the shapes the
portable selectors return."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from django.utils import timezone

from responder.analytics.selectors import facts
from responder.analytics.selectors.engagement import engagement_by, engagement_model
from responder.analytics.selectors.filters import Filters
from responder.analytics.selectors.response_times import TIME_KEYS

METRICS = ("favourites", "boosts", "replies")


def fact_jobs(filters: Filters, *, now: dt.datetime, tz: str) -> dict[str, Callable[[], Any]]:
    """The independent queries of one dashboard."""
    unit = "day" if (filters.end - filters.start).days <= 62 else "week"

    def in_zone(job: Callable[[], Any]) -> Any:
        with timezone.override(tz):  # threads do not inherit the reader's zone
            return job()

    jobs: dict[str, Callable[[], Any]] = {
        "cases": partial(facts.case_groups, filters, unit, now=now),
        "topics": partial(facts.topic_groups, filters, now=now),
        "totals": partial(facts.totals, filters, now=now),
        "steps": partial(facts.step_groups, filters, now=now),
        "reviewers": partial(facts.reviewer_rows, filters),
        "headline": partial(facts.headline, filters, now=now),
    }
    return {name: partial(in_zone, job) for name, job in jobs.items()}


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
        if isinstance(key, dt.datetime):
            key = key.date().isoformat()
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
    for period in sorted(stats):
        if not (stats[period]["first_n"] or stats[period]["reply_n"]):
            continue
        label = period.date().isoformat()
        rows.append({"period": label, **{k: stats[period][k] for k in TIME_KEYS}})
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
    unit = "day" if (filters.end - filters.start).days <= 62 else "week"
    cases, topics, totals = results["cases"], results["topics"], results["totals"]
    everything = totals.pop(None, None) or {"met": 0, "missed": 0, "replied": 0}
    by = {name: _times(cases[name]) for name in ("department", "platform", "language")}
    by["topic"] = _times(topics)
    met, missed = everything["met"], everything["missed"]
    replied, from_library = everything.get("answered", 0), everything.get("from_library", 0)
    return {
        "over_time": _over_time(unit, cases["period"]),
        "by": by,
        "layers": facts.layer_rows(results["steps"]),
        "sla_layers": facts.sla_rows(results["steps"]),
        "sla_reviewers": results["reviewers"],
        "volumes": {"platform": _volumes(cases["platform"]), "topic": _volumes(topics)},
        "target": {
            "week": _target(totals),
            "platform": _target(cases["platform"]),
            "topic": _target(topics),
        },
        "headline": {
            **results["headline"],
            "within_target": round(100 * met / (met + missed), 1) if met + missed else None,
        },
        "library": {
            "replied": replied,
            "from_library": from_library,
            "share": round(from_library / replied, 4) if replied else 0.0,
        },
        "engagement": _engagement(filters, cases["platform"]),
    }
