"""ASGI entry point: `uvicorn marblejar.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")

from marblejar.lib import staticfiles  # noqa: E402  (after the settings are named)
from marblejar.lib.limits import LimitBody  # noqa: E402

# Collected static files are answered here, before Django's middleware; a
# body sent in chunks is counted as it arrives (413 past the limit).
application = staticfiles.wrap(LimitBody(get_asgi_application()))
