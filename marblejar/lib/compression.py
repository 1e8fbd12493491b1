"""Pages compressed with gzip, event streams left alone.

Django's GZipMiddleware pads each response with random bytes and CSRF tokens
are masked per response, which is what defeats BREACH-style guessing; event
streams stay uncompressed so that each event leaves at once, through any proxy.

A page is compressed at gzip's fastest level rather than Django's 6: on the
pages' 10–30 KB of HTML it takes about half the time and sends a few hundred
bytes more, far inside the page-weight budget (BENCHMARKS.md, "Page weight").
"""

from __future__ import annotations

import gzip
import secrets
import zlib

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers

LEVEL = 1


def compress_page(content: bytes, *, max_random_bytes: int) -> bytes:
    """Django's ``compress_string`` at :data:`LEVEL`: the same gzip member, padded the same way.

    The padding is a file name of random length in the member's header.
    """
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    compressed = compressor.compress(content) + compressor.flush()
    header = bytearray(compressed[:10])
    header[3] = gzip.FNAME
    name = b"a" * secrets.randbelow(max_random_bytes) + b"\0"
    return bytes(header) + name + compressed[10:]


class PageCompression(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("text/event-stream"):
            return response
        if response.streaming:
            return super().process_response(request, response)
        # GZipMiddleware's steps for a page, with compress_page.
        if len(response.content) < 200 or response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = compress_page(response.content, max_random_bytes=self.max_random_bytes)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response
