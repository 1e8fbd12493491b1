import json

from django.db import migrations

import marblejar.lib.fields

# Storing an organization's results in bulk should not format or parse a
# number, and on PostgreSQL a rewrite (a recompute whose statistics changed)
# should write each row once, on its own page, and nothing else
# (BENCHMARKS.md, "Pulse statistics"):
#
# 1. The item means and the distribution become marblejar.lib.fields.NumberList
#    columns, converted in place: native arrays on PostgreSQL (the store copies
#    NumPy's arrays as they are instead of parsing every number into jsonb),
#    packed numbers in a blob on SQLite (instead of JSON written by Python).
#    JSON's null, a missing item mean, becomes NaN, as the field stores it.
# 2. On PostgreSQL, the overview's index holds no statistics (organization,
#    instrument and team of the newest results only), so that a rewrite
#    changes no indexed column and PostgreSQL updates the row in place (a HOT
#    update: no index entry written; the table's pages are half full for it,
#    migration 0010). The overview reads its ~3,000 rows from the table
#    through it. SQLite keeps its covering index: it has no HOT updates, and
#    its upsert writes no entry of a partial index a row is not in.
FUNCTIONS = """
CREATE FUNCTION pg_temp.mj_floats(j jsonb) RETURNS double precision[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(array_agg(CASE WHEN jsonb_typeof(e) = 'number'
    THEN (e #>> '{}')::double precision ELSE 'NaN' END ORDER BY i), '{}')
  FROM jsonb_array_elements(j) WITH ORDINALITY AS t(e, i)
$$;
CREATE FUNCTION pg_temp.mj_integers(j jsonb) RETURNS integer[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(array_agg((e #>> '{}')::numeric::integer ORDER BY i), '{}')
  FROM jsonb_array_elements(j) WITH ORDINALITY AS t(e, i)
$$;
CREATE FUNCTION pg_temp.mj_json(a double precision[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(jsonb_agg(NULLIF(x, 'NaN') ORDER BY i), '[]')
  FROM unnest(a) WITH ORDINALITY AS t(x, i)
$$;
"""
DROP_FUNCTIONS = (
    "DROP FUNCTION pg_temp.mj_floats(jsonb); DROP FUNCTION pg_temp.mj_integers(jsonb); "
    "DROP FUNCTION pg_temp.mj_json(double precision[])"
)
LATEST = (
    "CREATE INDEX IF NOT EXISTS result_latest ON pulse_pulseresult "
    "(organization_id, instrument_slug, team_id) WHERE is_latest"
)
LATEST_COVER = (
    "CREATE INDEX IF NOT EXISTS result_latest_cover ON pulse_pulseresult "
    "(organization_id, instrument_slug, is_latest, team_id, n, mean, sd, counted, min_group_size) "
    "WHERE is_latest"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS)
        schema_editor.execute(
            "ALTER TABLE pulse_pulseresult "
            "ALTER COLUMN item_means TYPE double precision[] USING pg_temp.mj_floats(item_means), "
            "ALTER COLUMN distribution TYPE integer[] USING pg_temp.mj_integers(distribution)"
        )
        schema_editor.execute(DROP_FUNCTIONS)
        schema_editor.execute("DROP INDEX IF EXISTS result_latest_cover")
        schema_editor.execute(LATEST)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS result_latest")
        schema_editor.execute(LATEST_COVER)
        schema_editor.execute(FUNCTIONS)
        schema_editor.execute(
            "ALTER TABLE pulse_pulseresult "
            "ALTER COLUMN item_means TYPE jsonb USING pg_temp.mj_json(item_means), "
            "ALTER COLUMN distribution TYPE jsonb USING to_jsonb(distribution)"
        )
        schema_editor.execute(DROP_FUNCTIONS)


class AlterFieldElsewhere(migrations.AlterField):
    """An AlterField that PostgreSQL skips: its columns are converted above."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _fields():
    fields = {
        "item_means": marblejar.lib.fields.NumberList(default=list),
        "distribution": marblejar.lib.fields.NumberList(default=list, integers=True),
    }
    for name, field in fields.items():
        field.set_attributes_from_name(name)
    return fields


def _rewrite(schema_editor, convert):
    """Each stored pair of lists, converted (JSON text to packed numbers or back)."""
    if schema_editor.connection.vendor == "postgresql":
        return
    means, dist = _fields().values()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT pulse_id, item_means, distribution FROM pulse_pulseresult")
        rows = [(convert(means, m), convert(dist, d), pk) for pk, m, d in cursor.fetchall()]
        cursor.executemany(
            "UPDATE pulse_pulseresult SET item_means = %s, distribution = %s WHERE pulse_id = %s",
            rows,
        )


def json_to_packed(apps, schema_editor):
    connection = schema_editor.connection
    _rewrite(schema_editor, lambda f, v: f.get_db_prep_value(json.loads(v), connection))


def packed_to_json(apps, schema_editor):
    connection = schema_editor.connection
    _rewrite(schema_editor, lambda f, v: json.dumps(f.from_db_value(v, None, connection)))


class Migration(migrations.Migration):
    dependencies = [
        ("pulse", "0010_store_facts_covered_and_results_half_full"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(forwards, backwards, elidable=False),
                # SQLite: the table remade with the new column types, then
                # each row's JSON rewritten as packed numbers.
                AlterFieldElsewhere(
                    model_name="pulseresult",
                    name="item_means",
                    field=marblejar.lib.fields.NumberList(default=list),
                ),
                AlterFieldElsewhere(
                    model_name="pulseresult",
                    name="distribution",
                    field=marblejar.lib.fields.NumberList(default=list, integers=True),
                ),
                migrations.RunPython(json_to_packed, packed_to_json, elidable=False),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="pulseresult",
                    name="item_means",
                    field=marblejar.lib.fields.NumberList(default=list),
                ),
                migrations.AlterField(
                    model_name="pulseresult",
                    name="distribution",
                    field=marblejar.lib.fields.NumberList(default=list, integers=True),
                ),
                # Each database's index of the newest results is made above
                # (SQLite keeps the one migration 0009 made).
                migrations.RemoveIndex(model_name="pulseresult", name="result_latest_cover"),
            ],
        ),
    ]
