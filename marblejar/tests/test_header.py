"""The header on every page: the team switcher and the bell, without a query of their own.

The bell's unread count and the switcher's teams are kept on the person's
row: both come with the user the session loads. These tests change
things through the real services and read the page again, as people would,
and check that the header never shows what has changed since.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marblejar.accounts.models import User
from marblejar.notifications import selectors as notification_selectors
from marblejar.notifications import services as notifications
from marblejar.teams import services as teams
from marblejar.teams.models import Membership, Role, Team

pytestmark = pytest.mark.django_db


def tell(personas, who, team=None):
    return notifications.notify(
        recipients=who,
        kind="reflection_comment",
        url="/reflections/1/",
        params={"actor": "Mia Member", "title": "I broke the build", "team": "Platform"},
        team=team or personas.team,
    )


def bell(client) -> int:
    return client.get("/account/").context["unread_notifications"]


def switcher(client) -> list[str]:
    return [t["name"] for t in client.get("/account/").context["my_teams"]]


def stored(user) -> int:
    return User.objects.get(pk=user.pk).unread_notifications


def exact(user) -> bool:
    return stored(user) == notification_selectors.unread_count(user_id=user.pk)


def test_the_header_costs_no_query(personas, client_for):
    tell(personas, [personas.member])
    client = client_for("member")
    client.get("/account/")
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/account/")
    # The session and the user; nothing for the teams or the bell.
    assert len(captured) == 2
    assert b'class="bell-count">1<' in page.content
    assert b">Platform</a>" in page.content


def test_the_bell_counts_new_notifications_and_stays_exact(personas, client_for):
    client = client_for("member")
    assert bell(client) == 0
    tell(personas, [personas.member, personas.lead])
    tell(personas, [personas.member])
    assert bell(client) == 2 and exact(personas.member)
    assert stored(personas.lead) == 1 and exact(personas.lead)


def test_notifications_switched_off_are_not_counted(personas, client_for):
    notifications.preferences_update(user=personas.member, channels={"reflection_comment": "off"})
    tell(personas, [personas.member])
    assert bell(client_for("member")) == 0 and exact(personas.member)


def test_opening_one_notification_counts_one_less(personas, client_for):
    first, *_ = tell(personas, [personas.member])
    tell(personas, [personas.member])
    client = client_for("member")
    assert bell(client) == 2
    client.get(f"/notifications/{first.pk}/")
    assert bell(client) == 1 and exact(personas.member)
    # Opening it again changes nothing.
    client.get(f"/notifications/{first.pk}/")
    assert bell(client) == 1 and exact(personas.member)


def test_marking_all_read_empties_the_bell(personas, client_for):
    for _ in range(3):
        tell(personas, [personas.member])
    client = client_for("member")
    client.post("/notifications/read/")
    assert bell(client) == 0 and exact(personas.member)
    tell(personas, [personas.member])
    assert bell(client) == 1 and exact(personas.member)


def test_deleting_a_team_takes_its_unread_notifications_off_the_bell(personas, client_for):
    tell(personas, [personas.member, personas.other], team=personas.other_team)
    read, *_ = tell(personas, [personas.member], team=personas.other_team)
    notifications.notifications_mark_read(user=personas.member, ids=[read.pk])
    tell(personas, [personas.member])
    client = client_for("member")
    assert bell(client) == 2
    teams.team_delete(actor=personas.admin, team=personas.other_team)
    assert bell(client) == 1 and exact(personas.member)
    assert stored(personas.other) == 0 and exact(personas.other)


def test_saving_a_person_loaded_earlier_does_not_undo_the_count(personas, client_for):
    loaded = User.objects.get(pk=personas.member.pk)
    tell(personas, [personas.member])
    loaded.display_name = "Max M."
    loaded.save()
    assert stored(personas.member) == 1 and exact(personas.member)
    assert User.objects.get(pk=personas.member.pk).display_name == "Max M."


def test_the_switcher_follows_joining_leaving_and_renaming(personas, client_for):
    client = client_for("lead")
    assert switcher(client) == ["Platform"]
    # Another team, and the lead joins it (through the invitation's way in).
    teams.team_join(actor=personas.admin, team=personas.other_team)
    membership = Membership.objects.create(
        organization=personas.org, team=personas.other_team, user=personas.lead, role=Role.MEMBER
    )
    assert switcher(client) == ["Platform", "Product"]
    teams.team_update(
        actor=personas.admin, team=personas.other_team, name="Zebra crossing", description=""
    )
    assert switcher(client) == ["Platform", "Zebra crossing"]
    teams.membership_remove(actor=personas.admin, membership=membership)
    assert switcher(client) == ["Platform"]


def test_the_switcher_drops_a_deleted_team(personas, client_for):
    client = client_for("other")
    assert switcher(client) == ["Product"]
    teams.team_delete(actor=personas.admin, team=personas.other_team)
    assert switcher(client) == []
    assert b'href="/teams/"' in client.get("/account/").content


def test_one_persons_switcher_is_never_anothers(personas, client_for):
    assert switcher(client_for("lead")) == ["Platform"]
    assert switcher(client_for("other")) == ["Product"]
    Team.objects.create(organization=personas.org, name="Empty", slug="empty")
    assert switcher(client_for("admin")) == []
