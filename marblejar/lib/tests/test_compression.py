from __future__ import annotations

import gzip
import zlib

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


def test_a_page_is_compressed_fast_and_padded_by_a_random_length(client_for):
    client = client_for("member")
    sizes = set()
    for _ in range(12):
        page = client.get("/t/platform/", headers={"accept-encoding": "gzip"})
        assert page["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in page["Vary"]
        assert int(page["Content-Length"]) == len(page.content)
        assert page.content[3] & gzip.FNAME  # the padding: a file name in the header
        sizes.add(len(page.content))
        html = gzip.decompress(page.content)
        assert b"Platform" in html
    # The fastest level: the deflate stream is what zlib's level 1 makes of the page.
    deflate = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = deflate.compress(html) + deflate.flush()
    name_end = page.content.index(b"\0", 10) + 1
    assert page.content[name_end : name_end + len(body)] == body
    assert len(sizes) > 1  # each response padded by its own length


def test_a_browser_that_does_not_ask_gets_the_page_as_it_is(client_for):
    page = client_for("member").get("/t/platform/", headers={"accept-encoding": "br"})
    assert not page.has_header("Content-Encoding")
    assert b"Platform" in page.content
    assert "Accept-Encoding" in page["Vary"]
