"""``{% url %}``, each address worked out once per process.

Every page links to two dozen of its own addresses; Django works each one
out again in every render (a walk of the URL patterns). The same name and
arguments always give the same address for as long as the URL
configuration and the script prefix are the same, so this tag keeps what it
worked out, keyed by all of that. It is Django's own in everything else
(``as var``, escaping, a failed ``{% url ... as var %}`` giving nothing)
and replaces the built-in one: ``TEMPLATES["OPTIONS"]["builtins"]`` lists
this module. (The static files' addresses are kept by their storage:
``lib/staticfiles.py``.)

What is kept is bounded (:data:`LIMIT` addresses, then the memory starts
again) and dropped when a test changes the settings it depends on.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

LIMIT = 4096
_URLS: dict[tuple[Any, ...], str] = {}


def _plain(value: Any) -> bool:
    """Only addresses built from strings and numbers are kept (True would equal 1)."""
    return isinstance(value, str | int) and not isinstance(value, bool)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _URLS.clear()


def _keep(memory: dict, key: Any, value: str) -> None:
    if len(memory) >= LIMIT:
        memory.clear()
    memory[key] = value


def kept_reverse(view_name: str) -> str:
    """``reverse(view_name)`` of an address without arguments, kept as ``{% url %}`` keeps it."""
    key = (view_name, (), (), None, get_urlconf(), get_script_prefix())
    url = _URLS.get(key)
    if url is None:
        url = reverse(view_name)
        _keep(_URLS, key, url)
    return url


class KeptURLNode(defaulttags.URLNode):
    def render(self, context: template.Context) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        plain = all(map(_plain, args)) and all(_plain(v) for _, v in kwargs)
        key = (view_name, args, kwargs, current_app, get_urlconf(), get_script_prefix())
        url = _URLS.get(key) if plain else None
        if url is None:
            try:
                url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
                url = ""
            else:
                if plain:
                    _keep(_URLS, key, url)
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> KeptURLNode:
    """Django's ``{% url %}``, the address kept once worked out."""
    node = defaulttags.url(parser, token)
    node.__class__ = KeptURLNode
    return node
