"""How Marblejar writes a day or a moment for people: one format, defined once.

The formats live in ``marblejar/formats/<language>/formats.py``, which Django
reads through ``FORMAT_MODULE_PATH``: "1 Dec 2026" for a day, "1 Dec 2026,
14:05" for a moment, in the site's time zone. Templates use them by name
(``{{ d|date:"DATE_FORMAT" }}``, ``{{ t|date:"DATETIME_FORMAT" }}``); Python
code that writes for people (e-mails, messages, exports meant to be read)
uses :func:`day` and :func:`moment`. Machines get ISO 8601: the API, JSON
exports and ``<time datetime="…">`` attributes.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format


def day(value: date | datetime) -> str:
    """``1 Dec 2026``; a moment is first put in the site's time zone."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "DATE_FORMAT")


def month(value: date | datetime) -> str:
    """``December 2026``: a whole month, for tables and summaries by month."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "YEAR_MONTH_FORMAT")


def moment(value: datetime, *, with_zone: bool = False) -> str:
    """``1 Dec 2026, 14:05`` in the site's time zone (``… 14:05 CET`` with ``with_zone``)."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    text = date_format(local, "DATETIME_FORMAT")
    return f"{text} {local.strftime('%Z')}".rstrip() if with_zone else text
