"""The team page's People list and "Waiting to join" reload themselves when people change."""

from __future__ import annotations

import re

from django.urls import reverse

from marblejar.lib.events import Message
from marblejar.realtime.models import Event
from marblejar.realtime.registry import render
from marblejar.teams import services

PAGE = reverse("teams:detail", args=["platform"])
PEOPLE = reverse("teams:people", args=["platform"])
WAITING = reverse("teams:invitations", args=["platform"])
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_page_s_lists_reload_on_the_team_s_people_events(client_for, personas):
    services.invitation_create(actor=personas.lead, team=personas.team, send=False)
    page = client_for("lead").get(PAGE).text
    people = re.search(r'<section[^>]*id="people"[^>]*>', page).group(0)
    assert f'hx-get="{PEOPLE}"' in people
    assert 'hx-trigger="sse:member_joined, sse:member_left, sse:member_role"' in people
    waiting = re.search(r'<div[^>]*id="pending-invitations"[^>]*>', page).group(0)
    assert f'hx-get="{WAITING}"' in waiting and 'hx-trigger="sse:member_joined"' in waiting


def test_the_people_list_shows_whoever_joined_with_the_reader_s_tools(client_for, personas):
    invitation, _raw = services.invitation_create(
        actor=personas.lead, team=personas.team, send=False
    )
    services.invitation_accept(invitation=invitation, user=personas.other)
    lead = client_for("lead").get(PEOPLE, **HTMX)
    assert lead.status_code == 200
    assert "Otto Other" in lead.text and "(4)" in lead.text
    assert 'Make lead<span class="visually-hidden"> Otto Other' in lead.text
    member = client_for("member").get(PEOPLE, **HTMX)
    assert "Otto Other" in member.text and "Make lead" not in member.text


def test_the_used_invitation_no_longer_waits_to_join(client_for, personas):
    invitation, _raw = services.invitation_create(
        actor=personas.lead, team=personas.team, send=False
    )
    assert "Waiting to join" in client_for("lead").get(WAITING, **HTMX).text
    services.invitation_accept(invitation=invitation, user=personas.other)
    assert "Waiting to join" not in client_for("lead").get(WAITING, **HTMX).text


def test_someone_removed_while_on_the_page_is_told_in_place_of_the_list(client_for, personas):
    client = client_for("member")
    services.membership_remove(actor=personas.lead, membership=personas.membership(personas.member))
    live = client.get(PEOPLE, **HTMX)
    assert live.status_code == 200
    assert "You are no longer in this team." in live.text
    assert "Lena Lead" not in live.text and "hx-trigger" not in live.text
    # Outside the page's live reload the list answers as the team page does.
    assert client.get(PEOPLE).status_code == 404
    assert client_for("other").get(PEOPLE).status_code == 404


def test_a_lead_made_a_member_stops_reloading_the_invitations(client_for, personas):
    services.invitation_create(actor=personas.lead, team=personas.team, send=False)
    live = client_for("member").get(WAITING, **HTMX)
    assert live.status_code == 200 and "Waiting to join" not in live.text
    assert client_for("member").get(WAITING).status_code == 403


def test_a_role_change_and_a_departure_reach_the_page_as_signals(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_set_role(
            actor=personas.lead, membership=personas.membership(personas.member), role="lead"
        )
        services.membership_remove(
            actor=personas.member2, membership=personas.membership(personas.member2)
        )
    team_events = Event.objects.filter(stream=f"team:{personas.team.pk}").order_by("pk")
    kinds = list(team_events.values_list("kind", flat=True))
    assert kinds == ["member_role", "member_left"]
    for event in team_events:
        message = Message(id=event.pk, stream=event.stream, kind=event.kind, payload=event.payload)
        # Browsers drop an event with empty data, so the list would never hear of it.
        assert render(message, personas.lead)
