"""What each marble in the jar stands for, in words: one honest sentence per kind of act.

The history page and the live announcement on the team page both tell a
marble's story from here, so an act is never described as something it was
not (a review's go-first as a lesson learned, an answered question as a
lesson shared). Names come in as text, never ids, so the live announcement
needs no database access.
"""

from __future__ import annotations

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marblejar.jar.models import Act, Response

# (without the reflection, with a link to it as %(title)s)
ACT_SENTENCES = {
    Act.MISTAKE: (
        gettext_lazy("%(name)s shared a mistake and what they did to correct it."),
        gettext_lazy("%(name)s shared a mistake and what they did to correct it: %(title)s."),
    ),
    Act.LESSON: (
        gettext_lazy("%(name)s shared a lesson."),
        gettext_lazy("%(name)s shared a lesson: %(title)s."),
    ),
    Act.LEARNING: (
        gettext_lazy("%(name)s shared something they are still learning."),
        gettext_lazy("%(name)s shared something they are still learning: %(title)s."),
    ),
    Act.HELP: (
        gettext_lazy("%(name)s asked for help."),
        gettext_lazy("%(name)s asked for help: %(title)s."),
    ),
    Act.UPDATE: (
        gettext_lazy("%(name)s posted an update on what they are learning."),
        gettext_lazy("%(name)s posted an update on what they are learning: %(title)s."),
    ),
    Act.GO_FIRST: (
        gettext_lazy(
            "%(name)s went first in a learning review: they wrote their own part before "
            "anyone else's notes were shown."
        ),
    )
    * 2,
    Act.QUESTION: (
        gettext_lazy(
            "%(name)s asked a question in a learning review and said why they were asking."
        ),
    )
    * 2,
}

REVIEW_ACTS = (Act.GO_FIRST, Act.QUESTION)
ANY_ACT = (
    gettext_lazy("%(name)s took a risk."),
    gettext_lazy("%(name)s took a risk: %(title)s."),
)

RESPONSE_SENTENCES = {
    Response.THANKS: gettext_lazy("%(name)s said thank you."),
    Response.ME_TOO: gettext_lazy("%(name)s said “me too”."),
    Response.LEARNED: gettext_lazy("%(name)s learned from it."),
    Response.HELP: gettext_lazy("%(name)s asked how they could help."),
    Response.OFFER: gettext_lazy("%(name)s offered help."),
    Response.COMMENT: gettext_lazy("%(name)s responded with care."),
    Response.OFFLINE: gettext_lazy("%(name)s met it with respect."),
}
# What met the act, where the kind of act says it better than the response does.
RESPONSE_FOR_ACT = {
    Act.QUESTION: gettext_lazy("%(name)s answered it."),
}


def _fill(sentence: str, **parts: str | SafeString) -> SafeString:
    escaped = conditional_escape(str(sentence)) % {
        key: conditional_escape(value) for key, value in parts.items()
    }
    return mark_safe(escaped)  # noqa: S308 (the sentence and every part escaped just above)


def marble_story(
    *,
    act: str,
    act_by: str,
    response: str,
    response_by: str,
    reflection_title: str = "",
    reflection_url: str = "",
    strong_act_by: bool = False,
) -> list[SafeString]:
    """The sentences telling a marble's story (never for a marble dropped by hand).

    ``act_by`` and ``response_by`` are display names, empty for someone who
    deleted their account or wrote in an anonymous review. A go-first marble
    names nobody who responded: the review's close dropped it, not a
    teammate's reply, so no sentence says anyone did.
    """
    # A review may be anonymous, so a missing name there is not always a deleted account.
    nameless = _("Someone") if act in REVIEW_ACTS else _("A former teammate")

    def name(value: str) -> str:
        return value or nameless

    who = format_html("<strong>{}</strong>", name(act_by)) if strong_act_by else name(act_by)

    without_title, with_title = ACT_SENTENCES.get(act, ANY_ACT)
    if reflection_title and reflection_url:
        title = format_html('<a href="{}">{}</a>', reflection_url, reflection_title)
        sentences = [_fill(with_title, name=who, title=title)]
    else:
        sentences = [_fill(without_title, name=who)]
    if act == Act.GO_FIRST and not response_by:
        return sentences
    met = RESPONSE_FOR_ACT.get(act) or RESPONSE_SENTENCES.get(response)
    if met is not None:
        sentences.append(_fill(met, name=name(response_by)))
    return sentences
