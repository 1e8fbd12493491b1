"""``{% part_attrs "columns" %}``: a live part's element, written from the vocabulary.

Every attribute that makes a part reload itself (its id, its URL, the
events it listens to, its delay) comes from :data:`marblejar.reviews.parts.PARTS`,
so a template names the part and nothing else.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from marblejar.reviews.parts import PARTS

register = template.Library()


@register.simple_tag(takes_context=True)
def part_attrs(context: dict[str, Any], name: str) -> str:
    part = PARTS[name]
    review = context["review"]
    url = reverse("reviews:section", args=[review.pk, part.name])
    if context.get("present"):
        url += "?present=1"
    trigger = f"refresh delay:{part.delay_ms}ms" if part.delay_ms else "refresh"
    if part.name == "presence":
        trigger += ", every 30s"
    return format_html(
        'id="{}" class="live-part {}" hx-get="{}" hx-trigger="{}" hx-sync="this:queue last" '
        'data-refresh-on="{}" hx-swap="innerHTML"',
        part.element_id,
        part.css_class,
        url,
        trigger,
        part.events,
    )


@register.simple_tag(takes_context=True)
def move_menu(context: Any, note: Any) -> str:
    """A card's "Move to…" menu: the keyboard way to group it.

    Written here rather than in a template because a board holds hundreds
    of cards, each with a menu of every theme: built from pieces made once
    per rendering, it costs a string join per card instead of a template
    loop, a URL lookup and a CSRF token each.
    """
    # Kept in the outermost context, which every included card shares (the
    # render context is per template, so each include would start afresh).
    cache = context.dicts[0].setdefault("_move_menu", {})
    if not cache:
        review = context["review"]
        cache["url"] = reverse("reviews:note_move", args=[review.pk, _PLACEHOLDER])
        cache["csrf"] = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', context["csrf_token"]
        )
        cache["themes"] = [
            (
                theme.pk,
                format_html(_THEME_CHOICE, theme.pk, theme.title),
            )
            for theme in context.get("theme_choices") or []
        ]
        cache["move_to"] = _("Move to…")
        cache["new_theme"] = format_html(
            '<li><button type="submit" name="new_theme" value="1" class="link">{}</button></li>',
            _("A new theme, named after this card"),
        )
        cache["back"] = {}
    back = ""
    if note.theme_id:
        back = cache["back"].get(note.column_label)
        if back is None:
            back = cache["back"][note.column_label] = format_html(
                '<li><button type="submit" name="theme" value="" class="link">{}</button></li>',
                _("Back to “%(column)s”") % {"column": note.column_label},
            )
    choices = "".join(html for pk, html in cache["themes"] if pk != note.theme_id)
    url = cache["url"].replace(_PLACEHOLDER, str(note.pk))
    return format_html(
        '<details class="move-menu"><summary>{}<span class="visually-hidden">: {}</span></summary>'
        '<form method="post" action="{}" hx-post="{}" hx-target="#part-phase" hx-swap="innerHTML"'
        ' class="move-form">{}<input type="hidden" name="onto" value="">'
        '<input type="hidden" name="drop" value=""><ul class="move-choices">{}{}{}</ul></form>'
        "</details>",
        cache["move_to"],
        note.text[:40],
        url,
        url,
        cache["csrf"],
        SafeString(choices),  # joined from pieces format_html escaped
        cache["new_theme"],
        back,
    )


@register.simple_tag(takes_context=True)
def group_card(context: Any, note: Any) -> str:
    """A card of the group phase: column marker, author, text, and its menu.

    The same markup a template would write, made in Python because the group
    part draws every card of the review on each reload (a 50-person review
    has 200).
    """
    menu = move_menu(context, note) if context.get("can_participate") else ""
    author = f" · {note.author.display_name}" if note.author_id and note.author else ""
    return format_html(
        '<li class="card-note col-{}" draggable="{}" data-note="{}" id="note-{}">{}'
        '<p class="card-col"><span class="marker" aria-hidden="true">{}</span> {}{}</p>'
        '<p class="card-text">{}</p></li>',
        note.column_index,
        "true" if context.get("can_participate") else "false",
        note.pk,
        note.pk,
        menu,
        note.column_marker,
        note.column_label,
        author,
        linebreaksbr(note.text, autoescape=True),
    )


_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
_THEME_CHOICE = '<li><button type="submit" name="theme" value="{}" class="link">{}</button></li>'
