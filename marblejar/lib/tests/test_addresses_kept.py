from __future__ import annotations

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import NoReverseMatch

from marblejar.lib import addresses_kept


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_url_and_static_are_worked_out_once_and_stay_right():
    addresses_kept._URLS.clear()
    source = "{% load static %}{% url 'teams:detail' slug %}|{% static 'marblejar/app.js' %}"
    assert render(source, slug="platform") == "/t/platform/|/static/marblejar/app.js"
    assert render(source, slug="other") == "/t/other/|/static/marblejar/app.js"
    [key] = [k for k in addresses_kept._URLS if k[:2] == ("teams:detail", ("other",))]
    assert addresses_kept._URLS[key] == "/t/other/"
    # What is kept is what is given: a poisoned entry shows that the tag reads it.
    addresses_kept._URLS[key] = "/kept/"
    assert render(source, slug="other").startswith("/kept/|")
    addresses_kept._URLS.clear()


def test_as_var_and_a_failed_address_behave_as_djangos_tags():
    assert render("{% url 'teams:detail' s as u %}[{{ u }}]", s="a-b") == "[/t/a-b/]"
    assert render("{% url 'no-such-page' as u %}[{{ u }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    assert render("{% url 'teams:detail' slug='x' %}") == "/t/x/"


def test_a_number_and_true_are_not_the_same_address():
    assert render("{% url 'reflections:detail' v %}", v=1) == "/reflections/1/"
    with pytest.raises(NoReverseMatch):
        render("{% url 'reflections:detail' v %}", v=True)


def test_a_new_url_configuration_forgets_what_was_kept():
    render("{% url 'home' %}")
    assert addresses_kept._URLS
    with override_settings(ROOT_URLCONF="marblejar.lib.tests.handler_urls"):
        assert not addresses_kept._URLS


def test_a_static_files_address_is_kept_by_its_storage_and_follows_the_settings():
    from django.contrib.staticfiles.storage import staticfiles_storage

    source = "{% load static %}{% static 'marblejar/app.js' %}"
    assert render(source) == "/static/marblejar/app.js"
    assert ("marblejar/app.js", "/static/", False) in staticfiles_storage._kept_addresses
    with override_settings(STATIC_URL="/elsewhere/"):
        assert render(source) == "/elsewhere/marblejar/app.js"
    assert render(source) == "/static/marblejar/app.js"


def test_what_is_kept_is_bounded(monkeypatch):
    monkeypatch.setattr(addresses_kept, "LIMIT", 3)
    addresses_kept._URLS.clear()
    for slug in "abcde":
        render("{% url 'teams:detail' s %}", s=slug)
    assert 1 <= len(addresses_kept._URLS) <= 3
