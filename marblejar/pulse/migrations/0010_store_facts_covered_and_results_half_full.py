from django.conf import settings
from django.db import migrations, models

# On PostgreSQL, each page of the results table is filled to half when rows
# are written, so that rewriting a result (a recompute whose statistics
# changed) puts its new version on the same page: no lock record and no
# second page per row, and the log holds only the bytes that changed
# (BENCHMARKS.md, "Pulse statistics"). Rows already stored move to such
# pages the next time they are rewritten.
RESULT_TABLE_FILLFACTOR = 50


def results_half_full(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE pulse_pulseresult SET (fillfactor = {RESULT_TABLE_FILLFACTOR})"
        )


def results_full(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE pulse_pulseresult RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_header_counters"),
        ("pulse", "0009_result_latest_cover_holds_the_newest_only"),
        ("teams", "0003_nav_teams"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pulse",
            index=models.Index(
                fields=[
                    "id",
                    "organization",
                    "team",
                    "instrument_slug",
                    "closed_at",
                    "counted",
                    "min_group_size",
                ],
                name="pulse_store_facts",
            ),
        ),
        migrations.RunPython(results_half_full, results_full, elidable=False),
    ]
