"""50 participants write 10 notes each and vote, all at once, against a real server:
nothing is lost and nobody gets more votes than allowed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from marblejar.accounts.models import User
from marblejar.reviews import selectors
from marblejar.reviews.models import Note, Phase, Theme
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.reviews.tests.live import token_client
from marblejar.teams.models import Membership, Role
from marblejar.test import make_personas, password_hash

pytestmark = pytest.mark.slow

PEOPLE = 50
NOTES_EACH = 10
VOTES_EACH = 3
THEMES = 5


def test_fifty_participants_writing_and_voting_at_once_lose_nothing(live_marblejar):
    p = make_personas()
    people = [
        User.objects.create(
            email=f"p{i}@acme.test",
            display_name=f"Person {i}",
            organization=p.org,
            password=password_hash(),
        )
        for i in range(PEOPLE)
    ]
    Membership.objects.bulk_create(
        Membership(organization=p.org, team=p.team, user=u, role=Role.MEMBER) for u in people
    )
    review = advance_to(schedule(p, votes_per_person=VOTES_EACH), Phase.REFLECT, by=p.lead)
    clients = [token_client(live_marblejar, u) for u in people]
    columns = review.column_keys

    def write(i: int) -> list[int]:
        statuses = []
        for n in range(NOTES_EACH):
            response = clients[i].post(
                f"/api/v1/reviews/{review.pk}/notes",
                json={"column": columns[n % len(columns)], "text": f"note {n} by person {i}"},
            )
            statuses.append(response.status_code)
        return statuses

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        results = list(pool.map(write, range(PEOPLE)))
    writing = time.monotonic() - started
    assert all(s == 201 for statuses in results for s in statuses), results
    assert Note.objects.filter(review=review).count() == PEOPLE * NOTES_EACH
    for person in people[:5]:
        assert selectors.my_notes(user=person, review=review).count() == NOTES_EACH

    review = advance_to(review, Phase.GROUP, by=p.lead)
    themes = [
        Theme.objects.create(organization=p.org, review=review, title=f"T{t}", position=t)
        for t in range(THEMES)
    ]
    review = advance_to(review, Phase.VOTE, by=p.lead)

    def vote(i: int) -> list[int]:
        # One more than allowed: the last must be refused, whatever the others do.
        return [
            clients[i]
            .post(f"/api/v1/reviews/{review.pk}/themes/{themes[(i + v) % THEMES].pk}/votes")
            .status_code
            for v in range(VOTES_EACH + 1)
        ]

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        votes = list(pool.map(vote, range(PEOPLE)))
    voting = time.monotonic() - started
    assert all(v == [201] * VOTES_EACH + [400] for v in votes), votes
    advance_to(review, Phase.DISCUSS, by=p.lead)
    counted = sum(t.vote_count for t in selectors.themes(review=review))
    assert counted == PEOPLE * VOTES_EACH
    print(  # noqa: T201  (the figures quoted in docs/reviews.md)
        f"\n{PEOPLE * NOTES_EACH} notes in {writing:.1f}s, {PEOPLE * (VOTES_EACH + 1)} votes "
        f"in {voting:.1f}s"
    )
