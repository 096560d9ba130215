"""A case fact names its cell's dimensions by one number (#14).

The dashboard groups a million case facts into cells by (day, department, platform,
language, topic list): PostgreSQL hashed and compared five values per case, the
topic list an array, and that cost more than reading the cases. Each distinct
(department, platform, language, topic list) now has a row in analytics_casedims, and
a fact row carries its id in `dims`, so the cells are grouped by two integers; the
dashboard reads the few dims rows it meets.

A BEFORE trigger on the fact table keeps `dims` (on insert, and on update when one of
the four changed), so neither the refresh functions nor the topic function change."""

from django.db import migrations

from responder.analytics.migrations._postgres import on_postgres

DIMS = ("department_id", "platform", "language", "topic_ids")
_same = " AND ".join(f"x.{c} = NEW.{c}" for c in DIMS)
_changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in DIMS)

CREATE = f"""
CREATE TABLE analytics_casedims (
    id serial PRIMARY KEY,
    department_id bigint NOT NULL,
    platform varchar(16) NOT NULL,
    language varchar(8) NOT NULL,
    topic_ids bigint[] NOT NULL,
    UNIQUE ({", ".join(DIMS)})
);
CREATE FUNCTION analytics_casefact_dims() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT x.id INTO NEW.dims FROM analytics_casedims x WHERE {_same};
    IF NEW.dims IS NULL THEN
        INSERT INTO analytics_casedims AS x ({", ".join(DIMS)})
        VALUES ({", ".join(f"NEW.{c}" for c in DIMS)})
        ON CONFLICT DO NOTHING RETURNING x.id INTO NEW.dims;
        IF NEW.dims IS NULL THEN  -- another transaction added it meanwhile
            SELECT x.id INTO NEW.dims FROM analytics_casedims x WHERE {_same};
        END IF;
    END IF;
    RETURN NEW;
END
$$;
ALTER TABLE analytics_casefact ADD COLUMN dims integer;
INSERT INTO analytics_casedims ({", ".join(DIMS)})
    SELECT DISTINCT {", ".join(DIMS)} FROM analytics_casefact;
UPDATE analytics_casefact f SET dims = x.id FROM analytics_casedims x
    WHERE {_same.replace("NEW.", "f.")};
ALTER TABLE analytics_casefact ALTER COLUMN dims SET NOT NULL;
CREATE TRIGGER analytics_casefact_dims_insert BEFORE INSERT ON analytics_casefact
    FOR EACH ROW EXECUTE FUNCTION analytics_casefact_dims();
CREATE TRIGGER analytics_casefact_dims_update BEFORE UPDATE ON analytics_casefact
    FOR EACH ROW WHEN ({_changed}) EXECUTE FUNCTION analytics_casefact_dims();
"""

DROP = """
DROP TRIGGER IF EXISTS analytics_casefact_dims_insert ON analytics_casefact;
DROP TRIGGER IF EXISTS analytics_casefact_dims_update ON analytics_casefact;
DROP FUNCTION IF EXISTS analytics_casefact_dims();
ALTER TABLE analytics_casefact DROP COLUMN IF EXISTS dims;
DROP TABLE IF EXISTS analytics_casedims;
"""


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_facts_row_triggers")]

    operations = [
        migrations.RunPython(on_postgres(CREATE, "ANALYZE analytics_casefact"), on_postgres(DROP))
    ]
