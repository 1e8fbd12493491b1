"""A read the ORM compiles once: for the one query that every request of a page makes.

Building a queryset and compiling it to SQL costs far more than running it
when the query is small and indexed: the board reads its review (with its
team, its facilitator, the reader's role and the stream's newest event) in
every request of the page and of each of its parts, and Django spends most
of that read writing the same SQL again. :class:`PreparedRead` builds the
queryset once, with a stand-in for each value that varies, compiles it, and
from then on runs that SQL with the real values and turns the row into
objects the way the queryset would (related objects and annotations
included). The result is the queryset's own: ``tests/test_prepared.py``
compares them, field by field, on every database the tests run on.

The compiled query is kept per database connection (a connection belongs to
one thread), so it is never shared between threads, and each database's
dialect gets its own. The queryset is compiled twice, with two sets of
stand-ins: a parameter that is the same both times and is neither stand-in
is a constant of the query (a status, EXISTS' ``1``) and is kept as it is;
one that moved with the stand-ins but is neither (a value derived from one,
such as a date a week before ``now``) makes the query not prepared: it is
then run through the queryset every time, as before.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable

try:  # Django's own internals: a release without them runs every read through the ORM.
    from django.db.models.query import DEFAULT_FETCH_MODE, _get_from_db, get_related_populators
except ImportError:  # pragma: no cover - depends on the Django release
    DEFAULT_FETCH_MODE = _get_from_db = get_related_populators = None


# The slot of a parameter that is a constant of the query (its value then
# stands where the adapter would).
_CONSTANT = object()


def _other(value: Any) -> Any:
    """Another stand-in of the same type, to tell constants from values (None: no such)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value - 1
    if isinstance(value, str):
        return value + "~"
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    return None


@dataclass
class _Compiled:
    sql: str
    # For each parameter: the keyword whose value it is, or _CONSTANT.
    slots: tuple[Any, ...]
    compiler: Any
    # For each slot: what turns the value into the parameter (None: as given).
    adapters: tuple[Callable[[Any], Any] | None, ...] = ()
    # For model instances (``first()``, ``all()``): where the model's columns are in a
    # row, and what turns the rest into related objects and annotations.
    start: int = 0
    end: int = 0
    init_list: list[str] = field(default_factory=list)
    from_db: Callable[..., Model] | None = None
    related: list[Any] = field(default_factory=list)
    annotations: dict[str, int] = field(default_factory=dict)
    # What turns each column as read into its Python value (a UUID from
    # SQLite's text, say): worked out once, as ``results_iter`` would on every read.
    converters: dict[int, Any] | None = None
    # How many of a row's columns are the query's own: the rest were added for
    # the database (an ORDER BY column a DISTINCT must select) and are cut off,
    # as Django's ``execute_sql`` does.
    width: int | None = None

    def results(self, rows: list[Any], *, tuple_expected: bool = False) -> Any:
        """``compiler.results_iter([rows])``, with the converters worked out at compile time."""
        if self.converters is None:
            return self.compiler.results_iter([rows], tuple_expected=tuple_expected)
        if not self.converters:
            return rows
        converted = self.compiler.apply_converters(rows, self.converters)
        return map(tuple, converted) if tuple_expected else converted


class PreparedRead:
    """``build(**values)``, its SQL compiled once per connection: one model, or rows of values.

    ``stand_ins`` gives, for each keyword ``build`` takes, a value of the
    right type that no real call passes (a negative id, say); they are only
    used to find where each value goes among the compiled parameters.

    ``build`` must depend on its keywords alone. A parameter that comes out
    the same in two compilations with different stand-ins is kept as a
    constant of the query for the connection's lifetime, so anything else
    ``build`` reads (today's date, a setting, the language, a time worked
    out at the call) must be one of its keywords.
    """

    def __init__(self, name: str, build: Callable[..., QuerySet], **stand_ins: Any) -> None:
        self.name = name
        self.build = build
        self.stand_ins = stand_ins
        self.model = build(**stand_ins).model

    def first(self, **values: Any) -> Model | None:
        """The first row of ``build(**values)``, as the queryset's ``first()`` would give it."""
        alias, compiled = self._compiled("first")
        if compiled is None:
            return self.build(**values).first()
        row = self._execute(alias, compiled, values, one=True)
        return None if row is None else self._instances(alias, compiled, [row])[0]

    def all(self, **values: Any) -> list[Model]:
        """Every row of ``build(**values)``, as the queryset's model instances."""
        alias, compiled = self._compiled("all")
        if compiled is None:
            return list(self.build(**values))
        rows = self._execute(alias, compiled, values, one=False)
        return self._instances(alias, compiled, rows)

    @staticmethod
    def _instances(alias: str, compiled: _Compiled, rows: list[Any]) -> list[Model]:
        objects = []
        for row in compiled.results(rows):
            obj = compiled.from_db(alias, compiled.init_list, row[compiled.start : compiled.end])
            for populator in compiled.related:
                populator.populate(row, obj)
            for attr, position in compiled.annotations.items():
                setattr(obj, attr, row[position])
            objects.append(obj)
        return objects

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """Every row of ``build(**values)``, a ``values_list()`` queryset, as its tuples."""
        alias, compiled = self._compiled("rows")
        if compiled is None:
            return [tuple(row) for row in self.build(**values)]
        rows = self._execute(alias, compiled, values, one=False)
        return list(compiled.results(rows, tuple_expected=True))

    def _compiled(self, how: str) -> tuple[str, _Compiled | None]:
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        prepared = connection.__dict__.setdefault("marblejar_prepared", {})
        compiled = prepared.get(self.name)
        if compiled is None:
            compiled = prepared[self.name] = self._compile(alias, how) or False
        return alias, compiled or None

    @staticmethod
    def _execute(alias: str, compiled: _Compiled, values: dict[str, Any], *, one: bool) -> Any:
        with connections[alias].cursor() as cursor:
            params = [
                adapt
                if slot is _CONSTANT
                else values[slot]
                if adapt is None
                else adapt(values[slot])
                for slot, adapt in zip(compiled.slots, compiled.adapters, strict=True)
            ]
            cursor.execute(compiled.sql, params)
            if one:
                row = cursor.fetchone()
                return row if row is None or compiled.width is None else row[: compiled.width]
            rows = cursor.fetchall()
            return rows if compiled.width is None else [r[: compiled.width] for r in rows]

    def _compile(self, alias: str, how: str) -> _Compiled | None:
        if get_related_populators is None:
            return None
        queryset = self.build(**self.stand_ins)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            return None
        if queryset._fetch_mode is not DEFAULT_FETCH_MODE:
            return None
        if how in ("first", "all"):
            if queryset._iterable_class is not ModelIterable:
                return None
            if how == "first":
                queryset = (queryset if queryset.ordered else queryset.order_by("pk"))[:1]
        elif queryset._iterable_class is not ValuesListIterable:
            return None
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # Compiled a second time with other stand-ins: a parameter that is the
        # same in both and matches no stand-in is a constant of the query (a
        # status, EXISTS' 1); one that moved with them but matches none is
        # derived from a value (a date a week before ``now``): not prepared.
        others = {name: _other(value) for name, value in self.stand_ins.items()}
        if any(value is None for value in others.values()):
            others = None
        else:
            again = self.build(**others)
            if how == "first" and not again.ordered:
                again = again.order_by("pk")
            again = again[:1] if how == "first" else again
            sql_again, params_again = again.query.get_compiler(using=alias).as_sql()
            if sql_again != sql or len(params_again) != len(params):
                return None
        # A date and time is passed as the database takes it (SQLite: as
        # text), so it is found, and later given, in that form.
        ops = connections[alias].ops

        def forms_of(values: dict[str, Any]) -> dict[str, list[tuple[Any, Any]]]:
            forms: dict[str, list[tuple[Any, Any]]] = {}
            for name, stand_in in values.items():
                forms[name] = [(stand_in, None)]
                if isinstance(stand_in, datetime):
                    adapted = ops.adapt_datetimefield_value(stand_in)
                    if type(adapted) is not type(stand_in) or adapted != stand_in:
                        forms[name].append((adapted, ops.adapt_datetimefield_value))
            return forms

        def matches(forms: dict[str, list[tuple[Any, Any]]], param: Any) -> list[tuple[str, Any]]:
            return [
                (name, adapt)
                for name, candidates in forms.items()
                for value, adapt in candidates
                if type(value) is type(param) and value == param
            ]

        forms = forms_of(self.stand_ins)
        other_forms = forms_of(others) if others is not None else {}
        slots, adapters = [], []
        for position, param in enumerate(params):
            found = matches(forms, param)
            if others is None:
                if len(found) != 1:
                    return None
            else:
                param_again = params_again[position]
                found_again = matches(other_forms, param_again)
                if len(found) == 1 and [f[0] for f in found_again] == [found[0][0]]:
                    pass
                elif not found_again and type(param) is type(param_again) and param == param_again:
                    found = [(_CONSTANT, param)]
                else:
                    return None
            slots.append(found[0][0])
            adapters.append(found[0][1])
        compiled = _Compiled(
            sql=sql, slots=tuple(slots), compiler=compiler, adapters=tuple(adapters)
        )
        if compiler.has_extra_select:
            compiled.width = compiler.col_count
        columns = [s[0] for s in compiler.select[0 : compiler.col_count]]
        if not compiler.has_composite_fields(columns):
            compiled.converters = compiler.get_converters(columns)
        if how in ("first", "all"):
            select, klass_info = compiler.select, compiler.klass_info
            fields = klass_info["select_fields"]
            compiled.start, compiled.end = fields[0], fields[-1] + 1
            columns = select[compiled.start : compiled.end]
            compiled.init_list = [f[0].target.attname for f in columns]
            compiled.from_db = _get_from_db(klass_info["model"], queryset._fetch_mode)
            compiled.related = get_related_populators(
                klass_info, select, alias, queryset._fetch_mode
            )
            compiled.annotations = dict(compiler.annotation_col_map)
        return compiled


class PreparedPages:
    """``build(offset=..., size=..., **values)``, a page of a list, compiled once per page.

    A slice's offset and size are written into the statement's text, not
    passed as parameters, so each page is its own :class:`PreparedRead`,
    made on first use for each of the first ``pages`` pages of a size; a
    page beyond them (rarely read) runs through the queryset every time.
    """

    def __init__(
        self, name: str, build: Callable[..., QuerySet], *, pages: int = 20, **stand_ins: Any
    ) -> None:
        self.name = name
        self.build = build
        self.pages = pages
        self.stand_ins = stand_ins
        self.reads: dict[tuple[int, int], PreparedRead] = {}

    def _read(self, offset: int, size: int) -> PreparedRead | None:
        if offset // size >= self.pages:
            return None
        read = self.reads.get((offset, size))
        if read is None:
            build = functools.partial(self.build, offset=offset, size=size)
            read = PreparedRead(f"{self.name}:{offset}:{size}", build, **self.stand_ins)
            self.reads[(offset, size)] = read
        return read

    def all(self, *, offset: int, size: int, **values: Any) -> list[Model]:
        """The page's rows as the queryset's model instances."""
        read = self._read(offset, size)
        if read is None:
            return list(self.build(offset=offset, size=size, **values))
        return read.all(**values)

    def rows(self, *, offset: int, size: int, **values: Any) -> list[tuple[Any, ...]]:
        """The page's rows of a ``values_list()`` queryset, as tuples."""
        read = self._read(offset, size)
        if read is None:
            return [tuple(row) for row in self.build(offset=offset, size=size, **values)]
        return read.rows(**values)
