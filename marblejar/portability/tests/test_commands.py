from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from marblejar.accounts.models import Organization
from marblejar.portability.tests.scene import make_scene
from marblejar.teams.models import Team


def test_it_exports_an_organization_by_name_and_imports_it_elsewhere(personas, tmp_path):
    make_scene(personas)
    path = tmp_path / "acme.json"
    out = io.StringIO()
    call_command("export", "--organization", "Acme", str(path), stdout=out)
    data = json.loads(path.read_text())
    assert data["scope"] == "organization"
    assert "Exported 2 team(s)" in out.getvalue()
    Organization.objects.all().delete()
    out = io.StringIO()
    call_command("import", str(path), "--name", "Acme again", stdout=out)
    assert "Imported 'Acme again'" in out.getvalue()
    assert set(Team.objects.values_list("slug", flat=True)) == {"platform", "product"}


def test_it_exports_a_team_as_a_zip_and_imports_the_zip(personas, tmp_path):
    make_scene(personas)
    path = tmp_path / "platform.zip"
    call_command("export", "--team", "platform", "--in", str(personas.org.pk), str(path))
    assert "reviews_notes.csv" in zipfile.ZipFile(path).namelist()
    Organization.objects.all().delete()
    call_command("import", str(path))
    assert Team.objects.get().slug == "platform"


def test_a_team_name_two_organizations_share_needs_in(personas, tmp_path):
    with pytest.raises(CommandError, match="--in"):
        call_command("export", "--team", "platform", str(tmp_path / "x.json"))


def test_unknown_organization_and_team_are_named(personas, tmp_path):
    with pytest.raises(CommandError, match="'Initech'"):
        call_command("export", "--organization", "Initech", str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="'nope'"):
        call_command("export", "--team", "nope", str(tmp_path / "x.json"))


def test_import_says_what_is_wrong_with_a_file(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not a Marblejar export"):
        call_command("import", str(path))
    path.write_text(json.dumps({"format": "marblejar-export", "version": 1}))
    with pytest.raises(CommandError, match="schema"):
        call_command("import", str(path))
    assert not Organization.objects.exists()


def test_import_refuses_addresses_already_here(personas, tmp_path):
    path = tmp_path / "acme.json"
    call_command("export", "--organization", "Acme", str(path))
    with pytest.raises(CommandError, match="already have an account"):
        call_command("import", str(path))


def test_import_into_names_the_organization(personas, tmp_path):
    path = tmp_path / "acme.json"
    call_command("export", "--team", "platform", "--in", "Acme", str(path))
    Organization.objects.all().delete()
    Organization.objects.create(name="Fresh")
    call_command("import", str(path), "--into", "Fresh")
    assert Team.objects.get().organization.name == "Fresh"
    with pytest.raises(CommandError, match="'Nowhere'"):
        call_command("import", str(path), "--into", "Nowhere")
