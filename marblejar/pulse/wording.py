"""Sentences about a pulse that several surfaces share (pages, live updates, the API)."""

from __future__ import annotations

from django.utils.translation import ngettext


def participation_sentence(count: int, *, still_open: bool) -> str:
    """How many people answered, never who; "so far" only while answers are still taken."""
    if still_open:
        return ngettext(
            "%(n)d person has answered so far.", "%(n)d people have answered so far.", count
        ) % {"n": count}
    return ngettext("%(n)d person answered.", "%(n)d people answered.", count) % {"n": count}
