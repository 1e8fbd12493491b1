"""Model fields of our own."""

from __future__ import annotations

import math
from typing import Any

from django.db import models


class NumberList(models.JSONField):
    """A short list of numbers: a native array on PostgreSQL, JSON elsewhere.

    On PostgreSQL the column is ``double precision[]`` (``integer[]`` with
    ``integers=True``), so that storing many rows in bulk copies NumPy's
    arrays as they are: building ``jsonb`` instead parses every number into
    a ``numeric``, which was the largest part of rewriting an organization's
    pulse results (BENCHMARKS.md, "Pulse statistics"). Other databases keep
    Django's JSON column.

    Either way Python sees a list, ``None`` for a missing number. A missing
    float is stored as ``NaN`` in the array (PostgreSQL compares ``NaN``
    equal to ``NaN``, so rewriting the same list changes nothing), as JSON's
    ``null`` elsewhere.
    """

    description = "A list of numbers"

    def __init__(self, *args: Any, integers: bool = False, **kwargs: Any) -> None:
        self.integers = integers
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.integers:
            kwargs["integers"] = True
        return name, path, args, kwargs

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "integer[]" if self.integers else "double precision[]"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if connection.vendor != "postgresql" or value is None or hasattr(value, "as_sql"):
            return super().get_db_prep_value(value, connection, prepared)
        if self.integers:
            return [int(v) for v in value]
        return [math.nan if v is None else float(v) for v in value]

    def get_placeholder_sql(self, value: Any, compiler: Any, connection: Any) -> Any:
        # Typed, as contrib.postgres's ArrayField does: an empty list has no
        # type of its own, and a bulk insert cannot pass arrays of arrays.
        cast = f"::{self.db_type(connection)}" if connection.vendor == "postgresql" else ""
        if hasattr(value, "as_sql"):
            sql, params = compiler.compile(value)
            return f"{sql}{cast}", params
        return f"%s{cast}", (value,)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if connection.vendor != "postgresql" or value is None:
            return super().from_db_value(value, expression, connection)
        if self.integers:
            return value
        return [None if v != v else v for v in value]
