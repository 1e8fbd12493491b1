from __future__ import annotations

import gzip

from django.http import StreamingHttpResponse

from marblejar.lib.compression import PageCompression


def test_a_page_comes_compressed_to_a_browser_that_asks(client_for):
    page = client_for("member").get("/t/platform/", headers={"accept-encoding": "br, gzip"})
    assert page["Content-Encoding"] == "gzip"
    assert "Platform" in gzip.decompress(page.content).decode()


def test_an_event_stream_is_never_compressed(rf):
    def stream():
        yield b"event: ping\ndata: x\n\n"

    request = rf.get("/t/platform/events/", headers={"accept-encoding": "gzip"})
    response = PageCompression(lambda r: None).process_response(
        request, StreamingHttpResponse(stream(), content_type="text/event-stream")
    )
    assert not response.has_header("Content-Encoding")
