"""ASGI entry point: `uvicorn marblejar.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")

from marblejar.lib import staticfiles  # noqa: E402  (after the settings are named)

# Collected static files are answered here, before Django's middleware.
application = staticfiles.wrap(get_asgi_application())
