"""``{% part_attrs "columns" %}``: a live part's element, written from the vocabulary.

Every attribute that makes a part reload itself (its id, its URL, the
events it listens to, its delay) comes from :data:`marblejar.reviews.parts.PARTS`,
so a template names the part and nothing else.
"""

from __future__ import annotations

import functools
import unicodedata
import uuid
from html import escape as _esc  # Django's escape() without its lazy wrapper: for the per-card path
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, normalize_newlines
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marblejar.reviews import fragments
from marblejar.reviews.parts import PARTS

register = template.Library()


@register.simple_tag(takes_context=True)
def part_attrs(context: dict[str, Any], name: str) -> str:
    """The part's element: it reloads itself when the review's stream names its events.

    The stream is the htmx SSE extension's (``sse-connect`` on the board);
    each of the part's events is an ``sse:review_<kind>`` trigger, with the
    part's delay so that a burst costs one reload, and ``consume`` so that
    it reloads this part and not the part around it as well.
    """
    part = PARTS[name]
    review = context["review"]
    url = board_url("reviews:section", review.pk, part.name)
    if context.get("present"):
        url += "?present=1"
    delay = f" delay:{part.delay_ms}ms" if part.delay_ms else ""
    trigger = ", ".join(f"sse:review_{kind}{delay} consume" for kind in part.refresh_on)
    if part.name == "presence":
        trigger += ", every 30s"
    return format_html(
        'id="{}" class="live-part {}" hx-get="{}" hx-trigger="{}" hx-sync="this:queue last" '
        'hx-swap="innerHTML"',
        part.element_id,
        part.css_class,
        url,  # escaped already
        trigger,
    )


@register.simple_tag(takes_context=True)
def part_inner(context: Any, name: str) -> str:
    """What part ``name`` shows: kept from an earlier reader, or drawn now and kept.

    Drawn with a stand-in for the CSRF token (the kept HTML holds nothing of
    one reader) and given back with this reader's own token.
    """
    request = context["request"]
    html = (context.get("kept_parts") or {}).get(name)
    if html is None:
        template = context.template.engine.get_template(PARTS[name].template_name)
        key = (context.get("part_keys") or {}).get(name)
        outer = context.dicts[0]
        outer.pop("_card_pieces", None)  # made with the stand-in below, for this part only
        with context.push(csrf_token=fragments.CSRF_STAND_IN):
            html = template.render(context) if key else None
        outer.pop("_card_pieces", None)
        if html is None:
            return template.render(context)
        fragments.put(key, (html, context.get(f"{name}_extras") or {}))
    return fragments.for_reader(request, html)


@register.simple_tag
def board_url(name: str, *args: Any) -> str:
    """``{% url name arg... %}``, each URL worked out once per process.

    The board writes some forty URLs in every rendering (a form's action and
    its ``hx-post`` each), from a handful of views and the review's ids.
    """
    return _reverse(get_urlconf(), get_script_prefix(), name, args)


@functools.lru_cache(maxsize=4096)
def _reverse(urlconf: Any, prefix: str, name: str, args: tuple[Any, ...]) -> str:
    return escape(reverse(name, urlconf=urlconf, args=args))


def _urls_changed(*, setting: str, **kwargs: Any) -> None:
    """Forget the URLs worked out when the URL configuration changes (as Django's own do)."""
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()


setting_changed.connect(_urls_changed)


def _pieces(context: Any) -> dict[str, Any]:
    """What every card of one rendering shares, made once.

    Kept in the outermost context, which every included template shares
    (the render context is per template, so each include would start afresh).
    """
    cache = context.dicts[0].get("_card_pieces")
    if cache is not None:
        return cache
    review = context["review"]
    can_participate = bool(context.get("can_participate"))
    url = reverse("reviews:note_move", args=[review.pk, _PLACEHOLDER])
    cache = context.dicts[0]["_card_pieces"] = {
        "can_participate": can_participate,
        "draggable": "true" if can_participate else "false",
        # The card's "Move to…" link (to the page that moves it, without
        # JavaScript) up to its id, and from its id to the card's words.
        "url": tuple(escape(url).split(_PLACEHOLDER)),
        "link_end": format_html(
            '" class="move-link">{}<span class="visually-hidden">: ', _("Move to…")
        ),
        # By (column index, marker, title): the card's column line.
        "columns": {},
        # By author: " · name".
        "authors": {},
    }
    return cache


@register.simple_tag(takes_context=True)
def move_menu(context: Any) -> str:
    """The group part's one "Move to…" menu, which ``board.js`` opens for a card.

    Every card carries only a link to the page that moves it (the way
    without JavaScript); the script opens this menu under the card instead,
    aims its form at that card, hides the card's own theme and shows "Back
    to its column" for a card in a theme. A 200-card part used to carry a
    copy of this menu, with every theme, on each card.
    """
    review = context["review"]
    url = escape(reverse("reviews:note_move", args=[review.pk, _PLACEHOLDER]))
    item = (
        '<li role="none"{}><button type="submit" role="menuitem" name="{}" value="{}" '
        'class="link">{}</button></li>'
    )
    themes = [
        format_html(item, "", "theme", theme.pk, theme.title)
        for theme in context.get("theme_choices") or []
    ]
    new_theme = format_html(item, "", "new_theme", "1", _("A new theme, named after this card"))
    backs = [
        format_html(
            item,
            format_html(' data-back="{}" hidden', column["key"]),
            "theme",
            "",
            _("Back to “%(column)s”") % {"column": column["title"]},
        )
        for column in context.get("columns_meta") or []
    ]
    return format_html(
        '<div id="move-menu" class="move-popup" hidden>'
        '<form method="post" action="{}" hx-post="{}" hx-target="#part-phase" '
        'hx-swap="innerHTML" class="move-form">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="onto" value=""><input type="hidden" name="drop" value="">'
        '<ul class="move-choices" role="menu" aria-label="{}">{}{}{}</ul></form></div>',
        mark_safe(url),  # noqa: S308 (escaped above)
        mark_safe(url),  # noqa: S308
        context["csrf_token"],
        _("Move to…"),
        mark_safe("".join(themes)),  # noqa: S308 (escaped piece by piece)
        new_theme,
        mark_safe("".join(backs)),  # noqa: S308
    )


def _card(cache: dict[str, Any], note: Any) -> str:
    column = (note.column_index, note.column_marker, note.column_label, note.column)
    pieces = cache["columns"].get(column)
    if pieces is None:
        # The card's opening up to its id, its column line, and (for a card
        # in a theme, which "Back to" its column) the column's key: the same
        # for every card of a column.
        pieces = cache["columns"][column] = (
            f'<li class="card-note col-{_esc(str(note.column_index))}" '
            f'draggable="{cache["draggable"]}" data-note="',
            format_html(
                '<p class="card-col"><span class="marker" aria-hidden="true">{}</span> {}',
                note.column_marker,
                note.column_label,
            ),
            f' data-col="{_esc(note.column)}"',
        )
    opening, column_line, col = pieces
    author = ""
    if note.author_id and note.author:
        author = cache["authors"].get(note.author_id)
        if author is None:
            author = cache["authors"][note.author_id] = _esc(f" · {note.author.display_name}")
    # A UUID's text is hex digits and dashes: nothing to escape.
    pk = str(note.pk) if type(note.pk) is uuid.UUID else _esc(str(note.pk))
    text = note.text
    link = ""
    if cache["can_participate"]:
        start, end = cache["url"]
        short = _esc(text[:40])
        link = f'<a href="{start}{pk}{end}{cache["link_end"]}{short}</span></a>'
    return (
        f'{opening}{pk}" id="note-{pk}"{col if note.theme_id else ""}>{link}'
        f'{column_line}{author}</p><p class="card-text">{_linebreaksbr(text)}</p></li>'
    )


def _linebreaksbr(text: str) -> str:
    """``{{ text|linebreaksbr }}``, for a plain string."""
    if "\r" in text:  # most notes have none: no call through the lazy wrapper
        text = normalize_newlines(text)
    return _esc(text).replace("\n", "<br>")


@register.simple_tag(takes_context=True)
def group_card(context: Any, note: Any) -> str:
    """A card of the group phase: column marker, author, text, and its menu.

    The same markup a template would write, made in Python because the group
    part draws every card of the review on each reload (a 50-person review
    has 200).
    """
    return mark_safe(_card(_pieces(context), note))  # noqa: S308 (escaped piece by piece)


@register.simple_tag(takes_context=True)
def group_cards(context: Any, notes: Any) -> str:
    """``{% group_card %}`` for each of ``notes``: one tag for a whole column or stack."""
    cache = _pieces(context)
    return mark_safe("".join([_card(cache, note) for note in notes]))  # noqa: S308


@register.simple_tag(takes_context=True)
def group_board(context: Any) -> str:
    """The group part's columns and theme stacks, each with its cards.

    What the template loops over ``group_columns`` and ``themes`` wrote,
    written in Python: the part is drawn again for the first reader of every
    change, and the loops' template work (a for-loop, a localized number and
    an include per column and theme) cost as much as the cards themselves.
    ``reviews/tests/test_board_cards.py`` compares the two.
    """
    cache = _pieces(context)
    columns = context.get("group_columns") or []
    themes = context.get("themes") or []
    out = [f'<div class="board-columns cols-{len(columns)}">\n  ']
    all_grouped = f'<li class="muted small">{_esc(_("All grouped."))}</li>'
    for column in columns:
        key = _esc(str(column["key"]))
        notes = column["notes"]
        cards = "".join([_card(cache, note) for note in notes]) if notes else all_grouped
        out.append(
            f'\n  <section class="board-column col-{_esc(str(column["index"]))} drop-zone" '
            f'data-theme="" aria-labelledby="gcol-{key}-h">\n'
            f'    <h3 id="gcol-{key}-h"><span class="marker" aria-hidden="true">'
            f"{_esc(column['marker'])}</span> {_esc(str(column['title']))} "
            f'<span class="count-badge">{len(notes)}</span></h3>\n'
            f'    <ul class="cards">{cards}</ul>\n  </section>\n  '
        )
    left = context.get("ungrouped_count") or 0
    count = ngettext("%(n)s theme", "%(n)s themes", len(themes)) % {"n": len(themes)}
    out.append(
        '\n</div>\n<section class="theme-stacks" aria-labelledby="themes-h">\n'
        f'  <h3 id="themes-h">{_esc(count)} '
        '<span class="muted small">· '
        + _esc(
            ngettext("%(n)s card left to group", "%(n)s cards left to group", left) % {"n": left}
        )
        + "</span></h3>\n  "
    )
    drop_here = f'<li class="muted small">{_esc(_("Drop cards here."))}</li>'
    recurring = None
    for item in themes:
        theme, notes = item["theme"], item["notes"]
        pk = _esc(str(theme.pk))
        earlier = "\n"  # what the include wrote for no earlier theme: its last line
        if item["earlier"]:
            if recurring is None:
                recurring = context.template.engine.get_template("reviews/_recurring_theme.html")
            with context.push(earlier=item["earlier"]):
                earlier = recurring.render(context)
        cards = "".join([_card(cache, note) for note in notes]) if notes else drop_here
        out.append(
            f'\n  <section class="theme-stack drop-zone" data-theme="{pk}" '
            f'aria-labelledby="theme-{pk}-h">\n'
            f'    <h4 id="theme-{pk}-h">{_esc(theme.title)} '
            f'<span class="count-badge">{len(notes)}</span></h4>\n'
            f"    {earlier}\n"
            f'    <ul class="cards stack">{cards}</ul>\n  </section>\n  '
        )
    if not themes:
        out.append(
            '\n  <p class="muted small">'
            + _esc(
                _("No themes yet. Drag a card onto another card to start one, or name one above.")
            )
            + "</p>\n  "
        )
    out.append("\n</section>")
    return mark_safe("".join(out))  # noqa: S308 (escaped piece by piece)


@register.simple_tag
def vote_cards(notes: Any) -> str:
    """The compact cards under a theme while voting: marker, column (for screen readers), text.

    What ``{{ note.text|truncatechars:140 }}`` and the rest would write in a
    template loop, without a Truncator and a translation lookup per card.
    """
    return mark_safe(  # noqa: S308 (escaped piece by piece)
        "".join(
            [
                f'<li class="card-note col-{_esc(str(note.column_index))}">'
                f'<span class="marker" aria-hidden="true">{_esc(note.column_marker)}</span> '
                f'<span class="visually-hidden">{_esc(note.column_label)}: </span>'
                f"{_esc(_truncated(note.text, 140))}</li>"
                for note in notes
            ]
        )
    )


def _truncated(text: str, length: int) -> str:
    """``text|truncatechars:length``: the same characters, short texts without a Truncator."""
    normalized = unicodedata.normalize("NFC", text)
    if len(normalized) <= length:
        return normalized  # what Truncator.chars() answers for a text this short
    return Truncator(text).chars(length)


_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
