"""The dashboard's fact tables (issue #14): one row per case, per approval step and per
reviewer's decision, holding only what the figures count, kept by PostgreSQL.

Why the database keeps them: every write that changes a figure (a case transition,
a topic tagged, a step opened or decided, a reply posted, engagement fetched, and
also bulk inserts at ingest, QuerySet.update, the admin, data migrations, deletions
by retention) must reach the facts, or the dashboard would disagree with a recount.
Statement-level AFTER triggers (with transition tables, so a bulk insert costs one
call) call one function, analytics_facts_refresh(case ids), which recomputes the
facts of those cases from the source rows, in the same transaction as the write. The
cases core, workflows and channels import nothing of analytics (the layers hold);
analytics owns the tables, the function and the triggers, and only reads the facts.

PostgreSQL only: on SQLite (the embedded `make run`) no table is created and the
dashboard computes its figures from the source tables as before.
"""

from django.db import migrations

WAITING = "('new', 'drafting', 'in_review', 'approved', 'posting', 'post_failed')"

CASE_DIMS = """department_id bigint NOT NULL,
    platform varchar(16) NOT NULL,
    language varchar(8) NOT NULL,
    topic_ids bigint[] NOT NULL DEFAULT '{}',
    received_at timestamptz NOT NULL"""

DIM_NAMES = "received_at, department_id, platform, language, topic_ids"

# The durations in order, with the dimensions the dashboard filters and groups by: the
# percentiles are read from index-only scans in this order (selectors/fact_percentiles).
ORDERED = "".join(
    f"""CREATE INDEX analytics_casefact_{name} ON analytics_casefact ({name}_secs)
    INCLUDE ({DIM_NAMES}) WHERE {name}_secs IS NOT NULL;
"""
    for name in ("first", "reply")
)

# Index-only scans need the visibility map current: vacuum the facts more often.
VACUUM = "".join(
    f"ALTER TABLE analytics_{t} SET (autovacuum_vacuum_scale_factor = 0.02, "
    "autovacuum_vacuum_insert_scale_factor = 0.02);\n"
    for t in ("casefact", "stepfact", "decisionfact")
)

TABLES = f"""
CREATE TABLE analytics_casefact (
    case_id bigint PRIMARY KEY,
    {CASE_DIMS},
    state varchar(20) NOT NULL,
    first_response_at timestamptz,
    replied_at timestamptz,
    respond_by timestamptz,
    first_secs double precision,
    reply_secs double precision,
    from_library boolean NOT NULL DEFAULT false,
    engagements integer NOT NULL DEFAULT 0,
    favourites integer NOT NULL DEFAULT 0,
    boosts integer NOT NULL DEFAULT 0,
    replies integer NOT NULL DEFAULT 0
);
CREATE INDEX analytics_casefact_received ON analytics_casefact (received_at);
CREATE INDEX analytics_casefact_waiting ON analytics_casefact (received_at)
    WHERE state IN {WAITING};
{ORDERED}
CREATE TABLE analytics_stepfact (
    step_id bigint PRIMARY KEY,
    case_id bigint NOT NULL,
    {CASE_DIMS},
    policy_name varchar(120) NOT NULL,
    position smallint NOT NULL,
    name varchar(120) NOT NULL,
    status varchar(20) NOT NULL,
    opened_at timestamptz,
    decided_at timestamptz,
    due_at timestamptz,
    secs double precision,
    micros bigint,
    edited boolean NOT NULL DEFAULT false
);
CREATE INDEX analytics_stepfact_case ON analytics_stepfact (case_id);
CREATE INDEX analytics_stepfact_received ON analytics_stepfact (received_at);
CREATE INDEX analytics_stepfact_secs ON analytics_stepfact (secs)
    INCLUDE ({DIM_NAMES}, policy_name, position, name, status, micros, decided_at, due_at,
             edited);

CREATE TABLE analytics_decisionfact (
    decision_id bigint PRIMARY KEY,
    case_id bigint NOT NULL,
    {CASE_DIMS},
    reviewer_id bigint NOT NULL,
    on_time boolean
);
CREATE INDEX analytics_decisionfact_case ON analytics_decisionfact (case_id);
CREATE INDEX analytics_decisionfact_received ON analytics_decisionfact (received_at);
{VACUUM}"""


def _upsert(table: str, key: str, columns: list[str]) -> str:
    """ON CONFLICT clause that rewrites a row only when one of its values changed."""
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
    mine = ", ".join(f"f.{c}" for c in columns)
    theirs = ", ".join(f"EXCLUDED.{c}" for c in columns)
    return (
        f"ON CONFLICT ({key}) DO UPDATE SET {assignments} "
        f"WHERE ({mine}) IS DISTINCT FROM ({theirs})"
    )


DIMS = ["department_id", "platform", "language", "topic_ids", "received_at"]
CASE_COLUMNS = [
    *DIMS,
    "state",
    "first_response_at",
    "replied_at",
    "respond_by",
    "first_secs",
    "reply_secs",
    "from_library",
    "engagements",
    "favourites",
    "boosts",
    "replies",
]
STEP_COLUMNS = [
    "case_id",
    *DIMS,
    "policy_name",
    "position",
    "name",
    "status",
    "opened_at",
    "decided_at",
    "due_at",
    "secs",
    "micros",
    "edited",
]
DECISION_COLUMNS = ["case_id", *DIMS, "reviewer_id", "on_time"]
F_DIMS = ", ".join(f"f.{c}" for c in DIMS)

REFRESH = f"""
CREATE FUNCTION analytics_facts_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM analytics_casefact f WHERE f.case_id = ANY(ids)
        AND NOT EXISTS (SELECT 1 FROM inbox_case c WHERE c.id = f.case_id);
    INSERT INTO analytics_casefact AS f (case_id, {", ".join(CASE_COLUMNS)})
    SELECT c.id, c.department_id, c.platform, c.language,
        ARRAY(SELECT t.topic_id FROM inbox_case_topics t WHERE t.case_id = c.id
              ORDER BY t.topic_id),
        c.received_at, c.state, c.first_response_at, c.replied_at, c.respond_by,
        EXTRACT(EPOCH FROM c.first_response_at - c.received_at)::double precision,
        EXTRACT(EPOCH FROM c.replied_at - c.received_at)::double precision,
        EXISTS (SELECT 1 FROM channels_outboxitem o JOIN inbox_draft d ON d.id = o.draft_id
                WHERE o.case_id = c.id AND o.status = 'sent' AND d.library_unchanged),
        e.n, e.favourites, e.boosts, e.replies
    FROM inbox_case c
    CROSS JOIN LATERAL (
        SELECT count(*) AS n, coalesce(sum(r.favourites), 0) AS favourites,
            coalesce(sum(r.boosts), 0) AS boosts, coalesce(sum(r.replies), 0) AS replies
        FROM channels_replyengagement r JOIN channels_outboxitem o ON o.id = r.outbox_item_id
        WHERE o.case_id = c.id
    ) e
    WHERE c.id = ANY(ids)
    {_upsert("analytics_casefact", "case_id", CASE_COLUMNS)};

    DELETE FROM analytics_stepfact s WHERE s.case_id = ANY(ids)
        AND NOT EXISTS (SELECT 1 FROM workflows_approvalstep a WHERE a.id = s.step_id);
    INSERT INTO analytics_stepfact AS f (step_id, {", ".join(STEP_COLUMNS)})
    SELECT a.id, a.case_id, {F_DIMS.replace("f.", "cf.")},
        a.policy_name, a.position, a.name, a.status, a.opened_at, a.decided_at, a.due_at,
        EXTRACT(EPOCH FROM a.decided_at - a.opened_at)::double precision,
        (EXTRACT(EPOCH FROM a.decided_at - a.opened_at) * 1000000)::bigint,
        EXISTS (SELECT 1 FROM workflows_stepdecision d
                WHERE d.step_id = a.id AND d.decision = 'edit_approve')
    FROM workflows_approvalstep a JOIN analytics_casefact cf ON cf.case_id = a.case_id
    WHERE a.case_id = ANY(ids)
    {_upsert("analytics_stepfact", "step_id", STEP_COLUMNS)};

    DELETE FROM analytics_decisionfact x WHERE x.case_id = ANY(ids)
        AND NOT EXISTS (SELECT 1 FROM workflows_stepdecision d WHERE d.id = x.decision_id);
    INSERT INTO analytics_decisionfact AS f (decision_id, {", ".join(DECISION_COLUMNS)})
    SELECT d.id, a.case_id, {F_DIMS.replace("f.", "cf.")}, d.reviewer_id,
        CASE WHEN a.due_at IS NULL THEN NULL ELSE d.created_at <= a.due_at END
    FROM workflows_stepdecision d
    JOIN workflows_approvalstep a ON a.id = d.step_id
    JOIN analytics_casefact cf ON cf.case_id = a.case_id
    WHERE a.case_id = ANY(ids)
    {_upsert("analytics_decisionfact", "decision_id", DECISION_COLUMNS)};
END
$$;
"""

# table -> (the case id of a row, the columns whose change matters on UPDATE, a join
# that reaches the case when the row does not hold it).
WATCHED: dict[str, tuple[str, list[str], str]] = {
    "inbox_case": (
        "r.id",
        [
            "department_id",
            "platform",
            "language",
            "received_at",
            "state",
            "first_response_at",
            "replied_at",
            "respond_by",
        ],
        "",
    ),
    "inbox_case_topics": ("r.case_id", ["case_id", "topic_id"], ""),
    "inbox_draft": ("r.case_id", ["case_id", "library_unchanged"], ""),
    "workflows_approvalstep": (
        "r.case_id",
        [
            "case_id",
            "policy_name",
            "position",
            "name",
            "status",
            "opened_at",
            "decided_at",
            "due_at",
        ],
        "",
    ),
    "workflows_stepdecision": (
        "s.case_id",
        ["step_id", "decision", "created_at", "reviewer_id"],
        "JOIN workflows_approvalstep s ON s.id = r.step_id",
    ),
    "channels_outboxitem": ("r.case_id", ["case_id", "status", "draft_id"], ""),
    "channels_replyengagement": (
        "o.case_id",
        ["outbox_item_id", "favourites", "boosts", "replies"],
        "JOIN channels_outboxitem o ON o.id = r.outbox_item_id",
    ),
}


def _triggers(table: str, case_id: str, columns: list[str], join: str) -> str:
    """Three statement-level triggers on `table`: new, changed and removed rows refresh
    the facts of their cases (on UPDATE, only rows where a watched column changed)."""
    pk = "outbox_item_id" if table == "channels_replyengagement" else "id"
    changed = " OR ".join(f"n.{c} IS DISTINCT FROM p.{c}" for c in columns)
    moved = f"SELECT n.{pk} FROM new_rows n JOIN old_rows p ON p.{pk} = n.{pk} WHERE {changed}"
    fn = f"analytics_facts_on_{table}"
    return f"""
CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM analytics_facts_refresh(ARRAY(SELECT DISTINCT {case_id} FROM new_rows r {join}));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM analytics_facts_refresh(ARRAY(SELECT DISTINCT {case_id} FROM old_rows r {join}));
    ELSE
        PERFORM analytics_facts_refresh(ARRAY(
            SELECT {case_id} FROM new_rows r {join} WHERE r.{pk} IN ({moved})
            UNION
            SELECT {case_id} FROM old_rows r {join} WHERE r.{pk} IN ({moved})
        ));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER {fn}_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {fn}();
CREATE TRIGGER {fn}_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {fn}();
CREATE TRIGGER {fn}_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {fn}();
"""


TRUNCATE = """
CREATE FUNCTION analytics_facts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE analytics_casefact, analytics_stepfact, analytics_decisionfact;
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_facts_truncate AFTER TRUNCATE ON inbox_case
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_facts_truncate();
"""

BACKFILL = """
SELECT analytics_facts_refresh(ARRAY(SELECT id FROM inbox_case WHERE id >= %s AND id < %s))
"""

DROP = """
DROP TABLE IF EXISTS analytics_casefact, analytics_stepfact, analytics_decisionfact;
DROP FUNCTION IF EXISTS analytics_facts_refresh(bigint[]) CASCADE;
DROP FUNCTION IF EXISTS analytics_facts_truncate() CASCADE;
""" + "".join(f"DROP FUNCTION IF EXISTS analytics_facts_on_{t}() CASCADE;\n" for t in WATCHED)


def backfill(cursor, batch: int = 50_000) -> None:
    """Facts for every existing case, in batches of case ids."""
    cursor.execute("SELECT min(id), max(id) FROM inbox_case")
    low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, batch):
        cursor.execute(BACKFILL, [start, start + batch])


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(TABLES)
        cursor.execute(REFRESH)
        for table, (case_id, columns, join) in WATCHED.items():
            cursor.execute(_triggers(table, case_id, columns, join))
        cursor.execute(TRUNCATE)
        backfill(cursor)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0016_case_hashtags_f"),
        ("channels", "0011_outbox_status_undone_and_cancelled"),
        ("workflows", "0008_bilingual_names_c"),
    ]

    operations = [migrations.RunPython(create, drop)]
