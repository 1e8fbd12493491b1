from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import jsonschema
import pytest

from marblejar.portability.export import export_organization, export_team, tables, to_zip
from marblejar.portability.registry import REGISTRY, section_fields
from marblejar.portability.schema import schema, validate
from marblejar.portability.tests.scene import make_scene


@pytest.fixture
def scene(personas):
    return make_scene(personas)


def rows_of(data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    """Every row of a section ("reviews.notes"), nested ones included."""
    head, _, rest = section.partition(".")
    value = data[head]
    rows = value if isinstance(value, list) else [value]
    if not rest:
        return rows
    found: list[Any] = []
    for row in rows:
        child = row[rest]
        if isinstance(child, list):
            found.extend(child)
        elif child is not None:
            found.append(child)
    return found


def test_it_follows_its_json_schema(scene):
    data = export_organization(scene.personas.org)
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(data, schema())
    validate(data)  # what the import uses


def test_the_schema_refuses_an_unknown_key(scene):
    data = export_team(scene.personas.team)
    data["reviews"][0]["author_tags"] = ["..."]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema())


def test_every_row_has_exactly_the_keys_the_registry_lists(scene):
    data = export_organization(scene.personas.org)
    for section, fields in section_fields().items():
        rows = rows_of(data, section)
        assert rows, section
        for row in rows:
            if fields:
                assert list(row) == list(fields), section


def test_the_schema_names_the_registry_fields():
    properties = schema()["properties"]
    for kind in REGISTRY:
        if not kind.section or not kind.fields:
            continue
        node = properties
        parts = kind.section.split(".")
        target: dict[str, Any] = {}
        for i, part in enumerate(parts):
            target = node[part]
            target = target.get("items", target)
            if "anyOf" in target:
                target = target["anyOf"][0]
            if i < len(parts) - 1:
                node = target["properties"]
        assert list(target["properties"]) == list(kind.fields), kind.model
        assert target["additionalProperties"] is False


def test_a_team_export_holds_only_that_team(scene):
    data = export_team(scene.personas.team)
    assert data["scope"] == "team"
    assert [t["slug"] for t in data["teams"]] == ["platform"]
    emails = {p["email"] for p in data["people"]}
    assert emails == {"lena@acme.test", "max@acme.test", "mia@acme.test"}
    assert "otto@acme.test" not in json.dumps(data)


def test_an_organization_export_names_no_other_organization(scene):
    data = export_organization(scene.personas.org)
    text = json.dumps(data)
    assert "Globex" not in text
    assert "olga@globex.test" not in text
    assert {t["slug"] for t in data["teams"]} == {"platform", "product"}


def test_drafts_and_hidden_comments_stay_with_their_people(scene):
    text = json.dumps(export_organization(scene.personas.org))
    assert "A draft nobody else has read" not in text
    assert "A comment the author hid." not in text


def test_pulse_results_only_where_shown_above_the_pulses_own_k(scene):
    data = export_team(scene.personas.team)
    pulses = {p["ref"]: p for p in data["pulses"]}
    shown, hidden = sorted(pulses.values(), key=lambda p: p["ref"])
    assert shown["result"]["counted"] == 3
    assert shown["comments"] == ["Mistakes are held against you.", "We listen."]
    assert hidden["result"] is None
    assert hidden["comments"] == []
    assert "Only two." not in json.dumps(data)


def test_no_ballot_answer_or_participation_is_exported(scene):
    text = json.dumps(export_organization(scene.personas.org))
    for word in ("ballot", "participation", "sealed", "author_tag", "voter_tag", "values"):
        assert word not in text


def test_anonymous_notes_have_no_author_or_time_and_come_by_content(scene):
    data = export_team(scene.personas.team)
    review = next(r for r in data["reviews"] if r["title"] == "Sprint 12")
    assert [(n["column"], n["text"]) for n in review["notes"]] == [
        ("", "Pager went off."),
        ("better", "Alerts too noisy."),
        ("better", "Zebra crossing of tasks."),
    ]
    assert all(n["author"] is None and n["created_at"] is None for n in review["notes"])
    assert all(f["author"] is None for f in review["findings"])
    assert review["safety_counts"] == {"4": 2, "5": 1}


def test_who_wrote_an_anonymous_note_changes_nothing_in_the_export(personas, django_db_blocker):
    first = make_scene(personas, anonymous_writers=("member", "member2"))
    a = export_team(first.personas.team)
    # The same notes by other people: the export must read the same.
    from marblejar.reviews.models import Note

    Note.objects.filter(review=first.anonymous_review).delete()
    for text, column in [("Zebra crossing of tasks.", "better"), ("Alerts too noisy.", "better")][
        ::-1
    ]:
        Note.objects.create(
            organization=personas.org,
            review=first.anonymous_review,
            column=column,
            text=text,
            theme=first.anonymous_review.themes.get(),
        )
    event = first.anonymous_review.timeline_events.get()
    Note.objects.create(
        organization=personas.org,
        review=first.anonymous_review,
        timeline_event=event,
        text="Pager went off.",
    )
    b = export_team(first.personas.team)
    a.pop("exported_at")
    b.pop("exported_at")
    assert a == b


def test_notes_never_revealed_are_not_exported(scene):
    text = json.dumps(export_organization(scene.personas.org))
    assert "Not revealed yet." not in text


def test_cracks_come_as_the_team_sees_them(scene):
    data = export_team(scene.personas.team)
    cracks = data["cracks"]
    assert {c["text"] for c in cracks} == {"Interrupted again.", ""}
    assert "Only for the leads." not in json.dumps(data)
    assert all(set(c) == set(section_fields()["cracks"]) for c in cracks)
    acknowledged = next(c for c in cracks if c["acknowledged_on"])
    assert len(acknowledged["acknowledged_on"]) == 10  # the day, no time


def test_no_database_id_leaves(scene):
    data = export_team(scene.personas.team)
    keys = {m["act_key"] for m in data["marbles"]}
    assert keys == {"reflection:reflection-1", "manual", "review:review-1:question:question-1"}


def test_the_zip_has_the_json_and_a_csv_per_table(scene):
    data = export_team(scene.personas.team)
    archive = zipfile.ZipFile(io.BytesIO(to_zip(data)))
    names = set(archive.namelist())
    assert {"export.json", "people.csv", "reviews.csv", "reviews_notes.csv", "pulses.csv"} <= names
    assert json.loads(archive.read("export.json")) == data
    notes = list(csv.DictReader(io.StringIO(archive.read("reviews_notes.csv").decode())))
    assert {n["review"] for n in notes} == {"review-1"}
    assert [n["text"] for n in notes][-1] == "Zebra crossing of tasks."
    by_name = {name: (columns, rows) for name, columns, rows in tables(data)}
    assert by_name["people"][1][0]["ref"] == "person-1"


def test_a_table_with_no_rows_still_names_its_columns(scene):
    archive = zipfile.ZipFile(io.BytesIO(to_zip(export_team(scene.personas.other_team))))
    header = archive.read("reviews_notes.csv").decode().strip()
    assert header == "review,column,timeline_event,text,author,created_at,theme"
