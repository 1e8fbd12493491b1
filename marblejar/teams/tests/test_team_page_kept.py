"""The team page's kept parts: the same HTML as their partials draw, and never stale."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from marblejar.accounts.services import user_update_profile
from marblejar.jar import selectors as jar_selectors
from marblejar.jar.services import marble_drop_by_hand
from marblejar.jar.views import jar_context
from marblejar.lib.fragments import CSRF_STAND_IN
from marblejar.pulse import selectors as pulse_selectors
from marblejar.pulse.panels import _score_context
from marblejar.pulse.tests.factories import run_pulse, set_k
from marblejar.reflections import selectors as reflection_selectors
from marblejar.reflections import services as reflection_services
from marblejar.reflections.models import Kind
from marblejar.reflections.views import _rows
from marblejar.reviews.models import Review
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.teams import selectors, services
from marblejar.teams.forms import InvitationForm
from marblejar.teams.models import Role
from marblejar.teams.views import _with_urls

pytestmark = pytest.mark.django_db

URL = reverse("teams:detail", args=["platform"])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
HEADER_TOKEN = re.compile(r'"X-CSRFToken": "[^"]+"')


def _same_token(html: str) -> str:
    html = HEADER_TOKEN.sub('"X-CSRFToken": "T"', html)
    return TOKEN.sub('name="csrfmiddlewaretoken" value="T"', html)


@pytest.fixture
def busy_team(personas):
    """The team with something in every panel: people, invitations, reflections, pulses, reviews."""
    p = personas
    services.invitation_create(actor=p.lead, team=p.team, email="new@acme.test", send=False)
    services.invitation_create(actor=p.lead, team=p.team, email="", send=False)
    for n in range(3):
        reflection_services.reflection_create(
            author=p.member if n % 2 else p.lead,
            team=p.team,
            kind=Kind.LESSON,
            title=f"Lesson {n}",
            body="What we learned.",
            tags="one, two",
            publish=True,
        )
    marble_drop_by_hand(
        actor=p.lead, team=p.team, description="Asked for help.", named_user=p.member
    )
    set_k(p.org, 3, 3)
    for days_ago in (70, 40, 10):
        run_pulse(p.lead, p.team, {p.lead: 4, p.member: 3, p.member2: 5}, days_ago=days_ago)
    schedule(p, title="Sprint 1 retrospective")
    advance_to(schedule(p, title="Sprint 2 retrospective"), "reflect", by=p.lead)
    return p


@pytest.mark.parametrize("reader", ["lead", "member", "admin"])
def test_each_kept_part_is_what_its_partial_draws(busy_team, client_for, reader):
    p = busy_team
    user = getattr(p, reader)
    client = client_for(reader)
    first = _same_token(client.get(URL).text)
    again = _same_token(client.get(URL).text)  # from the kept fragments
    assert again == first
    assert CSRF_STAND_IN not in again

    team = p.team
    can_invite = reader != "member"
    members = _with_urls(team, selectors.team_people(team=team))
    invitations = selectors.team_pending_invitations(team=team)
    rows, tags = reflection_selectors.recent_for_team_panel(team=team)
    score_rows = pulse_selectors.team_latest_score_rows(team=team)
    reviews = list(Review.objects.filter(team=team).order_by("-created_at")[:5])
    assert len(members) == 3 and len(invitations) == 2 and len(rows) == 3
    assert score_rows and len(reviews) == 2
    parts = {
        "teams/detail.html#people": {
            "team": team,
            "members": members,
            "can_invite": can_invite,
            "user": user,
            "csrf_token": "T",
        },
        "jar/team_panel.html#jar": jar_context(jar_selectors.jar_state(team=team)),
        "reflections/team_panel.html#recent": {"p": {"recent": _rows(rows, tags)}},
        "pulse/team_panel.html#score": _score_context(team, score_rows),
    }
    # Drawn here from the reviews themselves: the panel draws it from their rows.
    reviews_part = render_to_string(
        "reviews/team_panel.html#panel", {"reviews_panel": {"reviews": reviews, "team": team}}
    )
    # An organization admin outside the team sees no reviews panel (review.list).
    assert (reviews_part in again) is (reader != "admin")
    if can_invite:
        parts["teams/detail.html#invite"] = {
            "team": team,
            "invitations": invitations,
            "invite_form": InvitationForm(),
            "csrf_token": "T",
        }
    for name, context in parts.items():
        drawn = render_to_string(name, context)
        assert drawn.strip(), name
        assert drawn in again, name
    assert ("Make lead" in again) is can_invite
    assert ("new@acme.test" in again) is can_invite


def test_the_people_list_is_each_readers_own_and_follows_changes(busy_team, client_for):
    p = busy_team
    lead, member = client_for("lead"), client_for("member")
    assert "Make lead" in lead.get(URL).text
    as_member = member.get(URL).text
    assert "Make lead" not in as_member
    assert re.search(r"Max Member <span class=\"muted\">\(you\)</span>", as_member)
    assert 'Lena Lead <span class="badge">lead</span></span>' in as_member

    user_update_profile(user=p.member, display_name="Max Renamed")
    membership = selectors.team_people(team=p.team)
    max_membership = next(m for m in membership if m.user_id == p.member.pk)
    services.membership_set_role(actor=p.lead, membership=max_membership, role=Role.LEAD)
    again = member.get(URL).text
    assert "Max Member" not in again
    assert 'Max Renamed <span class="badge">lead</span> <span class="muted">(you)</span>' in again
    assert "Max Renamed" in lead.get(URL).text


def test_the_invitations_and_the_reviews_follow_changes(busy_team, client_for):
    p = busy_team
    lead = client_for("lead")
    page = lead.get(URL).text
    assert "new@acme.test" in page and "Sprint 3" not in page
    invitation = next(i for i in selectors.team_pending_invitations(team=p.team) if i.email)
    services.invitation_revoke(actor=p.lead, invitation=invitation)
    review = schedule(p, title="Sprint 3 retrospective")
    page = lead.get(URL).text
    assert "new@acme.test" not in page and "Sprint 3 retrospective" in page
    before = re.search(r"Sprint 3 retrospective</a> <span class=\"muted\">· ([^<]+)<", page)[1]
    advance_to(review, "reflect", by=p.lead)
    after = re.search(
        r"Sprint 3 retrospective</a> <span class=\"muted\">· ([^<]+)<", lead.get(URL).text
    )[1]
    assert after != before


def test_the_kept_forms_carry_a_token_that_works(busy_team):
    """The CSRF token put into a kept fragment is this visit's, and accepted."""
    p = busy_team
    client = Client(enforce_csrf_checks=True)
    client.force_login(p.lead)
    page = client.get(URL).text
    people = page[page.index('id="people"') :]
    form = re.search(
        r'<form method="post" action="([^"]+/role/)"[^>]*>\s*<input type="hidden" '
        r'name="csrfmiddlewaretoken" value="([^"]+)">',
        people,
    )
    assert form, people[:2000]
    response = client.post(form[1], {"csrfmiddlewaretoken": form[2], "role": "lead"})
    assert response.status_code == 302
    invite = page[page.index('id="invite-panel"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', invite)[1]
    response = client.post(
        reverse("teams:invite", args=["platform"]), {"csrfmiddlewaretoken": token, "role": "member"}
    )
    assert response.status_code == 200
