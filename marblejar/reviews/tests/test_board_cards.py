"""The cards the board writes in Python say what the template filters would say."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils.html import escape

from marblejar.reviews.templatetags.board_parts import _linebreaksbr, _truncated, vote_cards

TEXTS = [
    "Plain words",
    "Markup <script>alert(\"x\")</script> & 'quotes'",
    "Lines\r\nand\rbreaks\n\nhere",
    "x" * 140,
    "y" * 141,
    "A longer note. " * 20,
    "Cafe\u0301 with a combining accent " * 5,
    "e\u0301" * 140,
]


@pytest.mark.parametrize("text", TEXTS)
def test_linebreaksbr_and_truncatechars_written_in_python_match_the_filters(text):
    template = Template("{{ t|linebreaksbr }}|{{ t|truncatechars:140 }}")
    expected = template.render(Context({"t": text}))
    assert f"{_linebreaksbr(text)}|{escape(_truncated(text, 140))}" == expected


def test_vote_cards_match_the_template_they_replace():
    notes = [
        SimpleNamespace(column_index=i, column_marker="●", column_label=f"Col <{i}>", text=text)
        for i, text in enumerate(TEXTS)
    ]
    template = Template(
        '{% for note in notes %}<li class="card-note col-{{ note.column_index }}">'
        '<span class="marker" aria-hidden="true">{{ note.column_marker }}</span> '
        '<span class="visually-hidden">{{ note.column_label }}: </span>'
        "{{ note.text|truncatechars:140 }}</li>{% endfor %}"
    )
    assert vote_cards(notes) == template.render(Context({"notes": notes}))
    assert "&lt;script&gt;" in vote_cards(notes)
