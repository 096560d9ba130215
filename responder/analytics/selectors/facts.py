"""The dashboard's figures read from the fact tables (PostgreSQL; issue #14).

analytics_casefact, analytics_stepfact and analytics_decisionfact hold one narrow row
per case, approval step and reviewer's decision, kept by the database at every write
(responder/analytics/migrations/0001_facts_g.py). A few GROUPING SETS queries read
them, instead of one query per figure over the wide case table and its joins. The
SQL is put together from this module's constants and where()'s clause only; every
value travels as a named parameter. The
figures are the same as the portable selectors' (same definitions, same percentile,
same rounding and order): tests/analytics/test_facts.py holds them to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from responder.analytics.selectors.filters import Filters
from responder.analytics.selectors.percentiles import _hours

# Sorts for exact percentiles of a million rows need more than the default 4 MB to
# stay in memory; set for the figures' own queries only.
WORK_MEM = "96MB"
WAITING = ("new", "drafting", "in_review", "approved", "posting", "post_failed")

#: The dimensions of the case figures: name -> the column it groups by in the query.
GROUP_COLUMNS = {
    "department": "d.name",
    "platform": "f.platform",
    "language": "f.language",
}


def where(filters: Filters, alias: str = "f") -> tuple[str, dict[str, Any]]:
    """The filters as a WHERE clause on a fact table (they all carry the case's
    dimensions), with named parameters."""
    clauses = [f"{alias}.received_at >= %(start_at)s", f"{alias}.received_at < %(end_at)s"]
    params: dict[str, Any] = {"start_at": filters.start_at, "end_at": filters.end_at}
    if filters.department_id:
        clauses.append(f"{alias}.department_id = %(department_id)s")
        params["department_id"] = filters.department_id
    if filters.department_ids is not None:
        clauses.append(f"{alias}.department_id = ANY(%(department_ids)s)")
        params["department_ids"] = sorted(filters.department_ids)
    if filters.platform:
        clauses.append(f"{alias}.platform = %(platform)s")
        params["platform"] = filters.platform
    if filters.language:
        clauses.append(f"{alias}.language = %(language)s")
        params["language"] = filters.language
    if filters.topic_id:
        clauses.append(f"{alias}.topic_ids @> ARRAY[%(topic_id)s]::bigint[]")
        params["topic_id"] = filters.topic_id
    return " AND ".join(clauses), params


def fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Rows of one figures query, with enough memory for its sorts."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute(sql, params)
        return cursor.fetchall()


#: Every per-case figure of one group, in the order `_case_row` reads them.
CASE_AGGREGATES = """
        count(f.first_secs),
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.first_secs),
        count(f.reply_secs),
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.reply_secs),
        count(*),
        count(*) FILTER (WHERE f.replied_at IS NOT NULL),
        count(*) FILTER (WHERE f.state = 'closed'),
        count(*) FILTER (WHERE f.respond_by IS NOT NULL),
        count(*) FILTER (WHERE f.first_response_at <= f.respond_by),
        count(*) FILTER (WHERE f.first_response_at > f.respond_by
            OR (f.first_response_at IS NULL AND f.respond_by <= %(now)s
                AND f.state <> 'closed')),
        count(*) FILTER (WHERE f.first_response_at IS NULL AND f.respond_by > %(now)s
            AND f.state <> 'closed'),
        count(*) FILTER (WHERE f.replied_at IS NOT NULL AND f.from_library),
        sum(f.engagements),
        sum(f.favourites)::numeric / nullif(sum(f.engagements), 0),
        sum(f.boosts)::numeric / nullif(sum(f.engagements), 0),
        sum(f.replies)::numeric / nullif(sum(f.engagements), 0),
        sum(f.favourites), sum(f.boosts), sum(f.replies)
"""


CASE_FIGURES = (
    "first_n",
    "first_pct",
    "reply_n",
    "reply_pct",
    "received",
    "answered",
    "closed",
    "targeted",
    "met",
    "missed",
    "waiting",
    "from_library",
    "engagements",
    "favourites_avg",
    "boosts_avg",
    "replies_avg",
    "favourites",
    "boosts",
    "replies",
)


def _case_row(values: Sequence[Any]) -> dict[str, Any]:
    row = dict(zip(CASE_FIGURES, values, strict=True))
    for name in ("first", "reply"):
        pct = row.pop(f"{name}_pct")
        row[f"{name}_median"], row[f"{name}_p90"] = (
            (_hours(pct[0]), _hours(pct[1])) if pct else (None, None)
        )
    for name in ("favourites", "boosts", "replies"):
        avg: Decimal | None = row[f"{name}_avg"]
        row[f"{name}_avg"] = round(float(avg), 2) if avg is not None else 0.0
        row[name] = int(row[name] or 0)
    return row


def case_groups(filters: Filters, unit: str, *, now: dt.datetime) -> dict[str, dict[Any, Any]]:
    """Per-case figures by period (`unit`: day or week), department, platform and
    language: one GROUPING SETS query."""
    clause, params = where(filters, "c")
    params.update(now=now, unit=unit, tz=timezone.get_current_timezone_name())
    sql = f"""
        SELECT GROUPING(f.period, d.name, f.platform, f.language),
            f.period, d.name, f.platform, f.language, {CASE_AGGREGATES}
        FROM (SELECT c.*, date_trunc(%(unit)s, c.received_at AT TIME ZONE %(tz)s) AS period
              FROM analytics_casefact c WHERE {clause}) f
        JOIN accounts_department d ON d.id = f.department_id
        GROUP BY GROUPING SETS ((f.period), (d.name), (f.platform), (f.language))
    """  # noqa: S608 (constants and where()'s placeholders only, as everywhere here)
    out: dict[str, dict[Any, Any]] = {
        "period": {},
        "department": {},
        "platform": {},
        "language": {},
    }
    # GROUPING() is 0 for the set's own column: bits period 8, name 4, platform 2, language 1.
    sets = {0b0111: ("period", 1), 0b1011: ("department", 2), 0b1101: ("platform", 3)}
    for values in fetch(sql, params):
        name, index = sets.get(values[0], ("language", 4))
        out[name][values[index]] = _case_row(values[5:])
    return out


def topic_groups(filters: Filters, *, now: dt.datetime) -> dict[Any, dict[str, Any]]:
    """Per-case figures by topic (slug; None for cases without one): a case counts
    once in each of its topics. With a topic filter, only that topic's group, as the
    ORM's join on the filtered topic gives."""
    clause, params = where(filters, "c")
    params["now"] = now
    only = ""
    if filters.topic_id:
        only = "WHERE t.topic_id = %(topic_id)s"
    sql = f"""
        SELECT tp.slug, {CASE_AGGREGATES}
        FROM (SELECT * FROM analytics_casefact c WHERE {clause}) f
        LEFT JOIN LATERAL unnest(f.topic_ids) AS t(topic_id) ON true
        LEFT JOIN inbox_topic tp ON tp.id = t.topic_id
        {only}
        GROUP BY tp.slug
    """  # noqa: S608
    return {values[0]: _case_row(values[1:]) for values in fetch(sql, params)}


def totals(filters: Filters, *, now: dt.datetime) -> dict[Any, dict[str, Any]]:
    """Counts by week (Monday, for the first-response target) and over the whole
    selection (None): no percentiles, so no sorts."""
    clause, params = where(filters, "c")
    params.update(now=now, tz=timezone.get_current_timezone_name())
    aggregates = CASE_AGGREGATES.replace(
        "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.first_secs)", "NULL"
    ).replace("percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.reply_secs)", "NULL")
    sql = f"""
        SELECT f.week, {aggregates}
        FROM (SELECT c.*, date_trunc('week', c.received_at AT TIME ZONE %(tz)s) AS week
              FROM analytics_casefact c WHERE {clause}) f
        GROUP BY GROUPING SETS ((f.week), ())
    """  # noqa: S608
    return {values[0]: _case_row(values[1:]) for values in fetch(sql, params)}


def _median_first(filters: Filters) -> float | None:
    clause, params = where(filters)
    sql = f"""SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY f.first_secs)
              FROM analytics_casefact f WHERE {clause} AND f.first_secs IS NOT NULL"""  # noqa: S608
    return _hours(fetch(sql, params)[0][0])


def headline(filters: Filters, *, now: dt.datetime) -> dict[str, Any]:
    """The headline figures (see selectors.headline) but the share within target
    (from `totals`): medians of today and this week, the backlog now and when its
    oldest case arrived."""
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    clause, params = where(replace(filters, start=dt.date(1970, 1, 2), end=today))
    states = ", ".join(f"'{s}'" for s in WAITING)
    sql = f"SELECT count(*), min(f.received_at) FROM analytics_casefact f WHERE {clause}"  # noqa: S608
    backlog, oldest = fetch(f"{sql} AND f.state IN ({states})", params)[0]
    return {
        "median_today": _median_first(replace(filters, start=today, end=today)),
        "median_week": _median_first(replace(filters, start=monday, end=today)),
        "backlog": backlog,
        "oldest_since": oldest,
    }


def step_groups(filters: Filters, *, now: dt.datetime) -> list[tuple[Any, ...]]:
    """Per policy layer (policy name, position, name, in the database's order): the
    decided steps' count, median and p90 seconds, total seconds, sent back and edited;
    then the SLA counts: steps with a due time, met, breached."""
    clause, params = where(filters, "s")
    params["now"] = now
    sql = f"""
        SELECT f.policy_name, f.position, f.name,
            count(*) FILTER (WHERE f.decided),
            percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.secs)
                FILTER (WHERE f.decided),
            sum(EXTRACT(EPOCH FROM f.decided_at - f.opened_at)) FILTER (WHERE f.decided),
            count(*) FILTER (WHERE f.decided AND f.status = 'changes_requested'),
            count(*) FILTER (WHERE f.decided AND f.edited),
            count(*) FILTER (WHERE f.timed),
            count(*) FILTER (WHERE f.timed AND f.decided_at <= f.due_at),
            count(*) FILTER (WHERE f.timed AND (f.decided_at > f.due_at
                OR (f.decided_at IS NULL AND f.status = 'open' AND f.due_at < %(now)s)))
        FROM (SELECT s.*,
                s.status IN ('approved', 'changes_requested')
                    AND s.opened_at IS NOT NULL AND s.decided_at IS NOT NULL AS decided,
                s.due_at IS NOT NULL AND s.status NOT IN ('cancelled', 'waiting') AS timed
              FROM analytics_stepfact s WHERE {clause}) f
        GROUP BY f.policy_name, f.position, f.name
        ORDER BY f.policy_name, f.position, f.name
    """  # noqa: S608
    return fetch(sql, params)


def layer_rows(groups: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """layer_costs' rows (see selectors.layers) from step_groups."""
    # inner import: layers imports this module's neighbours; the thresholds live there.
    from responder.analytics.selectors.layers import NO_EFFECT_MAX_SHARE, NO_EFFECT_MIN_HOURS

    rows = []
    for policy, position, name, n, pct, secs, sent_back, changed, *_sla in sorted(
        g for g in groups if g[3]
    ):
        median = _hours(pct[0])
        changed_share = changed / n
        sent_back_share = sent_back / n
        rows.append(
            {
                "policy": policy,
                "position": position,
                "layer": name,
                "n": n,
                "median": median,
                "p90": _hours(pct[1]),
                "total_hours": _hours(float(secs or 0.0)),
                "changed": changed,
                "sent_back": sent_back,
                "changed_share": round(changed_share, 4),
                "sent_back_share": round(sent_back_share, 4),
                "no_effect": (median or 0) >= NO_EFFECT_MIN_HOURS
                and (changed_share + sent_back_share) < NO_EFFECT_MAX_SHARE,
            }
        )
    return rows


def sla_rows(groups: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """sla_by_layer's rows (see selectors.sla) from step_groups."""
    rows = []
    for policy, position, name, *_costs, timed, met, breached in groups:
        if not timed:
            continue
        rows.append(
            {
                "policy": policy,
                "position": position,
                "layer": name,
                "met": met,
                "breached": breached,
                "breached_share": round(breached / (met + breached), 4)
                if (met + breached)
                else 0.0,
            }
        )
    return rows


def reviewer_rows(filters: Filters) -> list[dict[str, Any]]:
    """sla_by_reviewer's rows: each reviewer's decisions before or after the step's
    due time."""
    clause, params = where(filters, "x")
    sql = f"""
        SELECT u.username, u.first_name, u.last_name, sum(r.met), sum(r.breached)
        FROM (SELECT x.reviewer_id, count(*) FILTER (WHERE x.on_time) AS met,
                  count(*) FILTER (WHERE NOT x.on_time) AS breached
              FROM analytics_decisionfact x WHERE {clause} AND x.on_time IS NOT NULL
              GROUP BY x.reviewer_id) r
        JOIN accounts_user u ON u.id = r.reviewer_id
        GROUP BY u.username, u.first_name, u.last_name
        ORDER BY u.username
    """  # noqa: S608
    out = []
    for username, first, last, met_sum, breached_sum in fetch(sql, params):
        name = f"{first} {last}".strip()
        met, breached = int(met_sum), int(breached_sum)
        total = met + breached
        out.append(
            {
                "reviewer": f"{name} ({username})" if name else username,
                "met": met,
                "breached": breached,
                "breached_share": round(breached / total, 4) if total else 0.0,
            }
        )
    return out
