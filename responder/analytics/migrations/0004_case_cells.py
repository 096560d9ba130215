"""The dashboard reads the case facts in one pass into cells (selectors/fact_cells.py)
and no longer scans them in the order of a duration: the two ordered indexes of
0001 only cost every write of a case's facts (each transition, each post) their
upkeep."""

import importlib

from django.db import migrations

_first = importlib.import_module("responder.analytics.migrations.0001_facts_g")

DROP = "DROP INDEX IF EXISTS analytics_casefact_first; DROP INDEX IF EXISTS analytics_casefact_reply;"


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(_first.ORDERED)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_case_facts_alone")]

    operations = [migrations.RunPython(drop, create)]
