"""QuickSelect writes exactly what Django's Select writes, faster."""

from __future__ import annotations

import pytest
from django import forms

from marblejar.lib.forms import QuickSelect

CASES = [
    pytest.param(
        [("", "The whole team"), (1, "Ann <b>&\"'"), (2, "Bo")],
        2,
        {"id": "x", "required": True, "disabled": False, "data-x": 'a"b'},
        id="people-with-markup-in-a-name",
    ),
    pytest.param(
        [("", "---"), ("Group <1>", [(1, "a"), (2, "b")]), (3, "c")],
        None,
        {"id": "y"},
        id="optgroups",
    ),
    pytest.param([], None, {}, id="empty"),
    pytest.param([("a", "A"), ("b", "B")], ["b"], {"aria-describedby": "h"}, id="attrs"),
]


@pytest.mark.parametrize(("choices", "value", "attrs"), CASES)
def test_quick_select_writes_what_django_select_writes(choices, value, attrs):
    django_html = forms.Select(choices=choices).render("own&er", value, attrs=attrs)
    quick_html = QuickSelect(choices=choices).render("own&er", value, attrs=attrs)
    assert quick_html == django_html


def test_a_form_field_with_quick_select_renders_as_with_select():
    class Plain(forms.Form):
        owner = forms.ChoiceField(choices=[("", "Team"), ("1", "<Ann>")], required=False)

    class Quick(forms.Form):
        owner = forms.ChoiceField(
            choices=[("", "Team"), ("1", "<Ann>")], required=False, widget=QuickSelect
        )

    plain, quick = Plain({"owner": "1"}), Quick({"owner": "1"})
    assert str(quick["owner"].as_field_group()) == str(plain["owner"].as_field_group())
    assert "&lt;Ann&gt;" in str(quick["owner"])
