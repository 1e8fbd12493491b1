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


# QuickRenderer: a field group's templates written in Python --------------------------

from django.forms.renderers import DjangoTemplates  # noqa: E402
from django.utils.safestring import mark_safe  # noqa: E402

from marblejar.lib.forms import QuickRenderer  # noqa: E402


class Everything(forms.Form):
    required_css_class = "needed"
    name = forms.CharField(label="Name <b>", help_text="Your <em>own</em> name", max_length=5)
    story = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "data-x": 'a"b'}))
    count = forms.IntegerField(label="How many?", min_value=1, required=False)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    at = forms.DateTimeField(required=False)
    agree = forms.BooleanField(required=False, label="I agree")
    kind = forms.ChoiceField(
        choices=[("a", "A & a"), ("b", mark_safe("<i>B</i>"))], widget=forms.RadioSelect
    )
    many = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, required=False
    )
    pick = forms.ChoiceField(choices=[("", "---"), ("G <1>", [(1, "one"), (2, "two")])])
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    pin = forms.CharField(widget=forms.PasswordInput, required=False, label="")
    safe_attr = forms.CharField(
        widget=forms.TextInput(attrs={"placeholder": mark_safe("&amp; safe")}), required=False
    )


def _both(form_class, data=None, **kwargs):
    return (
        form_class(data, renderer=DjangoTemplates(), **kwargs),
        form_class(data, renderer=QuickRenderer(), **kwargs),
    )


def _drawings(form):
    """Everything a template may ask of a form's fields, as text."""
    out = [str(form), form.as_div(), str(form.non_field_errors())]
    for field in form:
        out += [
            str(field.as_field_group()),
            str(field),
            str(field.label_tag()),
            str(field.legend_tag()),
            str(field.errors),
        ]
        for widget in getattr(field, "subwidgets", []):
            out += [str(widget), str(widget.tag())]
    return out


@pytest.mark.parametrize(
    ("data", "kwargs"),
    [
        pytest.param(None, {}, id="unbound"),
        pytest.param(None, {"auto_id": "f-%s"}, id="own-ids"),
        pytest.param(None, {"auto_id": False}, id="no-ids"),
        pytest.param({}, {}, id="bound-empty-with-errors"),
        pytest.param(
            {
                "name": "<script>x",
                "story": "line\n<two>",
                "count": "0",
                "when": "2030-01-02",
                "at": "nonsense",
                "agree": "on",
                "kind": "b",
                "many": ["y"],
                "pick": "2",
                "secret": '"q"',
            },
            {"label_suffix": ":"},
            id="bound-with-values-and-errors",
        ),
    ],
)
def test_quick_renderer_writes_what_django_templates_write(data, kwargs):
    django_form, quick_form = _both(Everything, data, **kwargs)
    if data is not None:
        django_form.is_valid()
        quick_form.is_valid()
        quick_form.add_error(None, "Top <error>")
        django_form.add_error(None, "Top <error>")
    assert _drawings(quick_form) == _drawings(django_form)


def test_quick_renderer_keeps_validation():
    form = Everything({"name": "toolong", "kind": "a", "pick": "1"}, renderer=QuickRenderer())
    assert not form.is_valid()
    assert 'id="id_name_error"' in str(form["name"].as_field_group())
    assert form.errors["name"] == ["Ensure this value has at most 5 characters (it has 7)."]
