"""Moves that change no figure call no function (#12: the posting path).

Until now every UPDATE of a case or of an outbox row fired a statement-level trigger:
PostgreSQL kept the statement's old and new rows aside, and a plpgsql function
compared them, even when nothing the dashboard reads had changed, as when the send
task claims a reply (outbox pending -> sending, case approved -> posting) in the
transaction that must commit before the platform is called. The UPDATE triggers of
those two tables are now row-level with a WHEN condition, which PostgreSQL evaluates
itself: a move that changes no figure costs a comparison, no call.

For that, a case's fact row keeps its state as the figures read it: every state still
waiting for an answer (new, drafting, in review, approved, posting, post failed) is
stored as 'waiting', the others as they are (the dashboard counts the backlog and the
closed cases; it never told the waiting states apart). Moving between waiting states
leaves the facts as they are.

Inserts and deletions keep their statement-level triggers (one call for a bulk insert
at ingest)."""

import importlib

from django.db import migrations

_first = importlib.import_module("responder.analytics.migrations.0001_facts_g")
_alone = importlib.import_module("responder.analytics.migrations.0003_case_facts_alone")

WAITING = _first.WAITING  # "('new', 'drafting', ...)"
STATE = "c.received_at, c.state, c.first_response_at"
PHASE = f"c.received_at, CASE WHEN c.state IN {WAITING} THEN 'waiting' ELSE c.state END, c.first_response_at"


def _phase(sql: str) -> str:
    assert STATE in sql, "the refresh function's text changed"
    return sql.replace(STATE, PHASE).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def _class(row: str) -> str:
    return f"(CASE WHEN {row}.state IN {WAITING} THEN 'waiting' ELSE {row}.state END)"


_dims = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _alone.DIMS)
_times = " OR ".join(
    f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ("first_response_at", "replied_at", "respond_by")
)
_sent = "('sent' = OLD.status) IS DISTINCT FROM ('sent' = NEW.status)"

ROW_TRIGGERS = f"""
CREATE FUNCTION analytics_facts_on_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_ARGV[0]: 'all' (the case's dimensions changed: its step and decision facts
    -- carry them too) or 'case' (only its own fact row); TG_ARGV[1]: the case column.
    IF TG_ARGV[0] = 'all' THEN
        PERFORM analytics_facts_refresh(ARRAY[NEW.id]);
    ELSIF TG_ARGV[1] = 'case_id' THEN
        PERFORM analytics_casefacts_refresh(ARRAY[NEW.case_id, OLD.case_id]);
    ELSE
        PERFORM analytics_casefacts_refresh(ARRAY[NEW.id]);
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER analytics_facts_on_inbox_case_update ON inbox_case;
CREATE TRIGGER analytics_facts_on_inbox_case_dims AFTER UPDATE ON inbox_case
    FOR EACH ROW WHEN ({_dims})
    EXECUTE FUNCTION analytics_facts_on_row('all', 'id');
CREATE TRIGGER analytics_facts_on_inbox_case_facts AFTER UPDATE ON inbox_case
    FOR EACH ROW WHEN (NOT ({_dims}) AND ({_class("OLD")} IS DISTINCT FROM {_class("NEW")}
        OR {_times}))
    EXECUTE FUNCTION analytics_facts_on_row('case', 'id');
DROP TRIGGER analytics_facts_on_channels_outboxitem_update ON channels_outboxitem;
CREATE TRIGGER analytics_facts_on_channels_outboxitem_sent AFTER UPDATE ON channels_outboxitem
    FOR EACH ROW WHEN ({_sent} OR OLD.draft_id IS DISTINCT FROM NEW.draft_id
        OR OLD.case_id IS DISTINCT FROM NEW.case_id)
    EXECUTE FUNCTION analytics_facts_on_row('case', 'case_id');
DROP INDEX analytics_casefact_waiting;
CREATE INDEX analytics_casefact_waiting ON analytics_casefact (received_at)
    WHERE state = 'waiting';
"""

STATEMENT_TRIGGERS = f"""
DROP TRIGGER IF EXISTS analytics_facts_on_inbox_case_dims ON inbox_case;
DROP TRIGGER IF EXISTS analytics_facts_on_inbox_case_facts ON inbox_case;
DROP TRIGGER IF EXISTS analytics_facts_on_channels_outboxitem_sent ON channels_outboxitem;
DROP FUNCTION IF EXISTS analytics_facts_on_row();
CREATE TRIGGER analytics_facts_on_inbox_case_update AFTER UPDATE ON inbox_case
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_facts_on_inbox_case();
CREATE TRIGGER analytics_facts_on_channels_outboxitem_update AFTER UPDATE ON channels_outboxitem
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_facts_on_channels_outboxitem();
DROP INDEX analytics_casefact_waiting;
CREATE INDEX analytics_casefact_waiting ON analytics_casefact (received_at)
    WHERE state IN {WAITING};
"""

def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_phase(_first.REFRESH))
        cursor.execute(_phase(_alone.CASE_ONLY))
        cursor.execute(ROW_TRIGGERS)
        _first.backfill(cursor)  # every fact again, its state as the function now stores it


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_first.REFRESH.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
        cursor.execute(_alone.CASE_ONLY.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
        cursor.execute(STATEMENT_TRIGGERS)
        _first.backfill(cursor)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0004_case_cells")]

    operations = [migrations.RunPython(forwards, backwards)]
