"""Rendered parts of the board, kept by the review's version, for every reader alike.

When the review's stream signals a change, every reader's board reloads the
same part at the same version: the group phase's 200 cards, the spotlighted
theme. What such a part shows depends only on the review's state and on what
the reader may do in it, so the first reader's rendering serves the others.
It is kept in the ``fragments`` cache (this process's memory, never Redis),
under a key made of:

- the review, and its version: the id of the newest event on its stream,
  read with the review in the same statement (a change publishes an event,
  so a changed review has a new key and nothing is ever invalidated);
- the part and the phase; the row's fields a part shows that change without
  an event of their own (anonymity, spotlight, votes per person, columns);
- the reader's rights (participate, facilitate, go first, guest, present
  mode), language and time zone.

Nothing of one reader goes into a kept fragment: the parts kept are those
that show no reader their own notes or votes (:data:`KEPT`), a fragment is
never kept while the page shows a refused form, and the CSRF token is
written as a stand-in that each reader's own token replaces on the way out.
A fragment is kept at most :data:`TIMEOUT` seconds, which bounds how long a
change that publishes nothing (a person renaming themselves) can go unseen.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from marblejar.reviews.parts import DISCUSS, GROUP, VOTE

# The parts kept whole, and the phases in which they are.
KEPT: dict[str, frozenset[str]] = {
    "groups": frozenset({GROUP}),
    "theme": frozenset({DISCUSS}),
}
# The vote part shows each reader their own votes; only its cards are kept.
VOTE_CARDS = "vote-cards"
VOTE_CARDS_PHASES = frozenset({VOTE})
TIMEOUT = 300

# Written where a reader's CSRF token goes. A safe string with angle
# brackets: a note's text is escaped, so no text anyone writes can become it.
CSRF_STAND_IN = mark_safe("<marblejar-csrf>")  # noqa: S308 (a constant)


def _cache() -> Any:
    return caches["fragments"]


def key(name: str, review: Any, ctx: dict[str, Any], user: Any) -> str | None:
    """The fragment's key, or None when this rendering must not be kept or reused."""
    phases = VOTE_CARDS_PHASES if name == VOTE_CARDS else KEPT.get(name)
    if phases is None or review.phase not in phases or ctx.get("forms"):
        return None
    version = ctx.get("version")
    if not version:
        return None
    state = hash(
        (
            review.anonymous,
            review.spotlight_id,
            review.skipped_grouping,
            review.votes_per_person,
            review.kind,
            review.timeline,
            repr(review.columns),
        )
    )
    rights = "".join(
        "1" if flag else "0"
        for flag in (
            ctx.get("can_participate"),
            ctx.get("can_facilitate"),
            ctx.get("can_go_first"),
            ctx.get("present"),
            getattr(user, "is_guest", False),
        )
    )
    return ":".join(
        (
            "board",
            str(review.pk),
            str(version),
            name,
            review.phase,
            f"{state:x}",
            rights,
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
        )
    )


def get(fragment_key: str | None) -> Any:
    if fragment_key is None:
        return None
    return _cache().get(fragment_key)


def put(fragment_key: str | None, value: Any) -> None:
    if fragment_key is not None:
        _cache().set(fragment_key, value, TIMEOUT)


def for_reader(request: Any, html: str) -> SafeString:
    """A kept fragment with this reader's CSRF token in place of the stand-in."""
    if CSRF_STAND_IN in html:
        html = html.replace(CSRF_STAND_IN, get_token(request))
    return mark_safe(html)  # noqa: S308 (rendered by a template, escaped there)
