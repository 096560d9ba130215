from django.db import migrations

# Handle search is a prefix search (UPPER(author_handle::text) LIKE 'X%', Django's
# istartswith): a btree with text_pattern_ops answers it. The trigram index on
# handles is dropped: every handle shares most trigrams, so it read the whole index.
FORWARD = [
    "DROP INDEX IF EXISTS case_handle_trgm",
    "CREATE INDEX IF NOT EXISTS case_handle_prefix ON inbox_case"
    " ((UPPER(author_handle::text)) text_pattern_ops)",
    # Statistics on the new expression, so the planner sees how selective a
    # handle prefix is (without them it scanned the whole table, newest first).
    "ANALYZE inbox_case",
]
BACKWARD = [
    "DROP INDEX IF EXISTS case_handle_prefix",
    "CREATE INDEX IF NOT EXISTS case_handle_trgm ON inbox_case"
    " USING gin ((UPPER(author_handle::text)) gin_trgm_ops)",
]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("inbox", "0003_inbox_indexes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
