from __future__ import annotations

from html.parser import HTMLParser

import pytest

from marblejar.lib.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from marblejar.lib.tests.xss_payloads import PAYLOADS


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Collect()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_renders_every_xss_payload_inert(payload):
    html = str(render_markdown(payload))
    for tag, attrs in tags_of(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, (attrs, html)
        href = (attrs.get("href") or "").strip().lower()
        if href:
            assert href.startswith(("http://", "https://", "mailto:", "/", "#")), html
        assert not any(name.startswith("on") for name in attrs), html


def test_it_keeps_ordinary_markdown():
    html = str(
        render_markdown(
            "# Title\n\nSome *emphasis*, **strong** and `code`.\n\n"
            "- one\n- two\n\n> quoted\n\n[a link](https://example.org/page)"
        )
    )
    assert "<h3>Title</h3>" in html  # headings sit below the page's own
    assert "<em>emphasis</em>" in html and "<strong>strong</strong>" in html
    assert "<code>code</code>" in html and "<li>one</li>" in html
    assert "<blockquote>" in html
    assert '<a href="https://example.org/page" rel="nofollow noopener">a link</a>' in html


def test_raw_html_is_shown_as_text():
    assert str(render_markdown("<b>bold</b>")) == "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"


def test_urls_are_not_linked_unless_written_as_links():
    assert "<a" not in str(render_markdown("see https://example.org"))


def test_empty_text_renders_nothing():
    assert str(render_markdown("")) == ""
