"""The statistics' sentences are defined once, marked for translation, and translated when shown."""

from __future__ import annotations

import ast
import inspect

from django.utils import translation
from django.utils.translation import trans_real

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


def test_no_other_module_keeps_a_copy_of_the_sentences():
    source = inspect.getsource(explain)
    for text in stats.MESSAGES.values():
        assert text not in source


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
