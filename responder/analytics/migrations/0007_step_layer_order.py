"""The approval steps' facts in the order of their layer, then of their duration (#14).

The layer costs read every step of the period: in the order of the durations (the
index of 0001) each step was hashed into its layer's group by three values; in the
order of (policy, position, layer name, duration) the groups arrive one after the
other, each already in the order of its durations (what fact_percentiles reads), and
PostgreSQL aggregates them without hashing. The new index replaces the old one, which
nothing else read."""

import importlib

from django.db import migrations

from responder.analytics.migrations._postgres import on_postgres

_first = importlib.import_module("responder.analytics.migrations.0001_facts_g")

INCLUDE = f"{_first.DIM_NAMES}, status, micros, decided_at, due_at, edited"
LAYER = f"""
DROP INDEX IF EXISTS analytics_stepfact_secs;
CREATE INDEX analytics_stepfact_layer ON analytics_stepfact (policy_name, position, name, secs)
    INCLUDE ({INCLUDE});
"""
SECS = f"""
DROP INDEX IF EXISTS analytics_stepfact_layer;
CREATE INDEX analytics_stepfact_secs ON analytics_stepfact (secs)
    INCLUDE ({_first.DIM_NAMES}, policy_name, position, name, status, micros, decided_at,
             due_at, edited);
"""


class Migration(migrations.Migration):
    dependencies = [("analytics", "0006_case_dims")]

    operations = [migrations.RunPython(on_postgres(LAYER), on_postgres(SECS))]
