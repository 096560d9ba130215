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
from dataclasses import replace
from typing import Any

import psycopg
from django.db import connection, transaction

from responder.analytics.selectors.fact_percentiles import percentiles, picks
from responder.analytics.selectors.filters import Filters, this_week
from responder.analytics.selectors.layers import NO_EFFECT_MAX_SHARE, NO_EFFECT_MIN_HOURS
from responder.analytics.selectors.percentiles import _hours

# The hashed aggregates keep every group's durations: at a million cases more than the
# default 4 MB; set for the figures' own queries only.
WORK_MEM = "128MB"


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


def _prepare(cursor: Any) -> None:
    cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    # Compiling these plans costs more than running them; and no Sort may come
    # between the ordered scans and their hashed aggregates (fact_percentiles).
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL enable_sort = off")


def fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Rows of one figures query, with enough memory for its aggregates."""
    with transaction.atomic(), connection.cursor() as cursor:
        _prepare(cursor)
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_binary(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """`fetch`, with the rows in PostgreSQL's binary format: arrays of a million
    durations arrive as numbers, not as text to parse (Django's cursors bind on the
    client, which cannot ask for binary results; this one binds on the server)."""
    connection.ensure_connection()
    with transaction.atomic(), connection.cursor() as cursor:
        _prepare(cursor)
        with psycopg.Cursor(connection.connection) as binary:
            binary.execute(sql, params, binary=True, prepare=False)  # one-off plans
            return binary.fetchall()


#: The counts of one group of cases (a cell, or a topic), in the order of COUNTS
#: without its three averages (CELL_COLUMNS).
CELL_AGGREGATES = """
        count(*) AS received,
        count(*) FILTER (WHERE f.replied_at IS NOT NULL) AS answered,
        count(*) FILTER (WHERE 'closed' = f.state) AS closed,
        count(*) FILTER (WHERE f.respond_by IS NOT NULL) AS targeted,
        count(*) FILTER (WHERE f.first_response_at <= f.respond_by) AS met,
        count(*) FILTER (WHERE f.first_response_at > f.respond_by
            OR (f.first_response_at IS NULL AND f.respond_by <= %(now)s
                AND f.state <> 'closed')) AS missed,
        count(*) FILTER (WHERE f.first_response_at IS NULL AND f.respond_by > %(now)s
            AND f.state <> 'closed') AS waiting,
        count(*) FILTER (WHERE f.replied_at IS NOT NULL AND f.from_library) AS from_library,
        sum(f.engagements) AS engagements,
        sum(f.favourites) AS favourites,
        sum(f.boosts) AS boosts,
        sum(f.replies) AS replies
"""
CELL_COLUMNS = (
    "received",
    "answered",
    "closed",
    "targeted",
    "met",
    "missed",
    "waiting",
    "from_library",
    "engagements",
    "favourites",
    "boosts",
    "replies",
)


def _median_first(filters: Filters) -> float | None:
    clause, params = where(filters)
    sql = f"""SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY f.first_secs)
              FROM analytics_casefact f WHERE {clause} AND f.first_secs IS NOT NULL"""  # noqa: S608
    return _hours(fetch(sql, params)[0][0])


def backlog(filters: Filters, *, now: dt.datetime) -> dict[str, Any]:
    """The backlog now (the filters but their period) and when its oldest case arrived."""
    today, _monday = this_week(now)
    clause, params = where(replace(filters, start=dt.date(1970, 1, 2), end=today))
    # A case fact's state is 'waiting' for every state still waiting for an answer
    # (migrations/0005_facts_row_triggers.py).
    sql = f"SELECT count(*), min(f.received_at) FROM analytics_casefact f WHERE {clause}"  # noqa: S608
    count, oldest = fetch(f"{sql} AND 'waiting' = f.state", params)[0]
    return {"backlog": count, "oldest_since": oldest}


def headline(filters: Filters, *, now: dt.datetime) -> dict[str, Any]:
    """The headline figures (see selectors.headline) but the share within target
    (from `totals`): medians of today and this week, the backlog now and when its
    oldest case arrived."""
    today, monday = this_week(now)
    return {
        "median_today": _median_first(replace(filters, start=today, end=today)),
        "median_week": _median_first(replace(filters, start=monday, end=today)),
        **backlog(filters, now=now),
    }


def step_groups(filters: Filters, *, now: dt.datetime) -> list[tuple[Any, ...]]:
    """Per policy layer (policy name, position, name, in the database's order): the
    decided steps' count, (median, p90) seconds, total seconds, sent back and edited;
    then the SLA counts: steps with a due time, met, breached. One scan in the order
    of the layers and, within each, of the durations (index analytics_stepfact_layer):
    each layer's group is aggregated as it goes by, its durations in order
    (fact_percentiles)."""
    clause, params = where(filters, "s")
    params["now"] = now
    decided = "FILTER (WHERE f.decided)"
    sql = f"""
        SELECT x.policy_name, x.position, x.name, x.n, {picks("x.a", "x.n")},
            x.secs, x.sent_back, x.changed, x.timed, x.met, x.breached
        FROM (
            SELECT f.policy_name, f.position, f.name,
                array_agg(f.secs) {decided} AS a, count(*) {decided} AS n,
                min(f.secs) {decided} AS mn, max(f.secs) {decided} AS mx,
                sum(f.micros) {decided} / 1000000.0 AS secs,
                count(*) FILTER (WHERE f.decided AND 'changes_requested' = f.status)
                    AS sent_back,
                count(*) FILTER (WHERE f.decided AND f.edited) AS changed,
                count(*) FILTER (WHERE f.timed) AS timed,
                count(*) FILTER (WHERE f.timed AND f.decided_at <= f.due_at) AS met,
                count(*) FILTER (WHERE f.timed AND (f.decided_at > f.due_at
                    OR (f.decided_at IS NULL AND 'open' = f.status AND f.due_at < %(now)s)))
                    AS breached
            FROM (SELECT s.policy_name, s.position, s.name, s.secs, s.status, s.edited,
                    s.micros, s.decided_at, s.due_at,
                    s.status IN ('approved', 'changes_requested')
                        AND s.micros IS NOT NULL AS decided,
                    s.due_at IS NOT NULL AND s.status NOT IN ('cancelled', 'waiting') AS timed
                  FROM analytics_stepfact s WHERE {clause}
                  ORDER BY s.policy_name, s.position, s.name, s.secs) f
            GROUP BY f.policy_name, f.position, f.name
        ) x
        ORDER BY x.policy_name, x.position, x.name
    """  # noqa: S608
    return [(*v[:4], percentiles(v[3], v[4:9]), *v[9:]) for v in fetch(sql, params)]


def layer_rows(groups: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """layer_costs' rows (see selectors.layers) from step_groups."""
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
