"""Most writes change only the case's own fact row (#12: the posting path should not
pay for recomputing step and decision facts). A case's state, deadlines and reply
times, its drafts, its outbox rows and their engagement feed `analytics_casefact` alone
(recomputed by the one refresh function, analytics_casefacts_refresh); only a change of the case's
dimensions (department, platform, language, received_at), or of its steps and
decisions, needs the step and decision facts recomputed as well. The outbox trigger
also ignores moves between unsent statuses (pending, sending, failed...): the facts
only read whether a reply was sent."""

import importlib

from django.db import migrations

_first = importlib.import_module("responder.analytics.migrations.0001_facts_g")
_body = _first.REFRESH.split("BEGIN\n", 1)[1]
_case_part = _body.split("    DELETE FROM analytics_stepfact", 1)[0]

CASE_ONLY = (
    "CREATE FUNCTION analytics_casefacts_refresh(ids bigint[]) RETURNS void\n"
    "LANGUAGE plpgsql AS $$\nBEGIN\n" + _case_part + "END\n$$;\n"
)

DIMS = ["department_id", "platform", "language", "received_at"]


def _trigger(table: str, body: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION analytics_facts_on_{table}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
{body}
    RETURN NULL;
END
$$;
"""


_changed_dims = " OR ".join(f"n.{c} IS DISTINCT FROM p.{c}" for c in DIMS)
CASE = _trigger(
    "inbox_case",
    f"""    IF TG_OP = 'INSERT' THEN
        -- A new case has no steps or decisions yet.
        PERFORM analytics_casefacts_refresh(ARRAY(SELECT r.id FROM new_rows r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM analytics_facts_refresh(ARRAY(SELECT r.id FROM old_rows r));
    ELSE
        PERFORM analytics_facts_refresh(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows p ON p.id = n.id WHERE {_changed_dims}
        ));
        PERFORM analytics_casefacts_refresh(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows p ON p.id = n.id
            WHERE NOT ({_changed_dims}) AND (
                n.state IS DISTINCT FROM p.state
                OR n.first_response_at IS DISTINCT FROM p.first_response_at
                OR n.replied_at IS DISTINCT FROM p.replied_at
                OR n.respond_by IS DISTINCT FROM p.respond_by)
        ));
    END IF;""",
)

_sent = "('sent' = n.status) IS DISTINCT FROM ('sent' = p.status)"
OUTBOX = _trigger(
    "channels_outboxitem",
    f"""    IF TG_OP = 'INSERT' THEN
        PERFORM analytics_casefacts_refresh(ARRAY(
            SELECT DISTINCT r.case_id FROM new_rows r WHERE 'sent' = r.status));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM analytics_casefacts_refresh(ARRAY(SELECT DISTINCT r.case_id FROM old_rows r));
    ELSE
        PERFORM analytics_casefacts_refresh(ARRAY(
            SELECT n.case_id FROM new_rows n JOIN old_rows p ON p.id = n.id
            WHERE {_sent} OR n.draft_id IS DISTINCT FROM p.draft_id
                OR n.case_id IS DISTINCT FROM p.case_id
            UNION
            SELECT p.case_id FROM new_rows n JOIN old_rows p ON p.id = n.id
            WHERE n.case_id IS DISTINCT FROM p.case_id
        ));
    END IF;""",
)


def _simple(table: str, case_id: str, columns: list[str], join: str, pk: str) -> str:
    changed = " OR ".join(f"n.{c} IS DISTINCT FROM p.{c}" for c in columns)
    moved = f"SELECT n.{pk} FROM new_rows n JOIN old_rows p ON p.{pk} = n.{pk} WHERE {changed}"
    return _trigger(
        table,
        f"""    IF TG_OP = 'INSERT' THEN
        PERFORM analytics_casefacts_refresh(ARRAY(SELECT DISTINCT {case_id} FROM new_rows r {join}));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM analytics_casefacts_refresh(ARRAY(SELECT DISTINCT {case_id} FROM old_rows r {join}));
    ELSE
        PERFORM analytics_casefacts_refresh(ARRAY(
            SELECT {case_id} FROM new_rows r {join} WHERE r.{pk} IN ({moved})
            UNION
            SELECT {case_id} FROM old_rows r {join} WHERE r.{pk} IN ({moved})
        ));
    END IF;""",
    )


DRAFT = _simple("inbox_draft", "r.case_id", ["case_id", "library_unchanged"], "", "id")
ENGAGEMENT = _simple(
    "channels_replyengagement",
    "o.case_id",
    ["outbox_item_id", "favourites", "boosts", "replies"],
    "JOIN channels_outboxitem o ON o.id = r.outbox_item_id",
    "outbox_item_id",
)


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(CASE_ONLY)
        for sql in (CASE, OUTBOX, DRAFT, ENGAGEMENT):
            cursor.execute(sql)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # Back to 0001's functions: every change recomputes every fact of its cases.
        for table, (case_id, columns, join) in _first.WATCHED.items():
            if table in ("inbox_case", "channels_outboxitem", "inbox_draft",
                         "channels_replyengagement"):
                cursor.execute(
                    _first._triggers(table, case_id, columns, join)
                    .split("CREATE TRIGGER", 1)[0]
                    .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
                )
        cursor.execute("DROP FUNCTION IF EXISTS analytics_casefacts_refresh(bigint[]);")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_topic_facts_cheaper")]

    operations = [migrations.RunPython(create, drop)]
