"""Every user-visible string in a template is marked for translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    p for p in ROOT.rglob("templates/**/*") if p.suffix in {".html", ".txt"} and p.is_file()
)
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&[a-z#0-9]+;")
# Text a person reads: a run of letters that is not only punctuation or symbols.
WORDS = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
# Attributes whose values are shown or read aloud.
VISIBLE_ATTRS = re.compile(
    r"\b(?:alt|title|placeholder|aria-label|aria-description|data-confirm|data-copied)"
    r'="([^"{]*[A-Za-z][^"{]*)"'
)
# Brand and technical words that are the same in every language.
ALLOWED = {"Marblejar", "API", "JSON", "Markdown", "SVG", "HTTPS", "mj_"}


def untranslated(path: Path) -> list[str]:
    """Snippets of visible text in ``path`` that are not marked for translation.

    Template tags and variables become neutral placeholders, so that HTML tags
    split by them (``<a href="{% url … %}">``) are still recognised as tags.
    """
    parts = []
    depth = 0  # inside {% blocktranslate %} or {% comment %}
    # {% block …_attrs %} fills in attributes of an element opened in the
    # base template: markup, not text.
    blocks: list[bool] = []
    for token in Lexer(path.read_text()).tokenize():
        if token.token_type == TokenType.BLOCK:
            words = token.contents.split()
            name = words[0] if words else ""
            if name in {"blocktranslate", "blocktrans", "comment"}:
                depth += 1
            elif name in {"endblocktranslate", "endblocktrans", "endcomment"}:
                depth -= 1
            elif name == "block":
                blocks.append(len(words) > 1 and words[1].endswith("_attrs"))
            elif name == "endblock" and blocks:
                blocks.pop()
            parts.append(" \x00 ")
        elif token.token_type == TokenType.TEXT and not depth and not any(blocks):
            parts.append(token.contents)
        elif token.token_type == TokenType.VAR:
            parts.append("\x00")
    text = "".join(parts)
    problems = [f"attribute text {v!r}" for v in VISIBLE_ATTRS.findall(text)]
    visible = ENTITY.sub(" ", TAG.sub(" ", text))
    for line in visible.splitlines():
        if any(word not in ALLOWED for word in WORDS.findall(line)):
            problems.append(line.strip()[:80])
    return problems


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_text_is_marked_for_translation(path: Path):
    assert untranslated(path) == []


def test_it_notices_unmarked_text(tmp_path: Path):
    sample = tmp_path / "sample.html"
    sample.write_text('<p>Hello there</p><img alt="A jar">{% translate "Fine" %}')
    assert len(untranslated(sample)) == 2
