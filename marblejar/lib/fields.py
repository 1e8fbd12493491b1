"""Model fields of our own."""

from __future__ import annotations

import json
import math
import struct
from typing import Any

from django.db import models


class NumberList(models.Field):
    """A short list of numbers, stored so that many rows can be written in bulk cheaply.

    Python sees a list, ``None`` for a missing number. In the database:

    * PostgreSQL: a native array, ``double precision[]`` (``integer[]`` with
      ``integers=True``), so that a bulk store copies NumPy's arrays as they
      are (building ``jsonb`` parsed every number into a ``numeric``);
    * SQLite: the numbers packed in a blob, little-endian ``float64`` (or
      ``int32``), as NumPy's ``tobytes()`` gives them (writing JSON meant
      formatting every number as text in Python).

    Either way a missing float is stored as ``NaN``, which compares equal to
    itself there (PostgreSQL orders NaN as one value; the blob compares its
    bytes), so storing the same list again changes nothing. Both reasons are
    measured in BENCHMARKS.md ("Pulse statistics").
    """

    description = "A list of numbers"
    empty_strings_allowed = False

    def __init__(self, *args: Any, integers: bool = False, **kwargs: Any) -> None:
        self.integers = integers
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.integers:
            kwargs["integers"] = True
        return name, path, args, kwargs

    @property
    def packed_dtype(self) -> str:
        """The NumPy type of one packed number on SQLite (what a bulk store writes)."""
        return "<i4" if self.integers else "<f8"

    @property
    def _code(self) -> str:  # the same, for struct
        return "i" if self.integers else "d"

    def db_type(self, connection: Any) -> str:
        if connection.vendor == "postgresql":
            return "integer[]" if self.integers else "double precision[]"
        return "blob"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or hasattr(value, "as_sql"):
            return value
        if self.integers:
            numbers: list[Any] = [int(v) for v in value]
        else:
            numbers = [math.nan if v is None else float(v) for v in value]
        if connection.vendor == "postgresql":
            return numbers
        return struct.pack(f"<{len(numbers)}{self._code}", *numbers)

    def get_placeholder_sql(self, value: Any, compiler: Any, connection: Any) -> Any:
        # Typed on PostgreSQL, as contrib.postgres's ArrayField does: an empty
        # list has no type of its own.
        cast = f"::{self.db_type(connection)}" if connection.vendor == "postgresql" else ""
        if hasattr(value, "as_sql"):
            sql, params = compiler.compile(value)
            return f"{sql}{cast}", params
        return f"%s{cast}", (value,)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bytes | memoryview):
            size = 4 if self.integers else 8
            value = struct.unpack(f"<{len(value) // size}{self._code}", value)
        if self.integers:
            return list(value)
        return [None if v != v else v for v in value]

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value)
        return value

    def value_to_string(self, obj: Any) -> Any:
        # The list itself, as JSONField gives it: serializers write it as JSON.
        return self.value_from_object(obj)
