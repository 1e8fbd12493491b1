from __future__ import annotations

import io
import json
import zipfile
from html import escape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marblejar.portability.export import export_team
from marblejar.portability.registry import REGISTRY
from marblejar.portability.tests.scene import make_review, make_scene
from marblejar.reviews.models import Note, Phase

PAGE = reverse("portability:what_we_store")


def test_what_we_store_lists_every_kind_of_data_in_words(client_for, personas):
    response = client_for("member").get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    for kind in REGISTRY:
        assert f'id="{kind.model.lower().replace(".", "")}"' in page, kind.model
        assert escape(str(kind.who_sees)[1:]) in page
    assert "That you answered a pulse, for one answer each. Never what you answered." in page


def test_anyone_may_read_it_before_signing_up(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    assert reverse("accounts:export") not in response.content.decode()


def test_the_footer_and_the_account_page_link_to_it(client_for, personas):
    client = client_for("member")
    assert PAGE in client.get(reverse("teams:list")).content.decode()
    assert PAGE in client.get(reverse("accounts:profile")).content.decode()


def test_only_admins_are_offered_the_organization_export(client_for, personas):
    url = reverse("portability:organization_export")
    assert url in client_for("admin").get(PAGE).content.decode()
    assert url not in client_for("lead").get(PAGE).content.decode()
    assert url in client_for("admin").get(reverse("teams:organization")).content.decode()


def test_an_admin_downloads_the_organization_as_json(client_for, personas):
    make_scene(personas)
    response = client_for("admin").get(reverse("portability:organization_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert 'attachment; filename="marblejar-acme-' in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["scope"] == "organization"
    assert {t["slug"] for t in data["teams"]} == {"platform", "product"}


def test_a_lead_downloads_the_team_as_a_zip_from_the_team_settings(client_for, personas):
    make_scene(personas)
    client = client_for("lead")
    url = reverse("portability:team_export", args=["platform"])
    assert url in client.get(reverse("teams:edit", args=["platform"])).content.decode()
    response = client.get(url + "?format=zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert json.loads(archive.read("export.json"))["scope"] == "team"


def test_members_may_not_export_their_team(client_for, personas):
    url = reverse("portability:team_export", args=["platform"])
    assert client_for("member").get(url).status_code == 403
    assert client_for("other").get(url).status_code == 404


def test_the_export_costs_the_same_queries_however_much_the_team_holds(personas):
    make_scene(personas)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export_team(personas.team)
        return len(captured.captured_queries)

    few = queries()
    for i in range(5):
        review = make_review(personas, title=f"Retro {i}", anonymous=True, phase=Phase.CLOSED)
        Note.objects.create(organization=personas.org, review=review, text=f"Note {i}")
    assert queries() == few
