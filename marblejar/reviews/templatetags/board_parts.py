"""``{% part_attrs "columns" %}``: a live part's element, written from the vocabulary.

Every attribute that makes a part reload itself (its id, its URL, the
events it listens to, its delay) comes from :data:`marblejar.reviews.parts.PARTS`,
so a template names the part and nothing else.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

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
