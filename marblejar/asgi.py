"""ASGI entry point: `uvicorn marblejar.asgi:application`."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402  (after the set-up)
from django.core.handlers.asgi import ASGIHandler  # noqa: E402

from marblejar.lib import staticfiles  # noqa: E402
from marblejar.lib.handler import Handler  # noqa: E402
from marblejar.lib.limits import LimitBody  # noqa: E402

# Collected static files are answered here, before Django's middleware; a
# body sent in chunks is counted as it arrives (413 past the limit); pages
# run on a few kept threads, live streams on the event loop (lib/handler.py).
# MARBLEJAR_THREADS=0 leaves every request to Django's own handler (a thread
# per request), for comparison.
django_handler = Handler(settings.PAGE_THREADS) if settings.PAGE_THREADS else ASGIHandler()
application = staticfiles.wrap(LimitBody(django_handler))
