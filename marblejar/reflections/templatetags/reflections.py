from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from marblejar.lib.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render what someone wrote as safe HTML (see marblejar.lib.markdown)."""
    return render_markdown(text or "")
