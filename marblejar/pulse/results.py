"""The results pipeline: closed pulses' answers in, stored statistics out.

Pages never compute statistics: they read :class:`PulseResult`, written
here once when a pulse closes (:func:`results_compute` for one pulse) or for
a whole organization at once (the same function, the same code path). The
steps are kept apart so that the benchmark can time each of them:

1. :func:`results_summaries` reads every closed pulse's answers with one
   grouped query and summarises them with the vectorised statistics core,
   one pass per scale and keying and chunk of 10,000 pulses (a chunk's
   statistics are computed while the database computes the next);
2. :func:`results_store` writes the results in bulk.

Both go through plain SQL rather than the ORM: a whole organization is
hundreds of thousands of rows, and model instances would cost more than the
statistics (see bench/pulse_org.py and BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from marblejar.pulse import stats
from marblejar.pulse.locks import lock_stores
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
    with transaction.atomic():
        lock_stores()
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


def encode_answers(pulse: Pulse, values: Mapping[str, Any]) -> str:
    """One person's answers as stored: a digit per statement (the inverse of
    :func:`decode`); ``ValidationError`` names each answer that is missing,
    off the scale, or for a statement the pulse does not have."""
    low, high = pulse.scale
    errors: dict[str, str] = {}
    chars = []
    for item in pulse.items:
        raw = values.get(item["key"])
        if raw in (None, ""):
            errors[item["key"]] = _("Choose an answer.")
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not low <= value <= high:
            errors[item["key"]] = _("Choose one of the answers from %(low)d to %(high)d.") % {
                "low": low,
                "high": high,
            }
            continue
        chars.append(str(value))
    unknown = set(values) - {item["key"] for item in pulse.items}
    if unknown:
        errors["answers"] = _("These questions are not in this pulse: %s.") % ", ".join(
            sorted(unknown)
        )
    if errors:
        raise ValidationError(errors)
    return "".join(chars)


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


def _answer_groups_sql(
    *, pulse_ids: list[int] | None, organization_id: int | None
) -> tuple[str, list[Any]]:
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
    return sql, params


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


# Pulses read and summarised at a time. Each pulse's statistics depend on its
# own answers only, so the pulses can be summarised in chunks: while one
# chunk's statistics are computed on a second thread (NumPy and the database
# driver release the GIL while they work), the database computes the next
# one (BENCHMARKS.md, "Pulse statistics").
CHUNK_PULSES = 10_000


def results_summaries(
    *, pulse_ids: Iterable[int] | None = None, organization_id: int | None = None
) -> list[ResultBatch]:
    """The statistics of closed pulses, computed but not stored (the benchmark times this)."""
    ids = list(pulse_ids) if pulse_ids is not None else None
    common, other = _keyings(ids, organization_id)
    sql, params = _answer_groups_sql(pulse_ids=ids, organization_id=organization_id)
    postgresql = connection.vendor == "postgresql"
    # On PostgreSQL a server-side cursor, inside a transaction so that the
    # rows stream as they are fetched (a cursor held past its transaction
    # would be computed in full at the commit). On SQLite, a plain read: a
    # transaction there would take the write lock (IMMEDIATE mode), and
    # SQLite computes the rows as they are read anyway.
    with (
        transaction.atomic() if postgresql else nullcontext(),
        connection.chunked_cursor() if postgresql else connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        rows = cursor.fetchmany(CHUNK_PULSES)
        if len(rows) < CHUNK_PULSES:  # one chunk: no thread
            return _summarise(rows, common, other)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = []
            while rows:
                pending.append(pool.submit(_summarise, rows, common, other))
                rows = cursor.fetchmany(CHUNK_PULSES)
            return [batch for future in pending for batch in future.result()]


def _summarise(
    rows: Sequence[tuple[int, int, str]], common: str, other: Mapping[int, str]
) -> list[ResultBatch]:
    """The statistics of the pulses in ``rows``, one batch per keying."""
    if not rows:
        return []
    columns = tuple(zip(*rows, strict=True))
    if not other:
        return [_batch(common, *columns)]
    by_keying: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        by_keying.setdefault(other.get(row[0], common), []).append(index)
    return [
        _batch(key, *([column[i] for i in positions] for column in columns))
        for key, positions in by_keying.items()
    ]


def _batch(
    keying: str, pulses: Sequence[int], counts: Sequence[int], answers: Sequence[str]
) -> ResultBatch:
    scale, reverse = keying_parts(keying)
    keyed = decode(answers, reverse.size, scale, reverse)
    groups = np.repeat(np.arange(len(pulses)), np.asarray(counts, dtype=np.int64))
    batch = stats.batch_group_stats(keyed, groups, scale=scale)
    return ResultBatch([pulses[g] for g in batch.group.tolist()], batch, scale)


# Storing -------------------------------------------------------------------------

# What the statistics give for each pulse, in the order results_store loads
# them. The pulse's own facts (organization, team, instrument, closing day,
# who counted, its minimum, its comments) are joined in by the database: read
# into Python and written back, they would cost more than the statistics.
COMPUTED_COLUMNS = (
    "pulse_id",
    "n",
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
)
_INCOMING = "pulse_result_incoming"
_FLOATS = COMPUTED_COLUMNS[3:12]
# Results are stored to 12 decimal places. The last bits of a sum depend on
# the order the rows arrive in (the database does not promise one), and a
# recompute that changes nothing should write nothing; pages show two.
DECIMALS = 12


def _stored(values: np.ndarray) -> np.ndarray:
    return np.round(values, DECIMALS)


def results_store(batches: list[ResultBatch]) -> int:
    """Insert or update the results of ``batches``; returns how many rows changed.

    The computed values go into a temporary table in bulk; then the database
    joins in each pulse's facts and writes every result that is new or
    differs from what is stored. A recompute that changes nothing writes
    nothing (and leaves no dead row versions behind).
    """
    if not any(len(batch.stats) for batch in batches):
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        lock_stores()
        if connection.vendor == "postgresql":
            _load_postgresql(cursor, batches)
            changed = _write_postgresql(cursor)
        else:
            _load_rows(cursor, batches)
            cursor.execute(_upsert_sql())
            # Python's sqlite3 reports no row count for a statement that starts with WITH.
            cursor.execute("SELECT changes()")
            changed = cursor.fetchone()[0]
        # Dropped now: one transaction (the demo's seeding) may store many times.
        cursor.execute(f"DROP TABLE {_INCOMING}")
    return changed


# PostgreSQL: binary COPY, built with NumPy -----------------------------------------

# A float8[] or int4[] in COPY's binary format: dimensions, null flag, element type.
_FLOAT8_OID, _INT4_OID = 701, 23
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_TRAILER = b"\xff\xff"


def _array_fields(prefix: str, length: int, value: str) -> list[Any]:
    header = [(f"{prefix}_size", ">i4"), (f"{prefix}_ndim", ">i4"), (f"{prefix}_null", ">i4")]
    header += [(f"{prefix}_oid", ">i4"), (f"{prefix}_dim", ">i4"), (f"{prefix}_lbound", ">i4")]
    # Each element: its length, then its value.
    return [*header, (prefix, [("size", ">i4"), ("value", value)], (length,))]


def _copy_block(batch: ResultBatch) -> bytes:
    """One batch's rows in COPY's binary format.

    Every row of a batch has the same layout (the same number of items and
    answer options; NaN travels as NaN and becomes NULL in SQL), so the
    whole block is one NumPy structured array: no per-row Python, and no
    float turned into text and back, which is what made COPY's text format
    and executemany slow (BENCHMARKS.md, "Storing the results").
    """
    b = batch.stats
    rows, k = b.item_means.shape
    dist = b.distribution if b.distribution is not None else np.zeros((rows, 0), np.int64)
    points = dist.shape[1]
    fields: list[Any] = [("count", ">i2")]
    fields += [("pulse_id_size", ">i4"), ("pulse_id", ">i8"), ("n_size", ">i4"), ("n", ">i4")]
    fields += [("k_size", ">i4"), ("k", ">i2")]
    for name in _FLOATS:
        fields += [(f"{name}_size", ">i4"), (name, ">f8")]
    fields += _array_fields("item_means", k, ">f8") + _array_fields("distribution", points, ">i4")
    block = np.zeros(rows, dtype=np.dtype(fields))
    block["count"] = len(COMPUTED_COLUMNS)
    block["pulse_id_size"], block["pulse_id"] = 8, batch.pulse_ids
    block["n_size"], block["n"] = 4, b.n
    block["k_size"], block["k"] = 2, k
    for name in _FLOATS:
        block[f"{name}_size"], block[name] = 8, _stored(getattr(b, name))
    for prefix, values, size, oid in (
        ("item_means", _stored(b.item_means), 8, _FLOAT8_OID),
        ("distribution", dist, 4, _INT4_OID),
    ):
        length = values.shape[1]
        block[f"{prefix}_size"] = 20 + length * (4 + size)
        block[f"{prefix}_ndim"], block[f"{prefix}_oid"] = 1, oid
        block[f"{prefix}_dim"], block[f"{prefix}_lbound"] = length, 1
        block[prefix]["size"], block[prefix]["value"] = size, values
    return block.tobytes()


def _load_postgresql(cursor: Any, batches: list[ResultBatch]) -> None:
    # The temporary table holds the computed values as NumPy has them
    # (float8, float8[], int4[]), and so does the results table's arrays;
    # the write turns a NaN statistic into NULL, and keeps NaN in the arrays
    # (lib/fields.py's NumberList reads it back as None).
    types = ["bigint", "integer", "smallint"] + ["double precision"] * len(_FLOATS)
    types += ["double precision[]", "integer[]"]
    columns = ", ".join(f"{n} {t}" for n, t in zip(COMPUTED_COLUMNS, types, strict=True))
    cursor.execute(f"CREATE TEMPORARY TABLE {_INCOMING} ({columns})")
    with cursor.copy(f"COPY {_INCOMING} FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(_COPY_SIGNATURE)
        for batch in batches:
            if len(batch.stats):
                copy.write(_copy_block(batch))
        copy.write(_COPY_TRAILER)


# The store's joins are hash joins over every incoming result; with the
# default 4 MB each spilled to temporary files (BENCHMARKS.md, "Pulse statistics").
_STORE_WORK_MEM = "64MB"


def _write_postgresql(cursor: Any) -> int:
    """One ``MERGE``: results that differ are updated, new ones inserted.

    Each row is built once, in a subquery of its own (``OFFSET 0`` keeps it
    from being inlined, and lets the pulses' facts come from their covering
    index), and joined once with the stored results. An ``INSERT ... ON
    CONFLICT`` would pay a speculative insertion for every row (an extra
    probe of the primary key and an extra log record); separate ``UPDATE``
    and ``INSERT`` statements would each need the list of stored keys.
    Stores never insert the same result at once
    (:func:`~marblejar.pulse.locks.lock_stores`), so the insert cannot meet
    a row another store wrote since the join.
    """
    result = PulseResult._meta.db_table
    updated = STORED_COLUMNS[1:]
    cursor.execute(f"SET LOCAL work_mem = '{_STORE_WORK_MEM}'")
    cursor.execute(
        f"MERGE INTO {result} r USING ({_new_rows_sql()} OFFSET 0) new "  # noqa: S608
        "ON r.pulse_id = new.pulse_id "
        f"WHEN MATCHED AND ({', '.join(f'r.{n}' for n in updated)}) IS DISTINCT FROM "
        f"({', '.join(f'new.{n}' for n in updated)}) "
        f"THEN UPDATE SET {', '.join(f'{n} = new.{n}' for n in updated)} "
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(STORED_COLUMNS)}, is_latest) "
        f"VALUES ({', '.join(f'new.{n}' for n in STORED_COLUMNS)}, FALSE)"
    )
    changed = cursor.rowcount
    # The rest of an enclosing transaction (a pulse's close) keeps the server's.
    cursor.execute("SET LOCAL work_mem TO DEFAULT")
    return changed


# SQLite: executemany into a table with no index ------------------------------------


def _nullable(values: np.ndarray) -> list[float | None]:
    listed = values.tolist()
    return [None if v != v else v for v in listed] if np.isnan(values).any() else listed


def _packed_rows(values: np.ndarray, column: str) -> list[bytes]:
    """Each row packed as :class:`~marblejar.lib.fields.NumberList` stores it on SQLite.

    The bytes of the whole array, cut at its row boundaries: no number is
    formatted (writing each row as JSON cost more than the statistics;
    BENCHMARKS.md, "Pulse statistics"). NaN is written as the one NaN the
    field writes, so that an unchanged row compares equal byte for byte.
    """
    rows, k = values.shape
    packed = np.asarray(values, dtype=PulseResult._meta.get_field(column).packed_dtype)
    if packed.dtype.kind == "f":
        packed = np.where(np.isnan(packed), np.nan, packed).astype(packed.dtype)
    raw = packed.tobytes()
    width = k * packed.dtype.itemsize
    return [raw[i : i + width] for i in range(0, rows * width, width)] if width else [b""] * rows


def computed_rows(batches: list[ResultBatch]) -> list[tuple]:
    """One tuple per pulse in the order of :data:`COMPUTED_COLUMNS`; NULL for NaN."""
    rows: list[tuple] = []
    for batch in batches:
        b = batch.stats
        if not len(b):
            continue
        floats = [_nullable(_stored(getattr(b, name))) for name in _FLOATS]
        distribution = (
            _packed_rows(b.distribution, "distribution")
            if b.distribution is not None
            else [b""] * len(b)
        )
        k = [int(b.item_means.shape[1])] * len(b)
        rows.extend(
            zip(
                batch.pulse_ids,
                b.n.tolist(),
                k,
                *floats,
                _packed_rows(_stored(b.item_means), "item_means"),
                distribution,
                strict=True,
            )
        )
    return rows


def _load_rows(cursor: Any, batches: list[ResultBatch]) -> None:
    # SQLite runs in-process: executemany into a table with no index is as
    # fast as loading gets there.
    columns = ", ".join(COMPUTED_COLUMNS)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_INCOMING} AS SELECT {columns} "  # noqa: S608
        f"FROM {PulseResult._meta.db_table} WHERE 1 = 0"
    )
    marks = ", ".join(["%s"] * len(COMPUTED_COLUMNS))
    cursor.executemany(f"INSERT INTO {_INCOMING} VALUES ({marks})", computed_rows(batches))  # noqa: S608


def _new_rows_sql() -> str:
    """Each incoming result as stored, the pulse's own facts joined in."""
    pulse = Pulse._meta.db_table
    comment = Comment._meta.db_table
    postgresql = connection.vendor == "postgresql"
    source = {
        "pulse_id": "c.pulse_id",
        "organization_id": "p.organization_id",
        "team_id": "p.team_id",
        "instrument_slug": "p.instrument_slug",
        "closed_on": (
            "(p.closed_at AT TIME ZONE 'UTC')::date" if postgresql else "date(p.closed_at)"
        ),
        "n": "c.n",
        # Pulses closed before "who counts" was recorded count everyone.
        "counted": "COALESCE(p.counted, c.n)",
        "min_group_size": "p.min_group_size",
        "k": "c.k",
        **{name: f"NULLIF(c.{name}, 'NaN')" if postgresql else f"c.{name}" for name in _FLOATS},
        # As loaded: arrays on PostgreSQL, packed bytes on SQLite (lib/fields.py's NumberList).
        "item_means": "c.item_means",
        "distribution": "c.distribution",
        "comment_count": "COALESCE(cc.count, 0)",
    }
    assert list(source) == list(STORED_COLUMNS)
    return (
        f"SELECT {', '.join(f'{v} AS {n}' for n, v in source.items())} "  # noqa: S608
        f"FROM {_INCOMING} c JOIN {pulse} p ON p.id = c.pulse_id "
        f"LEFT JOIN (SELECT pulse_id, COUNT(*) AS count FROM {comment} "
        f"WHERE pulse_id IN (SELECT pulse_id FROM {_INCOMING}) GROUP BY pulse_id) cc "
        "ON cc.pulse_id = c.pulse_id"
    )


def _upsert_sql() -> str:
    """SQLite: one INSERT ... ON CONFLICT of every new or changed result, facts joined in."""
    result = PulseResult._meta.db_table
    updated = STORED_COLUMNS[1:]
    changed = " OR ".join(f"r.{n} IS NOT new.{n}" for n in updated)
    return (
        f"WITH new AS ({_new_rows_sql()}) "  # noqa: S608
        f"INSERT INTO {result} ({', '.join(STORED_COLUMNS)}, is_latest) "
        f"SELECT {', '.join(f'new.{n}' for n in STORED_COLUMNS)}, FALSE FROM new "
        # Comparing here, before the insert, costs a join; comparing in the
        # ON CONFLICT clause would cost a probe of the primary key per row.
        f"LEFT JOIN {result} r ON r.pulse_id = new.pulse_id "
        f"WHERE r.pulse_id IS NULL OR {changed} "
        f"ON CONFLICT (pulse_id) DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in updated)}"
    )
