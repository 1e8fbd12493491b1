"""Markdown for what people write (reflections, comments, notes), rendered safely.

Two layers, so that a mistake in one does not open a hole:

1. markdown-it-py with the CommonMark preset, raw HTML switched *off* and
   linkify off: whatever HTML someone types is shown as text.
2. nh3 (ammonia) with an explicit allow-list of tags and attributes and
   the URL schemes http, https and mailto: anything that slipped through
   (a ``javascript:`` link, an event handler) is removed.

Images are not rendered (their alt text shows as a link instead): a picture
from another host would be blocked by the Content-Security-Policy anyway, and
it would tell that host who read the page and when.

Headings are moved down two levels (``#`` becomes ``<h3>``) so that a
reflection's own headings sit below the page's ``<h1>`` and ``<h2>``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import nh3
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "em", "strong", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
HEADING_SHIFT = 2


def _heading(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
    token.tag = f"h{level}"
    return self.renderToken(tokens, idx, options, env)


@functools.cache
def _parser() -> MarkdownIt:
    # Imported on the first text rendered, not when templates load at start.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.add_render_rule("heading_open", _heading)
    md.add_render_rule("heading_close", _heading)
    return md


def render_markdown(text: str) -> SafeString:
    """Markdown source to HTML that is safe to put in a page as it is."""
    if not text:
        return mark_safe("")  # noqa: S308 (an empty string)
    html = _parser().render(text)
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 with an allow-list just above)
