from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from marblejar.lib.events import reset_broker
from marblejar.realtime.fanout import get_fanout
from marblejar.realtime.models import Event
from marblejar.teams import services
from marblejar.teams.models import Invitation, Membership, Role, Team
from marblejar.teams.selectors import team_stream


def test_joining_publishes_an_event_after_commit(personas, django_capture_on_commit_callbacks):
    invitation, _raw = services.invitation_create(
        actor=personas.lead, team=personas.team, send=False
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invitation_accept(invitation=invitation, user=personas.other)
    # Nothing is stored or sent until the transaction commits...
    assert not Event.objects.exists()
    for callback in callbacks:
        callback()
    event = Event.objects.get()
    assert event.stream == team_stream(personas.team)
    assert event.kind == "member_joined"
    assert event.organization_id == personas.org.pk
    assert event.payload["user_id"] == personas.other.pk
    assert event.payload["display_name"] == "Otto Other"
    assert event.payload["role"] == Role.MEMBER


def test_a_rolled_back_join_publishes_nothing(personas, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.team_join(actor=personas.admin, team=personas.team)
        raise RuntimeError("something later in the request failed")
    assert not Event.objects.exists()
    assert not Membership.objects.filter(user=personas.admin, team=personas.team).exists()


def test_leaving_publishes_member_left(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_remove(
            actor=personas.member, membership=personas.membership(personas.member)
        )
    assert Event.objects.get(stream=team_stream(personas.team)).kind == "member_left"


@pytest.mark.django_db(transaction=True)
def test_live_subscribers_receive_the_published_event(personas):
    loop = asyncio.new_event_loop()
    try:

        async def subscribe():
            tailer = await get_fanout().tailer()
            return tailer, tailer.subscribe([team_stream(personas.team)])

        tailer, subscription = loop.run_until_complete(subscribe())
        services.team_join(actor=personas.admin, team=personas.team)
        delivery = loop.run_until_complete(asyncio.wait_for(subscription.queue.get(), 5))
        tailer.unsubscribe(subscription)
    finally:
        # Stop the tailer before closing its loop.
        for task in asyncio.all_tasks(loop):
            task.cancel()
            loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
        reset_broker()
        loop.close()
    [message] = delivery.messages
    assert message.kind == "member_joined"
    assert message.payload["user_id"] == personas.admin.pk
    assert message.id == Event.objects.get().pk


def test_an_invitation_works_once(personas):
    invitation, _raw = services.invitation_create(
        actor=personas.lead, team=personas.team, send=False
    )
    services.invitation_accept(invitation=invitation, user=personas.other)
    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_accept(invitation=invitation, user=personas.admin)
    assert not Membership.objects.filter(user=personas.admin, team=personas.team).exists()


def test_accepting_reads_the_invitation_afresh_under_a_lock(personas):
    # A stale copy (as a concurrent request would hold) must not let a used
    # invitation through: the service re-reads the row with select_for_update.
    invitation, _raw = services.invitation_create(
        actor=personas.lead, team=personas.team, send=False
    )
    stale = Invitation.objects.get(pk=invitation.pk)
    services.invitation_accept(invitation=invitation, user=personas.other)
    assert stale.accepted_at is None
    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_accept(invitation=stale, user=personas.admin)


def test_an_expired_or_revoked_invitation_is_refused(personas):
    invitation, _raw = services.invitation_create(
        actor=personas.lead, team=personas.team, send=False
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(invitation=invitation, user=personas.other)
    fresh, _raw = services.invitation_create(actor=personas.lead, team=personas.team, send=False)
    services.invitation_revoke(actor=personas.lead, invitation=fresh)
    with pytest.raises(ValidationError, match="withdrawn"):
        services.invitation_accept(invitation=fresh, user=personas.other)


def test_an_accepted_invitation_cannot_be_revoked(personas):
    invitation, _raw = services.invitation_create(
        actor=personas.lead, team=personas.team, send=False
    )
    services.invitation_accept(invitation=invitation, user=personas.other)
    with pytest.raises(ValidationError, match="already been accepted"):
        services.invitation_revoke(actor=personas.lead, invitation=invitation)


def test_an_invitation_expires_after_the_configured_days(personas, settings):
    settings.INVITATION_DAYS = 2
    invitation, _raw = services.invitation_create(
        actor=personas.lead, team=personas.team, send=False
    )
    assert abs((invitation.expires_at - timezone.now()) - timedelta(days=2)) < timedelta(minutes=1)


def test_an_invitation_stores_only_a_hash_of_its_token(personas):
    invitation, raw = services.invitation_create(
        actor=personas.lead, team=personas.team, send=False
    )
    assert raw not in invitation.token_hash
    assert services.invitation_lookup(raw) == invitation
    assert services.invitation_lookup(raw + "x") is None


def test_an_organization_invitation_needs_an_admin(personas):
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=personas.lead, team=None, send=False)
    invitation, _raw = services.invitation_create(actor=personas.admin, team=None, send=False)
    assert services.invitation_accept(invitation=invitation, user=personas.member) is None


def test_services_refuse_actors_of_another_organization(personas):
    with pytest.raises(PermissionDenied):
        services.team_update(actor=personas.outsider, team=personas.team, name="X", description="")
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=personas.outsider, team=personas.team, send=False)
    with pytest.raises(PermissionDenied):
        services.membership_remove(
            actor=personas.outsider, membership=personas.membership(personas.member)
        )


def test_team_create_makes_the_creator_lead_and_a_unique_slug(personas):
    team = services.team_create(actor=personas.admin, name="Platform ops")
    assert team.slug == "platform-ops"
    assert Membership.objects.get(team=team).role == Role.LEAD
    again = services.team_create(actor=personas.admin, name="Platform: ops")
    assert again.slug == "platform-ops-2"


def test_team_create_without_joining(personas):
    team = services.team_create(actor=personas.admin, name="Ghost", join_as_lead=False)
    assert not Membership.objects.filter(team=team).exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_team_names_must_be_sensible(personas, name):
    with pytest.raises(ValidationError):
        services.team_create(actor=personas.admin, name=name)
    assert Team.objects.filter(organization=personas.org).count() == 2


def test_membership_set_role_refuses_an_unknown_role(personas):
    with pytest.raises(ValidationError):
        services.membership_set_role(
            actor=personas.lead, membership=personas.membership(personas.member), role="owner"
        )
