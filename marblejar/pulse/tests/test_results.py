"""The results pipeline: what is stored equals the statistics of each pulse's answers."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from django.db import connection

from marblejar.pulse import results, services, stats
from marblejar.pulse.models import Answer, Comment, Pulse, PulseResult
from marblejar.pulse.tests.factories import add_members, open_pulse, run_pulse, set_k

pytestmark = pytest.mark.django_db

FIELDS = ("n", "mean", "percent", "sd", "ci_low", "ci_high", "alpha", "alpha_ci_low")
FIELDS += ("alpha_ci_high", "rwg_j")


@pytest.fixture
def org_with_pulses(personas):
    """Two teams, two instruments (two keyings, two scales), answers with gaps."""
    set_k(personas.org, 3)
    people = [personas.lead, personas.member, personas.member2]
    people += add_members(personas.team, personas.org, 4)
    custom = services.instrument_create(
        actor=personas.lead,
        team=personas.team,
        name="Meetings",
        scale_points=5,
        items=[{"text": "Meetings end on time."}, {"text": "I dread them.", "reverse": True}],
    )
    rng = np.random.default_rng(5)
    pulses = []
    for days, instrument in (
        (90, "psychological_safety"),
        (60, custom.slug),
        (30, "team_learning"),
    ):
        answers = {}
        for user in people:
            pulse_items = services_items(personas, instrument)
            answers[user] = {key: int(rng.integers(1, high + 1)) for key, high in pulse_items}
        pulses.append(
            run_pulse(
                personas.lead,
                personas.team,
                answers,
                days_ago=days,
                instrument=instrument,
                comments={people[0]: "One comment."},
            )
        )
    other = run_pulse(
        personas.other, personas.other_team, {personas.other: 4}, days_ago=20, k=3, publish=False
    )
    # Answers with a statement left out (an older form allowed it) and one
    # statement nobody answered.
    gap = pulses[1]
    Answer.objects.filter(pulse=gap).update(values="3.")
    return [*pulses, other]


def services_items(personas, slug):
    from marblejar.pulse.selectors import instrument_definition

    definition = instrument_definition(team=personas.team, slug=slug)
    return [(i["key"], definition["scale"]["max"]) for i in definition["items"]]


def expected(pulse: Pulse) -> stats.GroupSummary:
    rows = list(Answer.objects.filter(pulse=pulse).values_list("values", flat=True))
    return stats.group_summary(results.keyed_matrix(rows, pulse.definition), scale=pulse.scale)


def assert_stored(pulse: Pulse) -> None:
    result = PulseResult.objects.get(pulse=pulse)
    want = expected(pulse)
    for name in FIELDS:
        got, should = getattr(result, name), getattr(want, name)
        assert (got is None) == (should is None), (pulse.title, name, got, should)
        if got is not None:
            assert got == pytest.approx(should, abs=1e-12), (pulse.title, name)
    assert len(result.item_means) == len(want.item_means)
    for got, should in zip(result.item_means, want.item_means, strict=True):
        assert (got is None) == (should is None)
        if got is not None:
            assert got == pytest.approx(should, abs=1e-12)
    assert result.distribution == list(want.distribution)
    assert result.k == len(pulse.items)
    assert (result.team_id, result.organization_id) == (pulse.team_id, pulse.organization_id)
    assert result.instrument_slug == pulse.instrument_slug
    assert result.closed_on == pulse.closed_at.date()
    assert result.counted == pulse.counted and result.min_group_size == pulse.min_group_size
    assert result.comment_count == Comment.objects.filter(pulse=pulse).count()


def test_a_recompute_of_the_organization_stores_each_pulses_own_statistics(
    personas, org_with_pulses
):
    PulseResult.objects.all().delete()
    results.results_compute(organization_id=personas.org.pk)
    for pulse in org_with_pulses:
        assert_stored(pulse)
    # The statement nobody answered has no mean (NULL in the database), not 0.
    gap = PulseResult.objects.get(pulse=org_with_pulses[1])
    assert gap.item_means[1] is None and gap.item_means[0] == pytest.approx(3.0)


def test_a_recompute_that_changes_nothing_writes_nothing_and_keeps_what_publishing_set(
    personas, org_with_pulses
):
    latest_before = set(PulseResult.objects.filter(is_latest=True).values_list("pk", flat=True))
    assert latest_before
    batches = results.results_summaries(organization_id=personas.org.pk)
    # Only the pulse whose answers were changed under it differs from what its close stored.
    assert results.results_store(batches) == 1
    assert results.results_store(batches) == 0
    PulseResult.objects.filter(pulse=org_with_pulses[0]).update(mean=-1.0, comment_count=9)
    assert results.results_store(batches) == 1
    assert_stored(org_with_pulses[0])
    assert set(PulseResult.objects.filter(is_latest=True).values_list("pk", flat=True)) == (
        latest_before
    )


def test_a_closed_pulse_nobody_answered_gets_a_result_with_nobody_in_it(personas):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_close(pulse=pulse, actor=personas.lead)
    result = PulseResult.objects.get(pulse=pulse)
    assert result.n == 0 and result.mean is None and not result.is_shown


def test_a_pulse_that_has_not_closed_has_no_result_even_when_recomputing(personas):
    open_pulse(personas.lead, personas.team)
    # Answers exist only once a pulse has closed; a stray row would not count either.
    results.results_compute(organization_id=personas.org.pk)
    assert not PulseResult.objects.exists()


def test_store_handles_several_batches_in_one_transaction(personas, org_with_pulses):
    # The demo stores many times in one transaction: the loading table is dropped each time.
    from django.db import transaction

    with transaction.atomic():
        for pulse in org_with_pulses:
            results.results_compute(pulse_ids=[pulse.pk])
    for pulse in org_with_pulses:
        assert_stored(pulse)


def test_the_keyed_matrix_recodes_reverse_items_and_leaves_gaps(personas):
    pulse = open_pulse(personas.lead, personas.team)
    reverse = [bool(i["reverse"]) for i in pulse.items]
    matrix = results.keyed_matrix(["1.34567", "7777777"], pulse.definition)
    assert np.isnan(matrix[0, 1])
    assert matrix[0, 0] == (7 if reverse[0] else 1)
    assert list(matrix[1]) == [1.0 if r else 7.0 for r in reverse]
    assert uuid  # rows have random keys (see test_anonymity)


def test_deleting_a_team_or_an_organization_deletes_its_results(personas):
    # The database does not check a result's team and organization (the
    # pulse's, copied by the store); deleting either still takes the results.
    set_k(personas.org, 3, 3)
    people = [personas.lead, personas.member, personas.member2]
    run_pulse(personas.lead, personas.team, dict.fromkeys(people, 4), days_ago=10)
    other = personas.other.memberships.get().team
    run_pulse(personas.other, other, {personas.other: 4}, days_ago=10)
    assert set(PulseResult.objects.values_list("team_id", flat=True)) == {
        personas.team.pk,
        other.pk,
    }
    from marblejar.teams.services import team_delete

    team_delete(actor=personas.admin, team=personas.team)
    assert list(PulseResult.objects.values_list("team_id", flat=True)) == [other.pk]
    personas.org.delete()
    assert not PulseResult.objects.exists()


STORED = ("pulse_id", *results.STORED_COLUMNS[1:], "is_latest")


def stored_rows() -> list[tuple]:
    return list(PulseResult.objects.order_by("pulse_id").values_list(*STORED))


def test_a_store_into_an_empty_table_and_a_rewrite_of_every_row_give_the_same_rows(
    personas, org_with_pulses
):
    batches = results.results_summaries(organization_id=personas.org.pk)
    computed = [pulse_id for batch in batches for pulse_id in batch.pulse_ids]
    assert len(computed) >= 3
    PulseResult.objects.all().delete()
    # Into an empty table: every result is new.
    assert results.results_store(batches) == len(computed)
    for pulse in Pulse.objects.filter(pk__in=computed):
        assert_stored(pulse)
    first = stored_rows()
    assert [row[0] for row in first] == sorted(computed)
    # Every stored value changed under the store: it rewrites every row, to
    # exactly what the first store wrote, and keeps what publishing set.
    PulseResult.objects.filter(pulse_id=computed[0]).update(is_latest=True)
    PulseResult.objects.update(
        mean=-1.0, sd=None, item_means=[0.5], distribution=[], comment_count=7, counted=99
    )
    assert results.results_store(batches) == len(computed)
    again = stored_rows()
    latest = STORED.index("is_latest")
    assert [row[:latest] for row in again] == [row[:latest] for row in first]
    assert [row[0] for row in again if row[latest]] == [computed[0]]
    # And once more: nothing differs, nothing is written.
    assert results.results_store(batches) == 0
    assert stored_rows() == again


def test_item_means_and_distribution_read_back_as_lists_with_none_for_a_gap(org_with_pulses):
    pulse, other = org_with_pulses[:2]
    PulseResult.objects.filter(pulse=pulse).update(item_means=[1.5, None, 3.0], distribution=[0, 2])
    stored = PulseResult.objects.get(pulse=pulse)
    assert stored.item_means == [1.5, None, 3.0] and stored.distribution == [0, 2]
    # Saved through the model, and in bulk with an empty list beside a full one.
    stored.item_means, stored.distribution = [], []
    stored.save()
    assert PulseResult.objects.values_list("item_means", "distribution").get(pulse=pulse) == (
        [],
        [],
    )
    PulseResult.objects.filter(pk__in=[pulse.pk, other.pk]).delete()
    PulseResult.objects.bulk_create(
        [
            PulseResult(
                pulse=p,
                organization=p.organization,
                team=p.team,
                closed_on=p.closed_at,
                n=1,
                k=3,
                item_means=means,
                distribution=dist,
            )
            for p, means, dist in ((pulse, [], []), (other, [None, 2.25, 4.0], [1, 0, 3]))
        ]
    )
    both = PulseResult.objects.filter(pk__in=[pulse.pk, other.pk])
    assert dict(both.values_list("pulse_id", "item_means")) == {
        pulse.pk: [],
        other.pk: [None, 2.25, 4.0],
    }
    # As the database holds them: arrays on PostgreSQL, packed numbers on SQLite.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT item_means::text, distribution::text FROM pulse_pulseresult "
                "WHERE pulse_id = %s",
                [other.pk],
            )
            assert cursor.fetchone() == ("{NaN,2.25,4}", "{1,0,3}")
        else:
            cursor.execute(
                "SELECT typeof(item_means), hex(item_means), hex(distribution) "
                "FROM pulse_pulseresult WHERE pulse_id = %s",
                [other.pk],
            )
            kind, means, dist = cursor.fetchone()
            assert kind == "blob"
            assert bytes.fromhex(means) == np.array([np.nan, 2.25, 4.0], "<f8").tobytes()
            assert bytes.fromhex(dist) == np.array([1, 0, 3], "<i4").tobytes()


def test_on_postgresql_a_rewrite_of_every_result_updates_each_row_on_its_page(
    personas, org_with_pulses
):
    """A HOT update: no indexed column changes, and the page has room (BENCHMARKS.md)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's heap-only updates")
    batches = results.results_summaries(organization_id=personas.org.pk)
    results.results_store(batches)
    PulseResult.objects.update(mean=-1.0, sd=None, item_means=[0.5], distribution=[])

    def updates() -> tuple[int, int]:
        # This transaction's own counts: the test runs inside one.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
                [PulseResult._meta.db_table],
            )
            return cursor.fetchone()

    before = updates()
    written = results.results_store(batches)
    after = updates()
    assert written == PulseResult.objects.exclude(n=0).count() >= 3
    assert (after[0] - before[0], after[1] - before[1]) == (written, written)


def per_pulse(batches: list[results.ResultBatch]) -> dict[int, tuple]:
    out = {}
    for batch in batches:
        b = batch.stats
        for i, pulse_id in enumerate(batch.pulse_ids):
            out[pulse_id] = (
                batch.scale,
                int(b.n[i]),
                *(float(getattr(b, name)[i]) for name in FIELDS[1:]),
                tuple(b.item_means[i].tolist()),
                tuple(b.distribution[i].tolist()),
            )
    return out


def test_summaries_read_in_chunks_equal_one_pass_to_the_last_bit(
    personas, org_with_pulses, monkeypatch
):
    import threading

    whole = per_pulse(results.results_summaries(organization_id=personas.org.pk))
    assert len(whole) >= 4
    threads = []
    summarise = results._summarise

    def watched(*args):
        threads.append(threading.current_thread())
        return summarise(*args)

    monkeypatch.setattr(results, "_summarise", watched)
    monkeypatch.setattr(results, "CHUNK_PULSES", 2)
    chunked = per_pulse(results.results_summaries(organization_id=personas.org.pk))
    # Summarised two pulses at a time, beside the thread that reads the rows.
    assert len(threads) == (len(whole) + 1) // 2
    assert threading.main_thread() not in threads
    # NaN compares unequal to itself: compare the text of each value.
    assert {k: repr(v) for k, v in chunked.items()} == {k: repr(v) for k, v in whole.items()}
