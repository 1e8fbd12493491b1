"""Every web form field refuses what the database cannot take, with a message.

An exhaustive walk over every form class in Marblejar and every field in it:
a NUL character in any text, an integer beyond 64 bits, a date at the end of
the calendar. Each must be a validation error (shown next to the field, with
what was typed kept), never an exception that ends in a server error later.
Runs on SQLite and on PostgreSQL, like the whole suite.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError

import marblejar

HOSTILE_TEXT = ["a\x00b", "\x00"]
HOSTILE_INTEGERS = [str(2**63), str(-(2**63) - 1), str(10**20), "1e20"]
HOSTILE_DATES = ["9999-12-31", "0001-01-01", "10000-01-01"]
HOSTILE_DATETIMES = ["9999-12-31T23:59", "9999-12-31 23:59", "0001-01-01T00:00"]


def all_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(marblejar.__path__, "marblejar."):
        if ".tests" in module.name or ".migrations" in module.name:
            continue
        if module.name.rsplit(".", 1)[-1].startswith("forms"):
            importlib.import_module(module.name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("marblejar.") and ".tests" not in sub.__module__:
                found.add(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


def hostile_values(field: forms.Field) -> list[str]:
    if isinstance(field, forms.DateTimeField):
        return HOSTILE_DATETIMES
    if isinstance(field, forms.DateField):
        return HOSTILE_DATES
    if isinstance(field, forms.IntegerField):
        return HOSTILE_INTEGERS
    if isinstance(field, forms.ModelChoiceField):
        return HOSTILE_INTEGERS + HOSTILE_TEXT
    if isinstance(field, forms.ChoiceField | forms.CharField):
        return HOSTILE_TEXT
    return []


FIELDS = [
    pytest.param(
        form, name, id=f"{form.__module__.removeprefix('marblejar.')}.{form.__name__}.{name}"
    )
    for form in all_form_classes()
    for name, field in form.base_fields.items()
    if hostile_values(field)
]


def test_the_walk_finds_the_forms():
    names = {f"{form.__name__}.{name}" for form, name in (p.values for p in FIELDS)}
    # A few known ones, so that a broken walk cannot pass by finding nothing.
    assert {"LoginForm.username", "ScheduleForm.closes_at", "PracticeForm.minutes"} <= names
    assert len(FIELDS) > 60


@pytest.mark.django_db
@pytest.mark.parametrize(("form", "name"), FIELDS)
def test_every_field_refuses_what_the_database_cannot_take(form, name):
    field = form.base_fields[name]
    if isinstance(field, forms.ModelChoiceField) and field.queryset is None:
        pytest.skip("its choices are set per form")
    for value in hostile_values(field):
        with pytest.raises(ValidationError) as refused:
            field.clean(value)
        assert refused.value.messages and all(refused.value.messages), (name, value)


@pytest.mark.parametrize(
    "url",
    [
        "/t/platform/?tab=%00",
        "/reflections/?team=%00",
        "/t/%00/",
    ],
)
def test_a_nul_in_the_address_is_a_readable_400_page(client_for, url):
    response = client_for("member").get(url)
    assert response.status_code == 400
    assert "NUL character" in response.text
    assert 'class="skip-link"' in response.text  # our layout, not a bare error


@pytest.mark.parametrize(
    "url",
    ["/api/v1/teams/%00", "/api/v1/reflections?team=%00", "/api/v1/teams/platform/actions?x=%00"],
)
def test_a_nul_in_an_api_address_is_a_readable_400(client_for, url):
    response = client_for("lead").get(url)
    assert response.status_code == 400
    assert "NUL character" in response.json()["detail"]


def test_a_nul_in_a_posted_field_is_refused_before_any_lookup(client_for):
    # The ids are read straight from the form for a lookup.
    response = client_for("member").post("/notifications/read/", {"id": "1\x00"})
    assert response.status_code == 400
    assert "NUL character" in response.text
