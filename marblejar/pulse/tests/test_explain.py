"""The statistics' sentences are defined once, marked for translation, and translated when shown."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import trans_real

import marblejar
from marblejar.pulse import explain, stats
from marblejar.pulse.stats import messages


def test_every_sentence_is_marked_where_it_is_defined():
    # makemessages extracts the arguments of gettext_noop() calls: every
    # sentence must be one, in the one table.
    tree = ast.parse(inspect.getsource(messages))
    table = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MESSAGES"
    )
    assert isinstance(table, ast.Dict)
    marked = {}
    for key, value in zip(table.keys, table.values, strict=True):
        assert isinstance(value, ast.Call) and value.func.id == "gettext_noop", key.value
        marked[key.value] = value.args[0].value
    assert marked == stats.MESSAGES


def _longest_literal(sentence: str) -> str:
    """The longest stretch of a sentence between its ``{placeholders}``."""
    return max((part.strip() for part in re.split(r"\{[^}]*\}", sentence)), key=len)


def test_no_other_module_keeps_a_copy_of_the_sentences():
    # Every module, template and script of the app, but the table itself and
    # the tests (which quote sentences to check them).
    root = Path(marblejar.__file__).resolve().parent
    files = [
        path
        for pattern in ("*.py", "*.html", "*.js", "*.txt")
        for path in root.rglob(pattern)
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and path != Path(messages.__file__).resolve()
    ]
    assert len(files) > 100
    sources = {path: path.read_text(encoding="utf-8") for path in files}
    # Shorter stretches ("people answered.") are ordinary words, not a copy.
    pieces = {key: _longest_literal(text) for key, text in stats.MESSAGES.items()}
    copies = [
        (key, str(path.relative_to(root)))
        for key, piece in pieces.items()
        if len(piece) >= 20
        for path, source in sources.items()
        if piece in source
    ]
    assert not copies, f"sentences of stats/messages.py written again elsewhere: {copies}"


def test_a_sentence_reads_like_the_cores():
    e = stats.Explanation("ci", {"n": 5, "low": 3.1, "high": 5.2})
    assert explain.sentence(e) == e.text
    one = stats.Explanation("n", {"n": 1})
    assert explain.sentence(one) == "1 person answered."


def test_a_sentence_is_shown_in_the_readers_language():
    english = stats.MESSAGES["rwg_j_undefined"]
    catalog = trans_real.translation("de")._catalog
    catalog[english] = "Übereinstimmung braucht mindestens zwei Personen."
    try:
        with translation.override("de"):
            said = explain.sentence(stats.Explanation("rwg_j_undefined"))
    finally:
        del catalog._catalogs[0][english]
    assert said == "Übereinstimmung braucht mindestens zwei Personen."
