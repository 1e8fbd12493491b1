from __future__ import annotations

from django.urls import reverse

from marblejar.teams.services import invitation_create
from marblejar.teams.tests.helpers import add_members, count_queries

URL = reverse("teams:detail", args=["platform"])


def test_a_member_sees_the_people_without_lead_tools(client_for, personas):
    page = client_for("member").get(URL)
    assert page.status_code == 200
    for name in ("Lena Lead", "Max Member", "Mia Member"):
        assert name in page.text
    assert "Otto Other" not in page.text
    assert "Invite people" not in page.text
    assert "Edit team" not in page.text
    assert "Leave team" in page.text


def test_a_lead_sees_invitations_and_lead_tools(client_for, personas):
    invitation_create(actor=personas.lead, team=personas.team, email="n@acme.test", send=False)
    page = client_for("lead").get(URL)
    assert "Invite people" in page.text
    assert "n@acme.test" in page.text
    assert "Make lead" in page.text
    assert "Edit team" in page.text


def test_an_admin_outside_the_team_may_join_it(client_for, personas):
    page = client_for("admin").get(URL)
    assert "Join as lead" in page.text


def test_another_team_and_another_organization_get_not_found(client_for, personas):
    assert client_for("other").get(URL).status_code == 404
    # The outsider's own team has the same slug: slugs are per organization,
    # so the outsider sees their team, never ours.
    page = client_for("outsider").get(URL)
    assert page.status_code == 200
    assert "Globex" in page.text
    assert "Lena Lead" not in page.text


def test_it_connects_to_the_live_stream_after_the_newest_event(client_for, personas):
    page = client_for("member").get(URL)
    assert f'sse-connect="/t/platform/events/?after={page.context["last_event_id"]}"' in page.text


def test_its_queries_do_not_grow_with_members(client_for, personas):
    client = client_for("lead")
    client.get(URL)  # the first visit makes it the current team (a session write)
    for n in range(3):
        invitation_create(actor=personas.lead, team=personas.team, email=f"{n}@x.test", send=False)
    small = count_queries(lambda: client.get(URL))
    add_members(personas.team, 30)
    for n in range(3, 30):
        invitation_create(actor=personas.lead, team=personas.team, email=f"{n}@x.test", send=False)
    large = count_queries(lambda: client.get(URL))
    assert large == small
