from __future__ import annotations

import copy
import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from marblejar.accounts.models import Organization, User
from marblejar.portability.export import export_organization, export_team
from marblejar.portability.importer import import_export
from marblejar.portability.tests.scene import make_scene
from marblejar.reviews.models import Note
from marblejar.teams.models import Team


def wipe() -> None:
    """Empty the instance: every organization, with all it holds."""
    Organization.objects.all().delete()
    for label in ("accounts.Organization", "accounts.User", "teams.Team", "reviews.Review"):
        assert not apps.get_model(label).objects.exists()


def without_time_of_export(data: dict) -> dict:
    data = copy.deepcopy(data)
    data.pop("exported_at")
    return data


@pytest.mark.parametrize("scope", ["organization", "team"])
def test_export_import_export_reads_the_same(personas, scope):
    scene = make_scene(personas)
    first = (
        export_organization(personas.org)
        if scope == "organization"
        else export_team(scene.personas.team)
    )
    old_ids = set(Team.objects.values_list("pk", flat=True))
    wipe()
    org = import_export(json.loads(json.dumps(first)))
    again = (
        export_organization(org)
        if scope == "organization"
        else export_team(Team.objects.get(organization=org, slug="platform"))
    )
    assert without_time_of_export(again) == without_time_of_export(first)
    # New rows, new ids.
    assert not set(Team.objects.values_list("pk", flat=True)) & old_ids


def test_imported_people_choose_a_new_password(personas):
    make_scene(personas)
    data = export_team(personas.team)
    wipe()
    import_export(data)
    lena = User.objects.get(email="lena@acme.test")
    assert not lena.has_usable_password()


def test_imported_anonymous_notes_stay_without_author_or_time(personas):
    scene = make_scene(personas)
    data = export_team(scene.personas.team)
    wipe()
    org = import_export(data)
    notes = Note.objects.filter(organization=org, review__anonymous=True)
    assert notes.count() == 3
    assert not notes.exclude(author=None).exists()
    assert not notes.exclude(created_at=None).exists()


def test_it_refuses_an_address_that_already_has_an_account(personas):
    data = export_team(personas.team)
    with pytest.raises(ValidationError, match="lena@acme.test"):
        import_export(data)
    assert Organization.objects.count() == 2


def test_it_refuses_what_is_not_an_export(db):
    with pytest.raises(ValidationError, match="not a Marblejar export"):
        import_export({"format": "something else"})


def test_it_refuses_a_file_that_breaks_the_schema_and_writes_nothing(personas):
    data = export_team(personas.team)
    wipe()
    data["teams"][0]["slug"] = None
    with pytest.raises(ValidationError, match="teams/0/slug"):
        import_export(data)
    assert not Organization.objects.exists()


def test_imported_pulses_show_what_they_showed_and_no_more(personas, client_for):
    scene = make_scene(personas)
    data = export_team(scene.personas.team)
    wipe()
    org = import_export(data)
    from marblejar.pulse.models import Pulse

    shown, hidden = Pulse.objects.filter(organization=org).order_by("pk")
    assert shown.result.is_shown
    assert not hidden.result.is_shown
    assert hidden.result.counted == 2
    assert not hidden.answers.exists() and not hidden.comments.exists()


def test_it_imports_into_an_organization_without_teams_whose_admin_keeps_their_account(personas):
    make_scene(personas)
    data = export_organization(personas.org)
    wipe()
    fresh = Organization.objects.create(name="New home")
    ada = User.objects.create_user("ada@acme.test", "her own password", organization=fresh)
    org = import_export(data, into=fresh)
    assert org == fresh
    ada.refresh_from_db()
    assert ada.check_password("her own password")
    assert ada.is_org_admin  # as in the export
    assert Team.objects.filter(organization=fresh).count() == 2
    again = export_organization(fresh)
    first, second = without_time_of_export(data), without_time_of_export(again)
    # Ada's own account: her name and when she joined are this Marblejar's.
    for d in (first, second):
        d["organization"]["name"] = d["organization"]["created_at"] = None
        for person in d["people"]:
            if person["email"] == "ada@acme.test":
                person["display_name"] = person["date_joined"] = None
    assert first == second


def test_it_refuses_an_organization_that_already_has_teams(personas):
    data = export_team(personas.team)
    wipe()
    busy = Organization.objects.create(name="Busy")
    Team.objects.create(organization=busy, name="Ops", slug="ops")
    with pytest.raises(ValidationError, match="already has teams"):
        import_export(data, into=busy)
