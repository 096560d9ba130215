"""The dashboard reads the case facts in one pass into cells (selectors/fact_cells.py)
and no longer scans them in the order of a duration: the two ordered indexes of
0001 only cost every write of a case's facts (each transition, each post) their
upkeep."""

import importlib

from django.db import migrations

from responder.analytics.migrations._postgres import on_postgres

_first = importlib.import_module("responder.analytics.migrations.0001_facts_g")

DROP = "DROP INDEX IF EXISTS analytics_casefact_first; DROP INDEX IF EXISTS analytics_casefact_reply;"


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_case_facts_alone")]

    operations = [migrations.RunPython(on_postgres(DROP), on_postgres(_first.ORDERED))]
