from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from marblejar.jar.models import Crack, Marble
from marblejar.jar.tests.helpers import release_reports
from marblejar.realtime.models import Event
from marblejar.reflections import selectors, services
from marblejar.reflections.models import Kind, Status
from marblejar.teams.models import Membership

pytestmark = pytest.mark.django_db


def mistake(p, author=None, team="team", **extra):
    values = {
        "title": "I deployed on a Friday",
        "what_happened": "The release broke sign-in for an hour.",
        "correction": "I rolled back and wrote a checklist.",
        "publish": True,
        **extra,
    }
    return services.reflection_create(
        author=author or p.lead,
        team=getattr(p, team) if team else None,
        kind=Kind.MISTAKE,
        **values,
    )


def test_it_publishes_a_lead_s_mistake_with_the_lead_mark(personas):
    reflection = mistake(personas, tags="Deploys, on-call, deploys")
    assert reflection.status == Status.PUBLISHED
    assert reflection.published_at is not None
    assert reflection.by_lead is True
    assert [t.name for t in reflection.tags.order_by("name")] == ["deploys", "on-call"]


def test_a_member_s_reflection_carries_no_lead_mark(personas):
    reflection = mistake(personas, author=personas.member)
    assert reflection.by_lead is False


def test_it_refuses_to_publish_a_mistake_without_what_was_done_to_correct_it(personas):
    with pytest.raises(ValidationError) as e:
        mistake(personas, correction="   ")
    assert "correction" in e.value.error_dict


def test_a_draft_needs_only_a_title_and_stays_private(personas):
    draft = services.reflection_create(
        author=personas.member, team=personas.team, kind=Kind.LESSON, title="Half an idea"
    )
    assert draft.status == Status.DRAFT
    assert selectors.reflection_get(user=personas.member, reflection_id=draft.pk) == draft
    with pytest.raises(Http404):
        selectors.reflection_get(user=personas.lead, reflection_id=draft.pk)
    assert draft not in selectors.reflection_list_for_team(team=personas.team)


def test_it_refuses_text_over_twenty_thousand_characters(personas):
    with pytest.raises(ValidationError) as e:
        services.reflection_create(
            author=personas.member,
            team=personas.team,
            kind=Kind.LESSON,
            title="Long",
            body="x" * 20_001,
            publish=True,
        )
    assert "20,000" in e.value.error_dict["body"][0].messages[0]
    services.reflection_create(
        author=personas.member,
        team=personas.team,
        kind=Kind.LESSON,
        title="Just fits",
        body="x" * 20_000,
        publish=True,
    )


def test_someone_outside_the_team_cannot_write_for_it(personas):
    with pytest.raises(PermissionDenied):
        mistake(personas, author=personas.other)


def test_the_first_respectful_reaction_from_a_teammate_drops_one_marble(
    personas, django_capture_on_commit_callbacks
):
    reflection = mistake(personas)
    with django_capture_on_commit_callbacks(execute=True):
        services.reaction_add(user=personas.member, reflection=reflection, kind="thanks")
        services.reaction_add(user=personas.member2, reflection=reflection, kind="learned")
        services.reaction_add(user=personas.member, reflection=reflection, kind="me_too")
    marbles = list(Marble.objects.filter(team=personas.team))
    assert len(marbles) == 1
    assert marbles[0].act == "mistake"
    assert marbles[0].response == "thanks"
    assert marbles[0].act_by == personas.lead
    assert marbles[0].response_by == personas.member
    event = Event.objects.get(kind="marble_dropped")
    assert event.stream == f"team:{personas.team.pk}"
    assert event.payload["total"] == 1


def test_the_author_cannot_react_to_their_own_reflection(personas):
    reflection = mistake(personas)
    with pytest.raises(ValidationError):
        services.reaction_add(user=personas.lead, reflection=reflection, kind="thanks")
    assert not Marble.objects.exists()


def test_only_supportive_reactions_exist(personas):
    reflection = mistake(personas)
    with pytest.raises(ValidationError):
        services.reaction_add(user=personas.member, reflection=reflection, kind="downvote")


def test_a_comment_the_coach_flags_at_high_severity_drops_no_marble(personas):
    reflection = mistake(personas)
    unkind = services.comment_create(
        author=personas.member, reflection=reflection, body="Why didn't you test it first?"
    )
    assert unkind.coach_severity == "high"
    assert not Marble.objects.exists()
    services.comment_create(
        author=personas.member2, reflection=reflection, body="Thank you, the checklist helps."
    )
    marble = Marble.objects.get()
    assert marble.response == "comment"
    assert marble.response_by == personas.member2


def test_a_comment_the_installation_allows_drops_its_marble(personas, settings):
    # What MARBLEJAR_COACH_ALLOW switches off is not flagged while typing, so
    # it cannot silently cost the comment its marble either.
    settings.COACH_ALLOW = ["why_you_question"]
    reflection = mistake(personas)
    comment = services.comment_create(
        author=personas.member, reflection=reflection, body="Why didn't you test it first?"
    )
    assert comment.coach_severity == ""
    marble = Marble.objects.get()
    assert marble.response_by == personas.member


def test_an_offer_of_help_is_a_response_that_drops_a_marble(personas):
    ask = services.reflection_create(
        author=personas.member,
        team=personas.team,
        kind=Kind.HELP,
        title="Stuck on the migration",
        body="I do not understand the locking.",
        publish=True,
    )
    services.comment_create(
        author=personas.member2, reflection=ask, body="I can pair on Thursday.", offers_help=True
    )
    marble = Marble.objects.get()
    assert (marble.act, marble.response) == ("help", "offer")


def test_an_empty_comment_is_refused_with_a_message(personas):
    reflection = mistake(personas)
    with pytest.raises(ValidationError) as e:
        services.comment_create(author=personas.member, reflection=reflection, body="  ")
    assert e.value.error_dict["body"]


def test_an_organization_wide_reflection_has_no_jar(personas):
    reflection = mistake(personas, team=None)
    services.reaction_add(user=personas.other, reflection=reflection, kind="thanks")
    assert not Marble.objects.exists()


def test_a_learning_update_is_an_act_of_its_own(personas):
    learning = services.reflection_create(
        author=personas.member,
        team=personas.team,
        kind=Kind.LEARNING,
        title="Learning SQL window functions",
        skill="SQL window functions",
        body="I still get the frame clause wrong.",
        publish=True,
    )
    services.reaction_add(user=personas.lead, reflection=learning, kind="help")
    update = services.learning_update_post(
        actor=personas.member, reflection=learning, body="RANGE versus ROWS finally clicked."
    )
    assert update.parent == learning and update.kind == Kind.UPDATE and update.is_published
    services.reaction_add(user=personas.member2, reflection=update, kind="thanks")
    assert sorted(Marble.objects.values_list("act", flat=True)) == ["learning", "update"]
    with pytest.raises(PermissionDenied):
        services.learning_update_post(actor=personas.lead, reflection=learning, body="Not mine")


def test_it_logs_practice_and_refuses_impossible_entries(personas):
    learning = services.reflection_create(
        author=personas.member,
        team=personas.team,
        kind=Kind.LEARNING,
        title="Facilitating",
        skill="Facilitating retrospectives",
        body="I talk too much.",
        publish=True,
    )
    today = timezone.localdate()
    entry = services.practice_log(
        actor=personas.member, reflection=learning, practised_on=today, minutes=30, hard="Silence"
    )
    assert entry.minutes == 30
    with pytest.raises(ValidationError) as e:
        services.practice_log(
            actor=personas.member,
            reflection=learning,
            practised_on=today + timedelta(days=2),
            minutes=0,
        )
    assert set(e.value.error_dict) == {"practised_on", "minutes"}
    with pytest.raises(PermissionDenied):
        services.practice_log(
            actor=personas.member2, reflection=learning, practised_on=today, minutes=5
        )


def test_only_the_reflection_s_author_can_hide_a_comment(personas):
    reflection = mistake(personas)
    comment = services.comment_create(author=personas.member, reflection=reflection, body="Hm.")
    with pytest.raises(PermissionDenied):
        services.comment_set_hidden(actor=personas.member2, comment=comment, hidden=True)
    services.comment_set_hidden(actor=personas.lead, comment=comment, hidden=True)
    visible_to_member2 = selectors.comments_for(user=personas.member2, reflection=reflection)
    assert comment not in visible_to_member2
    assert comment in selectors.comments_for(user=personas.lead, reflection=reflection)
    assert comment in selectors.comments_for(user=personas.member, reflection=reflection)


def test_reporting_a_comment_makes_an_anonymous_crack_for_the_team(personas):
    reflection = mistake(personas)
    comment = services.comment_create(
        author=personas.member, reflection=reflection, body="Typical."
    )
    services.comment_report(actor=personas.member2, comment=comment, text="Dismissive.")
    assert not Crack.objects.exists()
    release_reports()
    crack = Crack.objects.get()
    assert crack.team == personas.team and crack.comment == comment
    # Nothing stored points to the reporter: no user, the day only, a random id.
    user_fields = [
        f.name for f in Crack._meta.concrete_fields if f.related_model is type(personas.member2)
    ]
    assert user_fields == ["acknowledged_by"] and crack.acknowledged_by is None
    assert type(crack.reported_on).__name__ == "date"
    assert isinstance(crack.pk, uuid.UUID)


def test_it_sends_a_reflection_to_a_teammate_by_email(personas):
    reflection = mistake(personas)
    services.reflection_send(
        actor=personas.lead, reflection=reflection, recipient=personas.member, note="Worth a read"
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [personas.member.email]
    assert "Worth a read" in message.body
    assert f"/reflections/{reflection.pk}/" in message.body
    with pytest.raises(ValidationError):
        services.reflection_send(
            actor=personas.lead, reflection=reflection, recipient=personas.other
        )


def test_a_lead_who_has_not_shared_for_thirty_days_gets_a_private_nudge(personas):
    Membership.objects.filter(team=personas.team).update(
        joined_at=timezone.now() - timedelta(days=40)
    )
    assert selectors.lead_nudge(user=personas.lead, team=personas.team) is not None
    assert selectors.lead_nudge(user=personas.member, team=personas.team) is None
    mistake(personas)
    assert selectors.lead_nudge(user=personas.lead, team=personas.team) is None


def test_it_counts_how_often_leads_went_first_this_quarter(personas):
    mistake(personas)
    mistake(personas, title="Another")
    mistake(personas, author=personas.member)
    sharing = selectors.leads_sharing(team=personas.team)
    assert sharing["count"] == 2
    assert sharing["weeks"] == 1


def test_the_personal_export_holds_what_the_user_wrote(personas):
    from marblejar.accounts.services import user_export_data

    reflection = mistake(personas, author=personas.member)
    services.comment_create(author=personas.member, reflection=reflection, body="Note to self")
    data = user_export_data(user=personas.member)
    assert data["reflections"]["reflections"][0]["title"] == "I deployed on a Friday"
    assert data["reflections"]["comments"][0]["body"] == "Note to self"


def test_a_published_reflection_is_announced_live_without_a_database_read(
    personas, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from marblejar.lib.events import Message
    from marblejar.realtime.registry import render

    with django_capture_on_commit_callbacks(execute=True):
        reflection = mistake(personas)
    event = Event.objects.get(kind="reflection_published")
    message = Message(id=event.pk, stream=event.stream, kind=event.kind, payload=event.payload)
    with django_assert_num_queries(0):
        html = render(message, personas.member)
    assert "Lena Lead shared a reflection:" in html
    assert f'href="/reflections/{reflection.pk}/"' in html
    assert "Lead" in html
