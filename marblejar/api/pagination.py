"""Pages of a list: ``?limit=`` and ``?offset=`` within bounds a database can hold."""

from __future__ import annotations

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 500
# Far beyond any list here, and far within what SQLite and PostgreSQL take
# as an OFFSET (ninja's own bound is none: ?offset=1e20 reached the database).
MAX_OFFSET = 2**31 - 1


class PageIn(Schema):
    limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class Pages(LimitOffsetPagination):
    Input = PageIn
