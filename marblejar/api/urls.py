"""The API's URLs, imported on the first request under /api/v1/ (see marblejar/urls.py)."""

from marblejar.api.api import api

urlpatterns, app_name, _namespace = api.urls
