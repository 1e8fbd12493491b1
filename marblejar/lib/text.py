"""Limits on what people write, with the message shown when a text is too long."""

from __future__ import annotations

from django.utils.translation import gettext as _

# The longest reflection section, comment, note or report a person may post.
MAX_TEXT = 20_000


def too_long(length: int, limit: int = MAX_TEXT) -> str:
    return _("Keep it to %(max)s characters or fewer (this has %(n)s).") % {
        "max": f"{limit:,}",
        "n": f"{length:,}",
    }
