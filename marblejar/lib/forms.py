"""Form helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names.

    Errors for fields the form does not have go to the top of the form, so
    nothing a service says is lost.
    """
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target, e)
    else:
        for message in error.messages:
            form.add_error(None, message)


class QuickSelect(forms.Select):
    """A ``<select>`` with the markup of Django's own, written in Python.

    Django draws each option through two included templates; a list of a
    team's fifty people costs a hundred template renderings on every page
    that shows it. This widget writes the same characters directly
    (``marblejar/lib/tests/test_forms.py`` compares them with Django's).
    """

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f"<select name={_quoted(widget['name'])}{_attrs(widget['attrs'])}>"]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                out.append(
                    f'\n  <option value="{escape(option["value"])}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 (every value escaped above)


def _quoted(value: Any) -> str:
    return f'"{conditional_escape(value)}"'


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{escape(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


# The form templates a field group is drawn with, written in Python -------------------


def _out(value: Any) -> str:
    """What ``{{ value }}`` writes in a template: the text, escaped unless it is safe."""
    return conditional_escape(value)


def _formatted(value: Any) -> str:
    """What ``{{ value|stringformat:'s' }}`` writes."""
    if isinstance(value, tuple):
        value = str(value)
    text = str(value)
    return text if isinstance(value, SafeData) else escape(text)


def _attrs_html(attrs: dict[str, Any]) -> str:
    """``django/forms/attrs.html`` and ``django/forms/widgets/attrs.html``."""
    return "".join(
        f" {_out(name)}" + ("" if value is True else f'="{_formatted(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return (
        f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{value}'
        f"{_attrs_html(widget['attrs'])}>"
    )


def _input_option(widget: dict[str, Any]) -> str:
    if not widget.get("wrap_label"):
        return _input(widget)
    label_for = f' for="{_out(widget["attrs"]["id"])}"' if widget["attrs"].get("id") else ""
    return f"<label{label_for}>{_input(widget)}\n {_out(widget['label'])}</label>"


def _select(widget: dict[str, Any]) -> str:
    out = [f'<select name="{_out(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            out.append(
                f'\n  <option value="{_formatted(option["value"])}"'
                f"{_attrs_html(option['attrs'])}>{_out(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _textarea(widget: dict[str, Any]) -> str:
    value = _out(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{_out(widget["name"])}"{_attrs_html(widget["attrs"])}>\n'
        f"{value}</textarea>"
    )


def _label(context: dict[str, Any]) -> str:
    if not context["use_tag"]:
        return _out(context["label"])
    tag = _out(context["tag"])
    return f"<{tag}{_attrs_html(context['attrs'])}>{_out(context['label'])}</{tag}>"


def _errors(context: dict[str, Any]) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = f' id="{_out(errors.field_id)}_error"' if errors.field_id else ""
    items = "".join(f"<li>{_out(error)}</li>" for error in errors)
    return f'<ul class="{_out(context["error_class"])}"{field_id}>{items}</ul>'


def _field(context: dict[str, Any]) -> str:
    field = context["field"]
    out = []
    if field.use_fieldset:
        described = field.aria_describedby
        described = f' aria-describedby="{_out(described)}"' if described else ""
        legend = _out(field.legend_tag()) if field.label else ""
        out.append(f"\n  <fieldset{described}>\n  {legend}\n")
    else:
        label = _out(field.label_tag()) if field.label else ""
        out.append(f"\n  {label}\n")
    out.append("\n")
    if field.help_text:
        helptext_id = f' id="{_out(field.auto_id)}_helptext"' if field.auto_id else ""
        out.append(f'<div class="helptext"{helptext_id}>{field.help_text}</div>')
    out.append(f"\n{_out(field.errors)}\n{_out(field)}")
    if field.use_fieldset:
        out.append("</fieldset>")
    return "".join(out).strip()


_INPUT_TEMPLATES = (
    "text",
    "number",
    "email",
    "url",
    "password",
    "hidden",
    "date",
    "datetime",
    "time",
    "checkbox",
    "search",
    "tel",
    "color",
)
_WRITERS: dict[str, Callable[[dict[str, Any]], str]] = {
    **{
        f"django/forms/widgets/{name}.html": lambda c: _input(c["widget"])
        for name in _INPUT_TEMPLATES
    },
    "django/forms/widgets/input.html": lambda c: _input(c["widget"]),
    "django/forms/widgets/textarea.html": lambda c: _textarea(c["widget"]),
    "django/forms/widgets/select.html": lambda c: _select(c["widget"]),
    "django/forms/widgets/input_option.html": lambda c: _input_option(c["widget"]),
    "django/forms/widgets/radio_option.html": lambda c: _input_option(c["widget"]),
    "django/forms/widgets/checkbox_option.html": lambda c: _input_option(c["widget"]),
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
    "django/forms/field.html": _field,
}


class QuickRenderer(DjangoTemplates):
    """Django's form renderer, with the templates of a field group written in Python.

    A field drawn with ``{{ field.as_field_group }}`` goes through five or
    six small templates (the group, its label, its attributes, its errors,
    the widget and the widget's attributes), about half a millisecond a
    field. This renderer writes those templates' exact characters directly
    (``lib/tests/test_forms.py`` compares them with Django's for every
    field of the board's forms, bound and unbound, with and without
    errors); whatever else is asked of it (a whole form, a radio list) it
    leaves to Django's templates. The forms still parse and validate as
    before: only the drawing changes.
    """

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        writer = _WRITERS.get(template_name)
        if writer is None:
            return super().render(template_name, context, request)
        return writer(context)


QUICK_RENDERER = QuickRenderer()
