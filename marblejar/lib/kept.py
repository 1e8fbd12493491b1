"""``{% kept %}``: a piece of a template drawn once for as long as what it shows is the same.

::

    {% kept "site-header" user.pk user.display_name my_teams team.pk %}
      ... (may hold {% csrf_token %})
    {% endkept %}

The piece is drawn the first time, kept in this process's fragment cache
(:mod:`marblejar.lib.fragments`), and given again while the values after
its name are the same (the language and time zone are part of the key
too). The values must be everything the piece shows: plain values, and
lists, tuples and dicts of them; a model instance or anything else is
refused, so that a key can never depend on an object's ``repr``. A CSRF
token in the piece is drawn as the fragments' stand-in and each page gets
its own. A kept piece holds no ``{% block %}``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.utils.functional import LazyObject, Promise, empty

from marblejar.lib.fragments import fragment_with_forms

register = template.Library()

_SCALARS = (str, int, float, bool, type(None), date, datetime)


def _plain(value: Any) -> Any:
    """``value`` as plain values alone (a translated label as its text), or TypeError."""
    if isinstance(value, LazyObject):  # the header's menus: worked out now
        if value._wrapped is empty:
            value._setup()
        value = value._wrapped
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _plain(v)) for k, v in value.items()))
    raise TypeError(f"{{% kept %}} takes plain values, not {type(value).__name__}")


def _token(context: template.Context) -> str:
    token = context.get("csrf_token")
    return str(token) if token else get_token(context["request"])


class KeptNode(template.Node):
    # Django looks for blocks through every node of a page it extends, in
    # every render: not into a kept piece, which holds none (its own nodes
    # are only drawn when it is not kept yet).
    child_nodelists = ()

    def __init__(self, name: Any, parts: list[Any], nodelist: template.NodeList) -> None:
        self.name = name
        self.parts = parts
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        request = context.get("request")
        if request is None:  # not a page (an e-mail, say): drawn as it is
            return self.nodelist.render(context)
        parts = tuple(_plain(part.resolve(context)) for part in self.parts)

        def draw(token: str) -> str:
            with context.push(csrf_token=token):
                return self.nodelist.render(context)

        name = f"kept:{self.name.resolve(context)}"
        # The token the page's other forms carry (masked once per page).
        return fragment_with_forms(request, name, parts, draw, token=lambda: _token(context))


@register.tag
def kept(parser: template.base.Parser, token: template.base.Token) -> KeptNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError('{% kept %} needs a name: {% kept "name" values... %}')
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(
        parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]], nodelist
    )
