"""Volumes and response times per officer and per team (a department's people), for
the analytics "Team" page (#14): who handled how many cases of the period, how fast
the first response and the reply came, and the share answered within target.

An officer's cases are those they own (claimed or were assigned); a closed case has
no owner any more, so officers' rows count what they answered, the team's row counts
every case of the department."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from responder.accounts.models import Department, User
from responder.analytics.selectors.filters import Filters, cases_for
from responder.analytics.selectors.first_response import target_q
from responder.analytics.selectors.percentiles import _duration_stats
from responder.inbox.models import Case, CaseState


def _counts(cases: QuerySet[Case], field: str, now: dt.datetime) -> dict[Any, dict[str, int]]:
    met, missed, _waiting = target_q(now)
    rows = cases.values(field).annotate(
        cases=Count("pk"),
        replied=Count("pk", filter=Q(state=CaseState.REPLIED)),
        waiting=Count("pk", filter=~Q(state__in=(CaseState.REPLIED, CaseState.CLOSED))),
        met=Count("pk", filter=met & Q(respond_by__isnull=False)),
        missed=Count("pk", filter=missed & Q(respond_by__isnull=False)),
    )
    return {row.pop(field): row for row in rows}


def _times(cases: QuerySet[Case], field: str) -> dict[Any, dict[str, Any]]:
    """Median and p90 (hours) of the first response and of the reply, per `field`."""
    out: dict[Any, dict[str, Any]] = defaultdict(dict)
    for name, end in (("first", "first_response_at"), ("reply", "replied_at")):
        for row in _duration_stats(cases, group=field, start="received_at", end=end):
            out[row[field]][f"{name}_median"] = row["median"]
            out[row[field]][f"{name}_p90"] = row["p90"]
    return out


def _row(counts: dict[str, int], times: dict[str, Any]) -> dict[str, Any]:
    decided = counts["met"] + counts["missed"]
    return {
        **counts,
        **{k: times.get(k) for k in ("first_median", "first_p90", "reply_median", "reply_p90")},
        "share": round(100 * counts["met"] / decided, 1) if decided else None,
    }


def team_figures(filters: Filters, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per department of the filters' scope: the team's row and one row per officer
    (busiest first), over the cases received in the period."""
    now = now or timezone.now()
    cases = cases_for(filters).order_by()
    team_counts, team_times = _counts(cases, "department_id", now), _times(cases, "department_id")
    owned = cases.filter(owner__isnull=False)
    per_department: dict[int, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for department_id in owned.values_list("department_id", flat=True).distinct():
        mine = owned.filter(department_id=department_id)
        owner_counts, times = _counts(mine, "owner_id", now), _times(mine, "owner_id")
        for owner_id, row in owner_counts.items():
            per_department[department_id].append((owner_id, _row(row, times.get(owner_id, {}))))
    owner_ids = {o for rows in per_department.values() for o, _row_ in rows}
    names = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=owner_ids)}
    departments = dict(Department.objects.filter(pk__in=team_counts).values_list("pk", "name"))
    out = []
    for department_id, team in sorted(team_counts.items(), key=lambda kv: departments[kv[0]]):
        officers = [
            {"name": names.get(owner_id, "—"), **row}
            for owner_id, row in per_department.get(department_id, [])
        ]
        officers.sort(key=lambda r: (-r["cases"], r["name"]))
        out.append(
            {
                "department": departments[department_id],
                "team": _row(team, team_times.get(department_id, {})),
                "officers": officers,
            }
        )
    return out
