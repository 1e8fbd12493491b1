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


# The group part's loops as the template wrote them before {% group_board %}.
GROUP_BOARD_TEMPLATE = """{% load i18n board_parts %}<div class="board-columns cols-{{ group_columns|length }}">
  {% for column in group_columns %}
  <section class="board-column col-{{ column.index }} drop-zone" data-theme="" aria-labelledby="gcol-{{ column.key }}-h">
    <h3 id="gcol-{{ column.key }}-h"><span class="marker" aria-hidden="true">{{ column.marker }}</span> {{ column.title }} <span class="count-badge">{{ column.notes|length }}</span></h3>
    <ul class="cards">{% if column.notes %}{% group_cards column.notes %}{% else %}<li class="muted small">{% translate "All grouped." %}</li>{% endif %}</ul>
  </section>
  {% endfor %}
</div>
<section class="theme-stacks" aria-labelledby="themes-h">
  <h3 id="themes-h">{% blocktranslate count n=themes|length %}{{ n }} theme{% plural %}{{ n }} themes{% endblocktranslate %} <span class="muted small">· {% blocktranslate count n=ungrouped_count %}{{ n }} card left to group{% plural %}{{ n }} cards left to group{% endblocktranslate %}</span></h3>
  {% for item in themes %}
  <section class="theme-stack drop-zone" data-theme="{{ item.theme.pk }}" aria-labelledby="theme-{{ item.theme.pk }}-h">
    <h4 id="theme-{{ item.theme.pk }}-h">{{ item.theme.title }} <span class="count-badge">{{ item.notes|length }}</span></h4>
    {% include "reviews/_recurring_theme.html" with earlier=item.earlier %}
    <ul class="cards stack">{% if item.notes %}{% group_cards item.notes %}{% else %}<li class="muted small">{% translate "Drop cards here." %}</li>{% endif %}</ul>
  </section>
  {% empty %}
  <p class="muted small">{% translate "No themes yet. Drag a card onto another card to start one, or name one above." %}</p>
  {% endfor %}
</section>"""  # noqa: E501 (the template as it was)


def _group_context(themes: int, participate: bool) -> dict:
    import uuid
    from datetime import date

    columns = [
        {"key": f"k{i}<", "title": f"Column <{i}> & co", "index": i, "marker": "●▲■"[i]}
        for i in range(3)
    ]

    def card(i: int, column: dict, theme_id) -> SimpleNamespace:
        return SimpleNamespace(
            pk=uuid.uuid4(),
            column=column["key"],
            text=TEXTS[i % len(TEXTS)],
            theme_id=theme_id,
            author_id=i % 3 or None,
            author=SimpleNamespace(display_name=f"Per<son> {i}") if i % 3 else None,
            column_label=column["title"],
            column_index=column["index"],
            column_marker=column["marker"],
        )

    group_columns = [
        {**c, "notes": [card(i, c, None) for i in range(n)]}
        for c, n in zip(columns, (0, 2, 5), strict=True)
    ]
    items = []
    for t in range(themes):
        theme = SimpleNamespace(pk=10 + t, title=f"Theme <{t}> & ‘quotes’", review_id=1)
        earlier = []
        if t == 1:
            earlier = [
                SimpleNamespace(
                    theme=SimpleNamespace(title="Old <one>"),
                    on=date(2026, 3, 4),
                    actions=[],
                    review=SimpleNamespace(pk=5),
                )
            ]
        notes = [card(i, columns[i % 3], theme.pk) for i in range(t)]
        items.append({"theme": theme, "notes": notes, "earlier": earlier})
    return {
        "review": SimpleNamespace(pk=1),
        "can_participate": participate,
        "csrf_token": "token",
        "group_columns": group_columns,
        "themes": items,
        "ungrouped_count": 7,
    }


@pytest.mark.parametrize("themes", [0, 1, 4])
@pytest.mark.parametrize("participate", [True, False])
def test_group_board_matches_the_template_loops_it_replaces(themes, participate):
    from django.template import engines

    engine = engines["django"].engine
    values = _group_context(themes, participate)
    expected = engine.from_string(GROUP_BOARD_TEMPLATE).render(Context(dict(values)))
    got = engine.from_string("{% load board_parts %}{% group_board %}").render(
        Context(dict(values))
    )
    assert got == expected
