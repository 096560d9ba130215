"""Grow a bench database's generated history to N cases by copying it in SQL.

Run by hand, before bench/dashboard_bench.py, when the Python generator
(responder.testing.history) is too slow for a million cases on a loaded machine:

    .venv/bin/python bench/history_copy.py --db responder_bench_analytics --cases 1000000

Copy k of the generated cases ("gen-<n>") becomes "gen-<n>-k<k>", with its topics,
drafts, approval steps, decisions, outbox rows and engagement, every timestamp shifted
by 7k minutes; audit events are not copied (the dashboard does not read them). Apply
the analytics fact tables' migration afterwards (or run `manage.py
analytics_facts_rebuild`) if they existed while copying with their triggers off.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import psycopg

GENERATED = "external_id LIKE 'gen-%%' AND external_id NOT LIKE '%%-k%%'"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    conn = psycopg.connect(f"{args.server}/{args.db}", autocommit=True)

    def q(sql: str, params: Any = None) -> Any:
        return conn.execute(sql, params)

    base = q(f"SELECT count(*) FROM inbox_case WHERE {GENERATED}").fetchone()[0]
    have = q("SELECT count(*) FROM inbox_case").fetchone()[0]
    if not base:
        raise SystemExit("No generated cases to copy: run bench/dashboard_bench.py first.")
    k = 0
    while have < args.cases:
        k += 1
        if q("SELECT 1 FROM inbox_case WHERE external_id LIKE %s LIMIT 1", [f"%-k{k}"]).fetchone():
            continue  # this copy exists already
        _copy_round(q, k, min(base, args.cases - have))
        have = q("SELECT count(*) FROM inbox_case").fetchone()[0]
        print("cases", have, flush=True)
    q("VACUUM ANALYZE")


def _columns(q: Any, table: str) -> list[tuple[str, str]]:
    return q(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_generated = 'NEVER' AND identity_generation IS NULL ORDER BY ordinal_position",
        [table],
    ).fetchall()


def _copy(q: Any, table: str, overrides: dict[str, str], source: str, k: int) -> None:
    names, values = [], []
    for name, kind in _columns(q, table):
        names.append(name)
        if name in overrides:
            values.append(overrides[name])
        elif kind == "timestamp with time zone":
            values.append(f"x.{name} + interval '{7 * k} minutes'")
        else:
            values.append(f"x.{name}")
    started = time.perf_counter()
    rows = q(f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} {source}")
    print(table, rows.rowcount, f"{time.perf_counter() - started:.1f} s", flush=True)


def _mapping(q: Any, name: str, sql: str) -> None:
    q(f"DROP TABLE IF EXISTS {name}")
    q(f"CREATE UNLOGGED TABLE {name} AS {sql}")
    q(f"CREATE INDEX ON {name} (old_id)")
    q(f"ANALYZE {name}")


def _copy_round(q: Any, k: int, n: int) -> None:
    picked = f"SELECT id FROM inbox_case WHERE {GENERATED} ORDER BY id LIMIT {n}"
    _copy(
        q,
        "inbox_case",
        {"external_id": f"x.external_id || '-k{k}'"},
        f"FROM inbox_case x WHERE x.id IN ({picked})",
        k,
    )
    _mapping(
        q,
        "copy_case",
        "SELECT o.id AS old_id, n.id AS new_id FROM inbox_case o JOIN inbox_case n "
        f"ON n.account_id = o.account_id AND n.external_id = o.external_id || '-k{k}'",
    )
    q("ANALYZE inbox_case_topics; ANALYZE inbox_draft")
    mc = "JOIN copy_case m ON m.old_id = x.case_id"
    _copy(q, "inbox_case_topics", {"case_id": "m.new_id"}, f"FROM inbox_case_topics x {mc}", k)
    _copy(
        q,
        "inbox_draft",
        {"case_id": "m.new_id", "edited_from_id": "NULL"},
        f"FROM inbox_draft x {mc}",
        k,
    )
    _mapping(
        q,
        "copy_draft",
        "SELECT o.id AS old_id, n.id AS new_id FROM inbox_draft o "
        "JOIN copy_case m ON m.old_id = o.case_id "
        "JOIN inbox_draft n ON n.case_id = m.new_id AND n.version = o.version",
    )
    md = "JOIN copy_draft d ON d.old_id = x.draft_id"
    _copy(
        q,
        "workflows_approvalstep",
        {"case_id": "m.new_id", "draft_id": "d.new_id"},
        f"FROM workflows_approvalstep x {mc} {md}",
        k,
    )
    _mapping(
        q,
        "copy_step",
        "SELECT o.id AS old_id, n.id AS new_id FROM workflows_approvalstep o "
        "JOIN copy_case m ON m.old_id = o.case_id JOIN workflows_approvalstep n "
        "ON n.case_id = m.new_id AND n.round = o.round AND n.position = o.position",
    )
    _copy(
        q,
        "workflows_stepdecision",
        {"step_id": "s.new_id", "edited_draft_id": "NULL"},
        "FROM workflows_stepdecision x JOIN copy_step s ON s.old_id = x.step_id",
        k,
    )
    _copy(
        q,
        "channels_outboxitem",
        {
            "case_id": "m.new_id",
            "draft_id": "d.new_id",
            "idempotency_key": "gen_random_uuid()",
            "thread_previous_id": "NULL",
        },
        f"FROM channels_outboxitem x {mc} {md}",
        k,
    )
    _mapping(
        q,
        "copy_outbox",
        "SELECT o.id AS old_id, n.id AS new_id FROM channels_outboxitem o "
        "JOIN copy_case m ON m.old_id = o.case_id "
        "JOIN channels_outboxitem n ON n.case_id = m.new_id",
    )
    _copy(
        q,
        "channels_replyengagement",
        {"outbox_item_id": "o.new_id"},
        "FROM channels_replyengagement x JOIN copy_outbox o ON o.old_id = x.outbox_item_id",
        k,
    )
    q("DROP TABLE copy_case, copy_draft, copy_step, copy_outbox")


if __name__ == "__main__":
    main()
