"""An incident debrief end to end through the web views, as its people use it: a
timeline built together, private "what I knew and why it made sense" notes on its
events that nobody else reads before the reveal, and a summary that keeps each one
under its event."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from marblejar.jar.models import Marble
from marblejar.lib.dates import day
from marblejar.reviews.models import Note, NoteAuthorship, Phase, Question, Review
from marblejar.reviews.tests.helpers import action_dates, advance_to, schedule

pytestmark = pytest.mark.django_db

# The board's parts that a reader can fetch on their own (``theme`` needs a theme).
PARTS = ("phase", "presence", "columns", "safety", "followup", "groups", "votes", "actions")

# Added out of time order, by three people; the timeline shows them in time order.
EVENTS = [
    ("member", "2026-03-01T14:20", "Failover to the standby began", "chat"),
    ("member2", "2026-03-01T14:02", "Latency alert fired", "pager"),
    ("lead", "2026-03-01T14:45", "Service recovered", "status page"),
]
SENSE_ALERT = "The dashboard was green, so waiting for a second alert made sense"
SENSE_FAILOVER = "The runbook said a failover is safe at any time"
NOTE = "The standby had not taken a write in months"
QUESTION = "What did the standby report before the failover?"
INTENT = "I want to know whether we could have seen that it was not ready."
ANSWER = "It reported healthy: the health check never tried a write."
FACTOR = "The health check of the standby did not test writes"
ACTION = "Make the standby health check test writes"
EFFECT = "A standby that cannot take writes shows red on the dashboard."


def post(client, name: str, review: Review, *args, data: dict | None = None, status: int = 302):
    response = client.post(reverse(f"reviews:{name}", args=[review.pk, *args]), data or {})
    assert response.status_code == status, (name, response.content.decode()[:2000])
    return response


def advance(client, review: Review) -> None:
    review.refresh_from_db()
    post(client, "advance", review, data={"from": review.phase})
    review.refresh_from_db()


def board(client, review: Review) -> str:
    response = client.get(reverse("reviews:board", args=[review.pk]))
    assert response.status_code == 200
    return response.content.decode()


def timeline_part(client, review: Review) -> str:
    response = client.get(reverse("reviews:section", args=[review.pk, "timeline"]))
    assert response.status_code == 200
    return response.content.decode()


def everything_the_reader_gets(client, review: Review) -> str:
    """The board, each of its parts, the summary so far and its Markdown, for this reader."""
    pages = [board(client, review), timeline_part(client, review)]
    for part in PARTS:
        response = client.get(reverse("reviews:section", args=[review.pk, part]))
        assert response.status_code == 200, part
        pages.append(response.content.decode())
    for name in ("summary", "summary_md"):
        response = client.get(reverse(f"reviews:{name}", args=[review.pk]))
        assert response.status_code == 200, name
        pages.append(response.content.decode())
    return "\n".join(pages)


def in_order(text: str, *parts: str) -> bool:
    """Whether ``parts`` are all in ``text``, one after the other."""
    position = 0
    for part in parts:
        position = text.find(part, position)
        if position == -1:
            return False
        position += len(part)
    return True


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_an_incident_debrief_from_scheduling_to_its_summary(personas, client_for, anonymous):
    lead, member, member2 = client_for("lead"), client_for("member"), client_for("member2")

    # The lead schedules it with the create form.
    url = reverse("reviews:create", args=["platform"])
    assert 'value="builtin:incident"' in lead.get(url).content.decode()
    form = {
        "title": "Database failover, 1 March",
        "purpose": "Understand how a routine failover took the service down for 40 minutes.",
        "agenda": "Timeline, check-in, go first, what we knew, themes, actions.",
        "template": "builtin:incident",
        "mode": "live",
        "votes_per_person": 3,
    }
    if anonymous:
        form["anonymous"] = "on"
    response = lead.post(url, form)
    review = Review.objects.get(title="Database failover, 1 March")
    assert response.status_code == 302
    assert response.url == reverse("reviews:board", args=[review.pk])
    assert review.kind == "incident" and review.timeline and review.anonymous == anonymous

    # Before it starts, three people put together the timeline on the board.
    clients = {"lead": lead, "member": member, "member2": member2}
    for name, when, what, source in EVENTS:
        data = {"happened_at": when, "what": what, "source": source}
        post(clients[name], "timeline_add", review, data=data)
    html = timeline_part(member, review)
    assert in_order(html, "14:02", "Latency alert fired", "14:20", "Failover to the", "14:45")
    alert, failover, recovered = review.timeline_events.all()
    assert (alert.what, failover.what, recovered.what) == (
        "Latency alert fired",
        "Failover to the standby began",
        "Service recovered",
    )

    # Check-in: the safety check, shown once the three people here have answered.
    advance(lead, review)
    for client, value in ((lead, 4), (member, 3), (member2, 4)):
        post(client, "safety_vote", review, data={"value": value})
    assert "Safety check: 3 answers" in board(member, review)
    advance(lead, review)  # open actions: none from earlier reviews
    advance(lead, review)  # go first

    # Max writes before the lead has gone first: what he knew, on the alert, and a note.
    post(member, "note_add", review, data={"timeline_event": alert.pk, "text": SENSE_ALERT})
    post(member, "note_add", review, data={"column": "surprised", "text": NOTE})
    mine = board(member, review)
    assert SENSE_ALERT in mine and NOTE in mine and "Only you see this until the reveal" in mine
    for name in ("lead", "member2"):
        html = everything_the_reader_gets(clients[name], review)
        assert SENSE_ALERT not in html and NOTE not in html, name
        # The parts were there to read: the events, and only counts of the notes.
        assert "Latency alert fired" in html and "1 note so far" in html, name
        assert "1 private note on the timeline so far." in html, name
    advance_refused = lead.post(
        reverse("reviews:advance", args=[review.pk]), {"from": Phase.GO_FIRST}
    )
    assert advance_refused.status_code == 302
    review.refresh_from_db()
    assert review.phase == Phase.GO_FIRST  # not before the lead has gone first

    post(
        lead,
        "go_first",
        review,
        data={
            "part": "I approved the failover without checking the standby myself.",
            "revisit": "Running a failover at peak time.",
        },
    )
    advance(lead, review)  # reflect
    post(member2, "note_add", review, data={"timeline_event": failover.pk, "text": SENSE_FAILOVER})
    for name, hidden in (
        ("lead", (SENSE_ALERT, NOTE, SENSE_FAILOVER)),
        ("member", (SENSE_FAILOVER,)),
    ):
        html = everything_the_reader_gets(clients[name], review)
        assert not [text for text in hidden if text in html], name
        assert "I approved the failover" in html  # going first is shown at once
    assert "2 private notes on the timeline so far." in timeline_part(lead, review)

    # The reveal: everyone reads every note, each "made sense" note under its event.
    advance(lead, review)  # group
    for client in (lead, member, member2):
        html = timeline_part(client, review)
        assert in_order(
            html, "Latency alert fired", SENSE_ALERT, "Failover to the", SENSE_FAILOVER, "Service"
        )
        assert ("— Max Member" in html) != anonymous
        assert NOTE in board(client, review)

    post(member2, "theme_add", review, data={"title": "Failover assumptions"})
    post(member2, "theme_add", review, data={"title": "Alerting"})
    assumptions, alerting = review.themes.all()
    note = Note.objects.get(review=review, text=NOTE)
    post(member, "note_move", review, note.pk, data={"theme": assumptions.pk})
    advance(lead, review)  # vote
    for client, theme in ((lead, assumptions), (member, assumptions), (member2, alerting)):
        post(client, "vote", review, theme.pk)
    advance(lead, review)  # discuss, in vote order

    post(member2, "question_add", review, assumptions.pk, data={"text": QUESTION, "intent": INTENT})
    question = Question.objects.get(review=review)
    post(member, "question_answer", review, question.pk, data={"answer": ANSWER})
    post(lead, "finding_add", review, assumptions.pk, data={"kind": "factor", "text": FACTOR})
    advance(lead, review)  # actions
    due, check = action_dates()
    action = {
        "title": ACTION,
        "owner": personas.member.pk,
        "due_on": due.isoformat(),
        "expected_effect": EFFECT,
        "check_on": check.isoformat(),
    }
    post(member2, "action_add", review, data=action)
    advance(lead, review)  # closed
    assert review.phase == Phase.CLOSED

    summary = member2.get(reverse("reviews:summary", args=[review.pk])).content.decode()
    # The kind is named once: the built-in template bears the same name.
    meta = re.search(r'<p class="review-meta">(.*?)</p>', summary).group(1)
    assert meta.startswith(f"Incident debrief · {personas.team.name} · ")
    assert meta.count("Incident debrief") == 1
    assert in_order(
        summary,
        "What happened, in order",
        "14:02</time>",
        "Latency alert fired",
        SENSE_ALERT,
        "14:20</time>",
        "Failover to the standby began",
        SENSE_FAILOVER,
        "14:45</time>",
        "Service recovered",
        "What contributed",
        FACTOR,
    )
    assert in_order(summary, "Failover assumptions", "2 votes", "Alerting", "1 vote")
    assert f"Contributing factor:</strong> {FACTOR}" in summary
    assert QUESTION in summary and ANSWER in summary and "I am asking because" in summary
    assert in_order(summary, "Improvement actions", ACTION, "Max Member", EFFECT)

    response = member2.get(reverse("reviews:summary_md", args=[review.pk]))
    markdown = response.content.decode()
    assert response["Content-Type"].startswith("text/markdown")
    assert (
        "## What happened, in order\n\n"
        "- **1 Mar 2026, 14:02** Latency alert fired (pager)\n"
        f"  - Made sense at the time: {SENSE_ALERT}\n"
        "- **1 Mar 2026, 14:20** Failover to the standby began (chat)\n"
        f"  - Made sense at the time: {SENSE_FAILOVER}\n"
        "- **1 Mar 2026, 14:45** Service recovered (status page)\n"
    ) in markdown
    assert in_order(markdown, "### Failover assumptions (2 votes)", "### Alerting (1 vote)")
    assert f"- *Contributing factor:* {FACTOR}" in markdown
    assert f"  - *I am asking because…* {INTENT}" in markdown
    assert f"  - *Answer:* {ANSWER}" in markdown
    assert f"- **{ACTION}** — Max Member, due {day(due)}, check on {day(check)}" in markdown
    assert f"  - We will know it worked when… {EFFECT}" in markdown
    assert NOTE in markdown

    # The jar: a marble for going first, and one for the question asked with its intent.
    keys = set(Marble.objects.filter(team=personas.team).values_list("act_key", flat=True))
    assert keys == {f"review:{review.pk}:go_first", f"review:{review.pk}:question:{question.pk}"}
    if anonymous:
        assert not NoteAuthorship.objects.exists()
        assert not Note.objects.filter(review=review).exclude(author=None).exists()


def test_the_timeline_shows_the_times_people_typed_in_the_sites_time_zone(
    personas, client_for, settings
):
    settings.TIME_ZONE = "Europe/Berlin"
    review = schedule(personas, template="builtin:incident")
    post(
        client_for("member"),
        "timeline_add",
        review,
        data={"happened_at": "2026-03-01T14:02", "what": "Latency alert fired"},
    )
    review = advance_to(review, Phase.CLOSED, by=personas.lead)
    lead = client_for("lead")
    assert "1 Mar 2026, 14:02" in timeline_part(lead, review)
    summary = lead.get(reverse("reviews:summary", args=[review.pk])).content.decode()
    assert in_order(summary, "14:02</time>", "Latency alert fired")
    markdown = lead.get(reverse("reviews:summary_md", args=[review.pk])).content.decode()
    assert "- **1 Mar 2026, 14:02** Latency alert fired" in markdown
