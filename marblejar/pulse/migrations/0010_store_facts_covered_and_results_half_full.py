from django.db import migrations

# PostgreSQL only (SQLite reads each pulse by its rowid, and would keep only
# the key of such an index): every fact that storing results in bulk copies
# from a pulse, beside its key, so that the store reads this index instead of
# the pulse table, whose rows hold the definition (about 2 KB a pulse).
STORE_FACTS = (
    "CREATE INDEX IF NOT EXISTS pulse_store_facts ON pulse_pulse (id) "
    "INCLUDE (organization_id, team_id, instrument_slug, closed_at, counted, min_group_size)"
)

# Each page of the results table is filled to half when rows are written, so
# that rewriting a result (a recompute whose statistics changed) puts its new
# version on the same page: no lock record and no second page per row, and
# the log holds only the bytes that changed (BENCHMARKS.md, "Pulse
# statistics"). Rows already stored move to such pages when next rewritten.
RESULT_TABLE_FILLFACTOR = 50


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STORE_FACTS)
        schema_editor.execute(
            f"ALTER TABLE pulse_pulseresult SET (fillfactor = {RESULT_TABLE_FILLFACTOR})"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS pulse_store_facts")
        schema_editor.execute("ALTER TABLE pulse_pulseresult RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("pulse", "0009_result_latest_cover_holds_the_newest_only"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
