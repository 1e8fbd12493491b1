"""The board costs the same number of queries for a big review as for a small one.

Each case builds two reviews in the same phase, one with 5 people and 10
notes and one with 50 people and 200 notes, and reads the board page and
every part the phase shows, as the same member. The counts must be equal
(no query per note, theme or person) and stay at the figures pinned below.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marblejar.accounts.models import User
from marblejar.reviews import services
from marblejar.reviews.models import PHASE_ORDER, Note, Participant, Phase, Review
from marblejar.reviews.parts import PARTS
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.teams.models import Membership, Role

pytestmark = pytest.mark.django_db

SMALL, LARGE = (5, 10), (50, 200)
# The board page's queries in each phase, for any size of review. A change
# that adds a query per note, theme or person breaks the equality test; a
# change that adds a fixed query shows here and should be deliberate.
# (Of these, three are the session, the user, and the review read with the
# reader's role and the stream's newest event id; its header costs none:
# the reader's teams and unread count come with the user.)
BOARD_QUERIES = {
    Phase.REFLECT: 8,
    Phase.GROUP: 7,
    Phase.VOTE: 6,
    Phase.DISCUSS: 10,
    Phase.ACTIONS: 10,
    Phase.CLOSED: 12,
}
# The part each phase is about: what its reload costs.
MAIN_PART = {
    Phase.REFLECT: ("columns", 5),
    Phase.GROUP: ("groups", 6),
    Phase.VOTE: ("votes", 5),
    Phase.DISCUSS: ("theme", 7),
    Phase.ACTIONS: ("actions", 4),
    Phase.CLOSED: ("theme", 7),
}
# What a second reader of the same version saves, the rendering of the
# first being kept (reviews/fragments.py): the groups and the spotlighted
# theme whole, the vote part its cards.
KEPT_SAVES = {
    Phase.GROUP: {"board": 3, "phase": 3, "groups": 3},
    Phase.VOTE: {"board": 1, "phase": 1, "votes": 1},
    Phase.DISCUSS: {"board": 4, "phase": 4, "theme": 4},
}
# Every other part: the three queries of the frame, and their own.
OTHER_PARTS = {"meta": 3, "presence": 4, "timer": 3, "safety": 3, "followup": 3, "timeline": 3}


def grow(p, *, people: int, notes: int, phase: str, tag: str) -> Review:
    """A review in ``phase`` with ``people`` on the board and ``notes`` notes in three themes."""
    review = schedule(p, title=f"Review {tag}")
    users = [p.lead, p.member, p.member2]
    for i in range(people - len(users)):
        user = User.objects.create(
            email=f"person{i}-{tag}@acme.test",
            display_name=f"Person {i}",
            organization=p.org,
        )
        Membership.objects.get_or_create(
            organization=p.org, team=p.team, user=user, defaults={"role": Role.MEMBER}
        )
        users.append(user)
    review = advance_to(review, Phase.REFLECT, by=p.lead)
    Participant.objects.bulk_create(
        Participant(organization=p.org, review=review, user=u, last_seen=timezone.now())
        for u in users
    )
    keys = review.column_keys
    Note.objects.bulk_create(
        Note(
            organization=p.org,
            review=review,
            column=keys[i % len(keys)],
            text=f"Note {i} of {tag}",
            author=users[i % len(users)],
            created_at=timezone.now(),
        )
        for i in range(notes)
    )
    if phase == Phase.REFLECT:
        return review
    review = advance_to(review, Phase.GROUP, by=p.lead)
    themes = [
        services.theme_create(actor=p.lead, review=review, title=f"Theme {i}") for i in range(3)
    ]
    for i, note in enumerate(Note.objects.filter(review=review).order_by("text")):
        if i % 4:
            Note.objects.filter(pk=note.pk).update(theme=themes[i % 3])
    if PHASE_ORDER.index(phase) >= PHASE_ORDER.index(Phase.VOTE):
        review = advance_to(review, Phase.VOTE, by=p.lead)
        for theme in themes:
            theme.review = review
            services.vote_cast(actor=p.member, theme=theme)
    return advance_to(review, phase, by=p.lead)


def count(client, url: str, *, kept: bool = False) -> int:
    """The queries of one read of ``url``; with ``kept``, after a first read kept its fragments."""
    caches["fragments"].clear()
    if kept:
        client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def costs(client, review: Review, *, kept: bool = False) -> dict[str, int]:
    out = {"board": count(client, reverse("reviews:board", args=[review.pk]), kept=kept)}
    for name in PARTS:
        out[name] = count(client, reverse("reviews:section", args=[review.pk, name]), kept=kept)
    return out


@pytest.mark.parametrize(
    "phase",
    [Phase.REFLECT, Phase.GROUP, Phase.VOTE, Phase.DISCUSS, Phase.ACTIONS, Phase.CLOSED],
)
def test_the_board_and_each_part_cost_the_same_for_5_or_50_people(
    personas, client_for, phase, django_capture_on_commit_callbacks
):
    member = client_for("member")
    with django_capture_on_commit_callbacks(execute=True):  # the review's events, its versions
        small = grow(personas, people=SMALL[0], notes=SMALL[1], phase=phase, tag="small")
    costs(member, small)  # warm the caches a first read fills
    small_costs = costs(member, small)
    small_kept = costs(member, small, kept=True)
    # One review at a time: the other's themes would count as earlier ones
    # (recurring themes), which is a different board, not a bigger one.
    small.delete()
    with django_capture_on_commit_callbacks(execute=True):
        large = grow(personas, people=LARGE[0], notes=LARGE[1], phase=phase, tag="large")
    large_costs = costs(member, large)
    assert small_costs == large_costs
    assert small_kept == costs(member, large, kept=True)
    # Read again at the same version, a part kept whole costs the frame's
    # three queries, and the board saves that part's own.
    saved = KEPT_SAVES.get(phase, {})
    for name, queries in small_costs.items():
        assert small_kept[name] == queries - saved.get(name, 0), (name, small_kept)
    assert small_costs["board"] == BOARD_QUERIES[phase], small_costs
    part, queries = MAIN_PART[phase]
    assert small_costs[part] == queries, small_costs
    # While notes are written, the timer part also counts who is done (one query).
    timer = OTHER_PARTS["timer"] + (phase == Phase.REFLECT)
    assert small_costs["timer"] == timer, small_costs
    for name, queries in OTHER_PARTS.items():
        if name != "timer":
            assert small_costs[name] == queries, (name, small_costs)


def test_a_part_costs_less_than_the_whole_board(personas, client_for):
    review = grow(personas, people=12, notes=40, phase=Phase.GROUP, tag="twelve")
    member = client_for("member")
    costs(member, review)
    figures = costs(member, review)
    assert figures["groups"] < figures["board"]
    assert figures["presence"] < figures["groups"]


def api_list_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/teams/platform/reviews")
    assert response.status_code == 200
    return len(captured), len(json.loads(response.content))


def test_the_api_review_list_costs_the_same_for_1_or_20_reviews(personas, client_for):
    lead = client_for("lead")
    review = schedule(personas, template="builtin:incident")
    services.timeline_event_add(
        actor=personas.lead, review=review, happened_at=timezone.now(), what="Alerts fired"
    )
    api_list_queries(lead)
    one, n = api_list_queries(lead)
    assert n == 1
    for i in range(19):
        other = schedule(personas, title=f"Retro {i}", template="builtin:incident")
        advance_to(other, Phase.GO_FIRST if i % 2 else Phase.CHECKIN, by=personas.lead)
    twenty, n = api_list_queries(lead)
    assert n == 20
    assert twenty == one
