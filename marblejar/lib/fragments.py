"""Rendered fragments of pages, kept in this process and keyed by what they show.

A fragment is a piece of a page that is the same for every reader who may
see it (the jar and a page of its history, a page of the reflections list,
a page of the action list). Its key is a digest of everything it shows, as
read from the database by the query the page makes anyway, so a fragment is
never stale: a change to anything it shows makes a new key, and the old one
simply ages out. Nothing a reader alone should see goes into a fragment (a
CSRF token, their own reactions, buttons that depend on their role) unless
the key holds it too. A fragment with forms in it is drawn with a stand-in
for the CSRF token, which each page replaces with its own
(:func:`fragment_with_forms`).

The cache is the ``fragments`` alias (see ``CACHES`` in the settings): in
this process's memory, never in Redis, so what a page shows never leaves the
process that drew it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


def fragment_key(name: str, parts: Any) -> str:
    """The key of fragment ``name`` showing ``parts`` in the current language and time zone.

    ``parts`` must have a ``repr`` that says everything the fragment shows:
    plain values, tuples, lists and dicts of them, dates and times.
    """
    seen = repr((get_language(), timezone.get_current_timezone_name(), parts))
    digest = hashlib.blake2b(seen.encode(), digest_size=20).hexdigest()
    return f"{name}:{digest}"


def fragment(name: str, parts: Any, render: Callable[[], str]) -> SafeString:
    """The fragment showing ``parts``: from the cache, or ``render()`` and kept."""
    cache = caches["fragments"]
    key = fragment_key(name, parts)
    html = cache.get(key)
    if html is None:
        html = str(render())
        cache.set(key, html)
    return mark_safe(html)  # noqa: S308 (rendered by a template or the page's own code)


# Drawn into kept fragments in place of the CSRF token. Random in each
# process (as the fragments are kept in each process), so that nothing a
# person writes can carry it.
CSRF_STAND_IN = f"csrf-stand-in-{secrets.token_hex(16)}"


def fragment_with_forms(
    request: HttpRequest,
    name: str,
    parts: Any,
    render: Callable[[str], str],
    token: Callable[[], str] | None = None,
) -> SafeString:
    """A fragment with forms in it, given this request's CSRF token.

    ``render(token)`` draws it with ``token`` as the CSRF token (for a
    template: ``{"csrf_token": token, ...}`` in its context); the fragment is
    kept with the stand-in, and each page gets it with its own token
    (``token()``, when given: the one the rest of the page shows).
    """
    html = fragment(name, parts, lambda: render(CSRF_STAND_IN))
    if CSRF_STAND_IN not in html:  # no form after all: no token to mask
        return html
    token_now = token() if token is not None else get_token(request)
    return mark_safe(html.replace(CSRF_STAND_IN, token_now))  # noqa: S308 (as above)
