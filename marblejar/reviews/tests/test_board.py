"""The board through HTTP: every phase renders, forms keep what was typed, notes stay private."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marblejar.reviews import services
from marblejar.reviews.models import PHASE_ORDER, Note, Phase, Review
from marblejar.reviews.tests.helpers import action_dates, advance_to, schedule

pytestmark = pytest.mark.django_db

SECRET = "the cache was never warmed"
PARTS = ("columns", "safety", "followup", "groups", "votes", "actions", "timeline")


def board(client, review: Review) -> str:
    response = client.get(reverse("reviews:board", args=[review.pk]))
    assert response.status_code == 200
    return response.content.decode()


def everything_the_reader_gets(client, review: Review) -> str:
    """The board page and every one of its parts, as this reader gets them."""
    pages = [board(client, review)]
    for part in ("phase", "presence", *PARTS):
        response = client.get(reverse("reviews:section", args=[review.pk, part]))
        assert response.status_code == 200, part
        pages.append(response.content.decode())
    return "\n".join(pages)


def test_it_hides_notes_until_the_lead_has_gone_first_and_the_reveal(personas, client_for):
    review = advance_to(schedule(personas), Phase.GO_FIRST, by=personas.lead)
    member = client_for("member")
    response = member.post(
        reverse("reviews:note_add", args=[review.pk]),
        {"column": "puzzled", "text": SECRET},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert SECRET in response.content.decode()  # the author sees their own note
    for name in ("lead", "member2"):
        html = everything_the_reader_gets(client_for(name), review)
        assert SECRET not in html, name
        assert "1 note so far" in html
    services.go_first_write(actor=personas.lead, review=review, part="My part", revisit="X")
    services.review_advance_phase(actor=personas.lead, review=review)  # reflect
    assert SECRET not in everything_the_reader_gets(client_for("member2"), review)
    services.review_advance_phase(actor=personas.lead, review=review)  # group: the reveal
    assert SECRET in board(client_for("member2"), review)


def test_the_go_first_contribution_is_shown_to_everyone_at_once(personas, client_for):
    review = advance_to(schedule(personas), Phase.GO_FIRST, by=personas.lead)
    assert "Waiting for Lena Lead" in board(client_for("member"), review)
    response = client_for("lead").post(
        reverse("reviews:go_first", args=[review.pk]),
        {"part": "I skipped the load test.", "revisit": "Releasing on Friday."},
    )
    assert response.status_code == 302
    html = board(client_for("member"), review)
    assert "I skipped the load test." in html and "Lena Lead went first" in html


def test_a_refused_form_keeps_what_was_typed(personas, client_for):
    review = advance_to(schedule(personas), Phase.DISCUSS, by=personas.lead)
    theme = review.themes.get()
    response = client_for("member").post(
        reverse("reviews:question_add", args=[review.pk, theme.pk]),
        {"text": "What did the alert say?", "intent": ""},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "What did the alert say?" in html
    assert "Say why you are asking" in html


def test_a_member_cannot_advance_and_sees_no_button(personas, client_for):
    review = schedule(personas)
    member = client_for("member")
    assert 'id="advance"' not in board(member, review)
    response = member.post(reverse("reviews:advance", args=[review.pk]))
    assert response.status_code == 403
    assert 'id="advance"' in board(client_for("lead"), review)


def test_every_phase_renders_for_everyone_in_the_team(personas, client_for):
    review = schedule(personas, template="builtin:incident")
    lead, member = client_for("lead"), client_for("member")
    for phase in PHASE_ORDER:
        review = advance_to(review, phase, by=personas.lead)
        if phase == Phase.SCHEDULED:
            lead.post(
                reverse("reviews:timeline_add", args=[review.pk]),
                {"happened_at": "2026-03-01T14:02", "what": "Alerts fired", "source": "pager"},
            )
        if phase == Phase.REFLECT:
            event = review.timeline_events.get()
            member.post(
                reverse("reviews:note_add", args=[review.pk]),
                {"timeline_event": event.pk, "text": "The runbook said to wait."},
            )
            member.post(
                reverse("reviews:note_add", args=[review.pk]),
                {"column": "surprised", "text": "The alert was quiet."},
            )
        if phase == Phase.DISCUSS:
            due, check = action_dates()
            response = member.post(
                reverse("reviews:action_add", args=[review.pk]),
                {
                    "title": "Tune the alert",
                    "owner": personas.member.pk,
                    "due_on": due.isoformat(),
                    "expected_effect": "It fires before users notice.",
                    "check_on": check.isoformat(),
                },
            )
            assert response.status_code == 302
        for client in (lead, member):
            html = everything_the_reader_gets(client, review)
            assert review.get_phase_display() in html
    assert Note.objects.filter(review=review).count() == 2
    summary = lead.get(reverse("reviews:summary", args=[review.pk])).content.decode()
    assert "The runbook said to wait." in summary and "Tune the alert" in summary
    markdown = lead.get(reverse("reviews:summary_md", args=[review.pk])).content.decode()
    assert "# Sprint 12 retrospective" in markdown and "Tune the alert" in markdown


def test_grouping_moves_a_note_into_a_theme(personas, client_for):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    note = services.note_add(actor=personas.member, review=review, column="puzzled", text="n")
    review = advance_to(review, Phase.GROUP, by=personas.lead)
    member2 = client_for("member2")
    member2.post(reverse("reviews:theme_add", args=[review.pk]), {"title": "Alerts"})
    theme = review.themes.get()
    response = member2.post(
        reverse("reviews:note_move", args=[review.pk, note.pk]), {"theme": theme.pk}
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.theme == theme


def test_the_author_can_edit_their_note_and_nobody_else_can(personas, client_for):
    review = advance_to(schedule(personas, anonymous=True), Phase.GO_FIRST, by=personas.lead)
    note = services.note_add(actor=personas.member, review=review, column="puzzled", text="old")
    url = reverse("reviews:note_edit", args=[review.pk, note.pk])
    assert client_for("member2").get(url).status_code == 404  # not revealed: not even visible
    response = client_for("member").post(url, {"text": "new"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "new"


def test_a_roti_vote_is_counted_once(personas, client_for):
    review = advance_to(schedule(personas), Phase.CLOSED, by=personas.lead)
    member = client_for("member")
    url = reverse("reviews:roti", args=[review.pk])
    member.post(url, {"value": 4})
    member.post(url, {"value": 5})
    review.refresh_from_db()
    assert review.roti_counts == {"4": 1}


def test_the_team_page_shows_the_teams_reviews_to_its_members_only(personas, client_for):
    schedule(personas)
    url = reverse("teams:detail", args=[personas.team.slug])
    html = client_for("member").get(url).content.decode()
    assert (
        "Sprint 12 retrospective" in html and reverse("reviews:create", args=["platform"]) in html
    )
    assert "Sprint 12 retrospective" not in client_for("admin").get(url).content.decode()


def test_every_part_reloads_on_its_own_events_through_the_sse_extension(personas, client_for):
    import re

    from marblejar.reviews.parts import parts_in

    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    html = board(client_for("member"), review)
    events = reverse("reviews:events", args=[review.pk])
    assert re.search(rf'hx-ext="sse" sse-connect="{events}\?after=\d+" sse-close="closed"', html)
    # (A retrospective has no timeline.)
    shown = [part for part in parts_in(review.phase) if part.name != "timeline"]
    assert {p.name for p in shown} == {"phase", "meta", "presence", "timer", "columns"}
    for part in shown:
        match = re.search(rf'id="{part.element_id}" [^>]*hx-trigger="([^"]*)"', html)
        assert match, part.name
        triggers = [t.strip() for t in match.group(1).split(",")]
        listened = [t.split()[0] for t in triggers if t.startswith("sse:")]
        assert listened == [f"sse:review_{kind}" for kind in part.refresh_on], part.name
        # Each reloads its own part only: the signal does not reach the part around it.
        assert all(t.endswith(" consume") for t in triggers if t.startswith("sse:")), part.name
    # The page opens no stream of its own beside the extension's.
    assert "data-review-events" not in html
