"""The results pipeline: closed pulses' answers in, stored statistics out.

Pages never compute statistics: they read :class:`PulseResult`, written
here once when a pulse closes (:func:`results_compute` for one pulse) or for
a whole organization at once (the same function, the same code path). The
steps are kept apart so that the benchmark can time each of them:

1. :func:`results_summaries` reads every closed pulse's answers with one
   grouped query and summarises them with the vectorised statistics core,
   one pass per scale and keying;
2. :func:`results_store` writes the results in bulk.

Both go through plain SQL rather than the ORM: a whole organization is
hundreds of thousands of rows, and model instances would cost more than the
statistics (see bench/pulse_org.py and BENCHMARKS.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Count

from marblejar.pulse import stats
from marblejar.pulse.models import MISSING_ANSWER, Answer, Comment, Pulse, PulseResult, keying_of

# The columns results_store writes, in the order of its rows. ``is_latest``
# is not among them: it belongs to publishing, and a recompute keeps it.
STORED_COLUMNS = (
    "pulse_id",
    "organization_id",
    "team_id",
    "instrument_slug",
    "closed_on",
    "n",
    "counted",
    "min_group_size",
    "k",
    "mean",
    "percent",
    "sd",
    "ci_low",
    "ci_high",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "rwg_j",
    "item_means",
    "distribution",
    "comment_count",
)
_CHUNK = 5000
# From this many rows on, PostgreSQL stores through COPY (see _store_postgresql).
COPY_FROM = 200


@dataclass
class ResultBatch:
    """Statistics of many pulses of one scale and keying, aligned by position."""

    pulse_ids: list[int]
    stats: stats.BatchStats
    scale: tuple[int, int]


def results_compute(
    *, pulse_ids: Iterable[int] | None = None, organization_id: int | None = None
) -> list[ResultBatch]:
    """Compute and store the results of closed pulses (all of them, an organization's,
    or those listed). Closed pulses nobody answered get a result with n = 0."""
    ids = list(pulse_ids) if pulse_ids is not None else None
    batches = results_summaries(pulse_ids=ids, organization_id=organization_id)
    results_store(batches)
    closed = Pulse.objects.filter(closed_at__isnull=False)
    if ids is not None:
        closed = closed.filter(pk__in=ids)
    if organization_id is not None:
        closed = closed.filter(organization_id=organization_id)
    unanswered = closed.exclude(pk__in=PulseResult.objects.values("pulse_id"))
    PulseResult.objects.bulk_create(
        [
            PulseResult(
                pulse_id=p.pk,
                organization_id=p.organization_id,
                team_id=p.team_id,
                instrument_slug=p.instrument_slug,
                closed_on=p.closed_at.date(),
                n=0,
                counted=0,
                min_group_size=p.min_group_size,
                k=len(p.items),
            )
            for p in unanswered
        ],
        ignore_conflicts=True,
    )
    return batches


# Reading and summarising -------------------------------------------------------


def keying_parts(keying: str) -> tuple[tuple[int, int], np.ndarray]:
    """The scale and the reverse-keyed flags of a pulse's keying ("1-7:rnrnrnn")."""
    scale, flags = keying.split(":")
    low, high = scale.split("-")
    return (int(low), int(high)), np.array([f == "r" for f in flags])


def decode(
    joined: Sequence[str], k: int, scale: tuple[int, int], reverse: np.ndarray
) -> np.ndarray:
    """Answer strings (one digit per item, MISSING_ANSWER for none) as a keyed
    responses x items float array, NaN for a missing answer."""
    raw = np.frombuffer("".join(joined).encode("ascii"), dtype=np.uint8).reshape(-1, k)
    matrix = raw.astype(np.float64) - ord("0")
    matrix[raw == ord(MISSING_ANSWER)] = np.nan
    if reverse.any():
        matrix[:, reverse] = scale[0] + scale[1] - matrix[:, reverse]
    return matrix


def keyed_matrix(rows: Sequence[str], definition: Mapping[str, Any]) -> np.ndarray:
    """Decode one pulse's answer strings into a keyed responses x items array."""
    scale, reverse = keying_parts(keying_of(dict(definition)))
    return decode(rows, len(definition["items"]), scale, reverse)


def respondent_scores(rows: Sequence[str], definition: Mapping[str, Any]) -> list[float]:
    """Each answer string's scale score (NaN when nothing was answered)."""
    if not rows:
        return []
    return stats.respondent_scores(keyed_matrix(rows, definition)).tolist()


def _scope(
    column: str, pulse_ids: list[int] | None, organization_id: int | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if pulse_ids is not None:
        where.append(f"{column} IN ({', '.join(['%s'] * len(pulse_ids))})")
        params += pulse_ids
    if organization_id is not None:
        where.append("organization_id = %s")
        params.append(organization_id)
    return where, params


def _fetch_answer_groups(
    *, pulse_ids: list[int] | None, organization_id: int | None
) -> list[tuple[int, int, str]]:
    """(pulse_id, n, concatenated answer strings) per pulse, in one grouped query.

    Written in SQL because the ORM's aggregate layer costs more than the
    statistics here; the two spellings are the same aggregate.
    """
    concat = (
        "group_concat(\"values\", '')"
        if connection.vendor == "sqlite"
        else "string_agg(\"values\", '')"
    )
    where, params = _scope("pulse_id", pulse_ids, organization_id)
    sql = (
        f"SELECT pulse_id, COUNT(*), {concat} FROM {Answer._meta.db_table}"  # noqa: S608
        + (" WHERE " + " AND ".join(where) if where else "")
        # A pulse belongs to one team, so grouping by pulse is grouping by team and pulse.
        + " GROUP BY pulse_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _keyings(
    pulse_ids: list[int] | None, organization_id: int | None
) -> tuple[str, dict[int, str]]:
    """The keying most closed pulses in scope share, and the keying of every other one.

    An organization uses a handful of instruments, most pulses one of them:
    listing the pulses of the commonest keying would cost as much as the
    rest of the read. (Answers exist only for closed pulses: they are
    written at close.)
    """
    where, params = _scope("id", pulse_ids, organization_id)
    where.append("closed_at IS NOT NULL")
    table = Pulse._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT keying, COUNT(*) FROM {table} WHERE "  # noqa: S608
            + " AND ".join(where)
            + " GROUP BY keying ORDER BY COUNT(*) DESC, keying",
            params,
        )
        found = cursor.fetchall()
        if len(found) < 2:
            return (found[0][0] if found else ""), {}
        others = [key for key, _count in found[1:]]
        cursor.execute(
            f"SELECT id, keying FROM {table} WHERE "  # noqa: S608
            + " AND ".join(where)
            + f" AND keying IN ({', '.join(['%s'] * len(others))})",
            params + others,
        )
        return found[0][0], dict(cursor.fetchall())


def results_summaries(
    *, pulse_ids: Iterable[int] | None = None, organization_id: int | None = None
) -> list[ResultBatch]:
    """The statistics of closed pulses, computed but not stored (the benchmark times this)."""
    ids = list(pulse_ids) if pulse_ids is not None else None
    common, other = _keyings(ids, organization_id)
    rows = _fetch_answer_groups(pulse_ids=ids, organization_id=organization_id)
    if not rows:
        return []
    by_keying: dict[str, list[int]] = {}
    if other:
        for index, row in enumerate(rows):
            by_keying.setdefault(other.get(row[0], common), []).append(index)
    else:
        by_keying[common] = list(range(len(rows)))
    pulse_column, count_column, answer_column = zip(*rows, strict=True)
    batches = []
    for key, positions in by_keying.items():
        if len(positions) == len(rows):
            pulses, counts, answers = pulse_column, count_column, answer_column
        else:
            pulses = [pulse_column[i] for i in positions]
            counts = [count_column[i] for i in positions]
            answers = [answer_column[i] for i in positions]
        scale, reverse = keying_parts(key)
        keyed = decode(answers, reverse.size, scale, reverse)
        groups = np.repeat(np.arange(len(pulses)), np.asarray(counts, dtype=np.int64))
        batch = stats.batch_group_stats(keyed, groups, scale=scale)
        batches.append(ResultBatch([pulses[g] for g in batch.group.tolist()], batch, scale))
    return batches


# Storing -------------------------------------------------------------------------


def _pulse_facts(
    pulse_ids: list[int],
) -> dict[int, tuple[int, int, str, str, int | None, int]]:
    """organization, team, instrument, closing day (ISO), counted respondents and
    minimum group size of each pulse, in chunks."""
    facts = {}
    table = Pulse._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(pulse_ids), _CHUNK):
            chunk = pulse_ids[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                "SELECT id, organization_id, team_id, instrument_slug, closed_at, "  # noqa: S608
                f"counted, min_group_size FROM {table} WHERE id IN ({marks})",
                chunk,
            )
            for pk, org_id, team_id, slug, closed_at, counted, k in cursor.fetchall():
                # SQLite hands back text, PostgreSQL an aware datetime; both are UTC.
                day = closed_at[:10] if isinstance(closed_at, str) else closed_at.date().isoformat()
                facts[pk] = (org_id, team_id, slug, day, counted, k)
    return facts


def _comment_counts(pulse_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for start in range(0, len(pulse_ids), _CHUNK):
        chunk = pulse_ids[start : start + _CHUNK]
        counts.update(
            Comment.objects.filter(pulse_id__in=chunk)
            .values("pulse_id")
            .annotate(c=Count("pk"))
            .values_list("pulse_id", "c")
            .order_by()
        )
    return counts


def result_rows(batches: list[ResultBatch]) -> list[tuple]:
    """One tuple per pulse in the order of :data:`STORED_COLUMNS`; NULL for NaN."""

    def column(values: np.ndarray) -> list[float | None]:
        return [None if v != v else v for v in values.tolist()]  # NaN -> None

    pulse_ids = [pk for batch in batches for pk in batch.pulse_ids]
    facts = _pulse_facts(pulse_ids)
    comments = _comment_counts(pulse_ids)
    rows: list[tuple] = []
    for batch in batches:
        b = batch.stats
        columns = [
            column(c)
            for c in (
                b.mean,
                b.percent,
                b.sd,
                b.ci_low,
                b.ci_high,
                b.alpha,
                b.alpha_ci_low,
                b.alpha_ci_high,
                b.rwg_j,
            )
        ]
        item_means = [
            json.dumps([None if v != v else v for v in row]) for row in b.item_means.tolist()
        ]
        if b.distribution is not None:
            distribution = [json.dumps(row) for row in b.distribution.tolist()]
        else:
            distribution = ["[]"] * len(b)
        k = int(b.item_means.shape[1])
        n = b.n.tolist()
        for index, pulse_id in enumerate(batch.pulse_ids):
            org_id, team_id, slug, day, counted, min_group_size = facts[pulse_id]
            rows.append(
                (
                    pulse_id,
                    org_id,
                    team_id,
                    slug,
                    day,
                    n[index],
                    # Pulses closed before "who counts" was recorded count everyone.
                    n[index] if counted is None else counted,
                    min_group_size,
                    k,
                    *(c[index] for c in columns),
                    item_means[index],
                    distribution[index],
                    comments.get(pulse_id, 0),
                )
            )
    return rows


def results_store(batches: list[ResultBatch]) -> int:
    """Insert or update the results of ``batches``; returns how many rows were written."""
    rows = result_rows(batches)
    if not rows:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
            _store_postgresql(rows)
        else:
            _store_executemany(rows)
    return len(rows)


def _upsert_sql(source: str) -> str:
    table = PulseResult._meta.db_table
    updated = ", ".join(f"{c} = excluded.{c}" for c in STORED_COLUMNS if c != "pulse_id")
    return (
        f"INSERT INTO {table} ({', '.join(STORED_COLUMNS)}, is_latest) "  # noqa: S608
        f"{source} ON CONFLICT (pulse_id) DO UPDATE SET {updated}"
    )


def _store_executemany(rows: list[tuple]) -> None:
    marks = ", ".join(["%s"] * len(STORED_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(_upsert_sql(f"VALUES ({marks}, FALSE)"), rows)


def _store_postgresql(rows: list[tuple]) -> None:
    # PostgreSQL pays a round trip and a plan per row of an executemany, and
    # bulk_create(update_conflicts=True) adds model instances on top (see
    # BENCHMARKS.md): COPY into a temporary table, then one INSERT ... ON
    # CONFLICT from it, keeps both to one statement each.
    table = PulseResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE pulse_result_incoming (LIKE {table} INCLUDING DEFAULTS) "
            "ON COMMIT DROP"
        )
        columns = ", ".join(STORED_COLUMNS)
        with cursor.copy(f"COPY pulse_result_incoming ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            _upsert_sql(f"SELECT {columns}, FALSE FROM pulse_result_incoming")  # noqa: S608
        )
        # Dropped now, not only at commit: one transaction may store twice.
        cursor.execute("DROP TABLE pulse_result_incoming")
