from __future__ import annotations

from django.apps import apps

from marblejar.portability.registry import AREAS, BY_MODEL, REGISTRY, unlisted_models


def test_every_model_is_listed():
    assert unlisted_models() == []


def test_it_fails_for_a_model_it_does_not_list(monkeypatch):
    from marblejar.portability import registry

    monkeypatch.delitem(registry.BY_MODEL, "pulse.Participation")
    assert unlisted_models() == ["pulse.Participation"]


def test_it_lists_each_model_once_and_only_models_that_exist():
    labels = [kind.model for kind in REGISTRY]
    assert len(labels) == len(set(labels))
    for label in labels:
        assert apps.get_model(label)


def test_every_kind_says_what_who_and_how_long_in_words():
    areas = {area.key for area in AREAS}
    for kind in REGISTRY:
        assert kind.area in areas, kind.model
        for text in (kind.name, kind.what, kind.who_sees, kind.kept):
            assert len(str(text)) > 3, kind.model


def test_what_is_not_exported_says_why():
    for kind in REGISTRY:
        if not kind.exported:
            assert str(kind.left_out), kind.model


def test_sealed_and_tagged_data_is_never_exported():
    for label in (
        "pulse.Ballot",
        "pulse.Answer",
        "pulse.Participation",
        "jar.CrackInbox",
        "reviews.NoteAuthorship",
        "reviews.Vote",
        "reviews.Mark",
    ):
        assert not BY_MODEL[label].exported, label


def test_exported_fields_that_name_a_column_exist_on_the_model():
    # Keys are the model's own field names, except references ("ref",
    # "person") and nested rows, which the export names for itself.
    for kind in REGISTRY:
        model = apps.get_model(kind.model)
        names = {f.name for f in model._meta.get_fields()}
        shared = [f for f in kind.fields if f in names]
        assert shared or not kind.fields, kind.model


def test_the_format_documentation_names_every_exported_key():
    from pathlib import Path

    doc = (Path(__file__).parents[3] / "docs" / "export-schema.md").read_text()
    for kind in REGISTRY:
        for field in kind.fields:
            assert f"`{field}`" in doc, (kind.model, field)
        if kind.section:
            assert f"`{kind.section.split('.')[-1]}`" in doc, kind.model
