"""Pages compressed with gzip, event streams left alone.

Django's GZipMiddleware pads each response with random bytes and CSRF tokens
are masked per response, which is what defeats BREACH-style guessing; event
streams stay uncompressed so that each event leaves at once, through any proxy.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware


class PageCompression(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("text/event-stream"):
            return response
        return super().process_response(request, response)
