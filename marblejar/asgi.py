"""ASGI entry point: `uvicorn marblejar.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")

django_application = get_asgi_application()

from marblejar.lib.limits import LimitBody  # noqa: E402  (needs the settings loaded)

application = LimitBody(django_application)
