from __future__ import annotations

from django import template
from django.forms import BoundField
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def coach_attrs(field: BoundField) -> str:
    """Wire a text field to the coach: check after a pause in typing.

    Mutates the bound field's widget attributes (each form instance has its
    own widgets), so `as_field_group` renders them.
    """
    field_id = field.auto_id
    panel = f"coach-{field_id}"
    attrs = field.field.widget.attrs
    described = [f"{field_id}_helptext"] if field.help_text else []
    described.append(panel)
    attrs.update(
        {
            "hx-post": reverse("coaching:check"),
            "hx-trigger": "input changed delay:600ms, coach-recheck",
            "hx-target": f"#{panel}",
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
            "hx-vals": f'{{"coach_field": "{field.html_name}", "coach_id": "{field_id}"}}',
            "hx-include": f"#{panel}-dismissed",
            "aria-describedby": " ".join(described),
            "data-coach": panel,
        }
    )
    attrs.setdefault("spellcheck", "true")
    return ""


@register.simple_tag
def coach_label() -> str:
    return _("Language coach")
