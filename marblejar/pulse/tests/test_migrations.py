"""Migrations that convert stored values: forwards and back, with rows in the table."""

from __future__ import annotations

import json
import math

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from marblejar.pulse.models import PulseResult

BEFORE = ("pulse", "0010_store_facts_covered_and_results_half_full")
AFTER = ("pulse", "0011_results_rewritten_in_place")

# As JSONField stored them: a gap in the item means, an empty pair.
ROWS = {
    901: ("[1.5, null, 4.285714285714]", "[0, 2, 1]"),
    902: ("[]", "[]"),
    903: ("[3.0, 7.0]", "[0, 0, 0, 0, 5]"),
}


def migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()


def stored_text() -> dict[int, tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pulse_id, item_means, distribution FROM pulse_pulseresult ORDER BY pulse_id"
        )
        return {pk: (means, dist) for pk, means, dist in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_0011_turns_stored_json_into_number_lists_and_back():
    migrate(BEFORE)
    try:
        cast = "::jsonb" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            for pk, (means, dist) in ROWS.items():
                cursor.execute(
                    "INSERT INTO pulse_pulseresult (pulse_id, organization_id, team_id, "
                    "instrument_slug, closed_on, n, counted, min_group_size, k, item_means, "
                    f"distribution, comment_count, is_latest) VALUES (%s, 1, 1, 'x', "
                    f"'2026-11-30', 3, 3, 3, 3, %s{cast}, %s{cast}, 0, TRUE)",
                    [pk, means, dist],
                )
        before = stored_text()
        migrate(AFTER)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT DISTINCT pg_typeof(item_means)::text, pg_typeof(distribution)::text "
                    "FROM pulse_pulseresult"
                )
                assert cursor.fetchall() == [("double precision[]", "integer[]")]
            else:
                cursor.execute(
                    "SELECT DISTINCT typeof(item_means), typeof(distribution) "
                    "FROM pulse_pulseresult"
                )
                assert cursor.fetchall() == [("blob", "blob")]
        read = dict(PulseResult.objects.values_list("pulse_id", "item_means"))
        assert read[901][0] == 1.5 and read[901][1] is None and read[901][2] == 4.285714285714
        assert read[902] == [] and read[903] == [3.0, 7.0]
        assert PulseResult.objects.get(pk=903).distribution == [0, 0, 0, 0, 5]
        assert not any(isinstance(v, float) and math.isnan(v) for v in read[901])
        migrate(BEFORE)
        after = stored_text()
        # Back to JSON: the same lists (and on SQLite the same text).
        for pk in ROWS:
            got, want = after[pk], before[pk]
            as_lists = [json.loads(v) if isinstance(v, str) else v for v in got]
            assert as_lists == [json.loads(v) if isinstance(v, str) else v for v in want], pk
            if connection.vendor == "sqlite":
                assert got == want
    finally:
        migrate(AFTER)
