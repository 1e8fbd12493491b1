"""The board's forms are drawn by QuickRenderer exactly as Django's templates draw them."""

from __future__ import annotations

import pytest
from django.forms.renderers import DjangoTemplates

from marblejar.lib.forms import QuickRenderer
from marblejar.lib.tests.test_forms import _drawings
from marblejar.reviews import forms as board_forms
from marblejar.reviews.forms import BoardForm

PEOPLE = [(1, "Ann <b>"), (2, "Bo")]
FORMS = [
    pytest.param(cls, id=cls.__name__)
    for cls in vars(board_forms).values()
    if isinstance(cls, type) and issubclass(cls, BoardForm) and cls is not BoardForm
]


def _make(cls, data, renderer):
    kwargs = {"people": PEOPLE} if cls is board_forms.ActionForm else {}
    return cls(data, renderer=renderer, auto_id="x-%s", **kwargs)


@pytest.mark.parametrize("cls", FORMS)
@pytest.mark.parametrize(
    "data",
    [None, {}, {"text": "<why> didn't you", "kind": "question", "owner": "2", "due_on": "x"}],
    ids=["unbound", "empty", "typed"],
)
def test_a_board_form_is_drawn_as_django_draws_it(cls, data):
    django_form = _make(cls, data, DjangoTemplates())
    quick_form = _make(cls, data, QuickRenderer())
    if data is not None:
        assert django_form.is_valid() == quick_form.is_valid()
    assert _drawings(quick_form) == _drawings(django_form)


def test_the_board_forms_use_the_quick_renderer():
    assert FORMS, "the board has forms"
    for param in FORMS:
        cls = param.values[0]
        form = _make(cls, None, None)
        assert isinstance(form.renderer, QuickRenderer), cls
