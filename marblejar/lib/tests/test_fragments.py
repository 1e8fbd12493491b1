from __future__ import annotations

from django.utils import timezone, translation

from marblejar.lib.fragments import fragment, fragment_key


def test_a_fragment_is_drawn_once_for_what_it_shows():
    drawn = []

    def draw(text):
        def render():
            drawn.append(text)
            return f"<p>{text}</p>"

        return render

    assert fragment("test-once", ("a", 1), draw("a")) == "<p>a</p>"
    assert fragment("test-once", ("a", 1), draw("again")) == "<p>a</p>"
    assert fragment("test-once", ("a", 2), draw("b")) == "<p>b</p>"
    assert drawn == ["a", "b"]


def test_the_key_holds_the_language_and_the_time_zone():
    parts = ("same", 1)
    english = fragment_key("test-key", parts)
    with translation.override("de"):
        assert fragment_key("test-key", parts) != english
    with timezone.override("Europe/Berlin"):
        assert fragment_key("test-key", parts) != english
    assert fragment_key("test-key", parts) == english
    assert fragment_key("other", parts) != english
