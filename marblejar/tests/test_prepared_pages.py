"""The pages' reads compiled once per connection give what their querysets give.

Each read of ``lib/prepared.py`` is compared with the ORM query it stands
for, on data where the two could differ: hidden comments, readers who are
and are not the author, tags, drafts, pages beyond the first, a list ordered
by a column it does not show (DISTINCT), and an empty list.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marblejar import permissions
from marblejar.pulse import selectors as pulse_selectors
from marblejar.reflections import selectors as reflection_selectors
from marblejar.reflections import services as reflection_services
from marblejar.reflections.models import Comment, Kind, Reaction, Status
from marblejar.reviews import selectors as review_selectors
from marblejar.reviews import selectors_actions as action_selectors
from marblejar.reviews.models import Action
from marblejar.reviews.tests.helpers import schedule

pytestmark = pytest.mark.django_db


def fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def write(p, n: int, *, author=None, team="team", tags="", **extra):
    return [
        reflection_services.reflection_create(
            author=author or p.lead,
            team=getattr(p, team) if team else None,
            kind=Kind.LESSON,
            title=f"Lesson {i}",
            body="Smaller batches.",
            tags=tags,
            publish=True,
            **extra,
        )
        for i in range(n)
    ]


def test_a_reflection_its_comments_reactions_updates_and_practice(personas):
    p = personas
    learning = reflection_services.reflection_create(
        author=p.member,
        team=p.team,
        kind=Kind.LEARNING,
        title="Learning SQL",
        skill="SQL",
        body="Two weeks in.",
        tags="sql, data",
        publish=True,
    )
    reflection_services.comment_create(author=p.lead, reflection=learning, body="Nice.")
    hidden = reflection_services.comment_create(author=p.member2, reflection=learning, body="Hm.")
    reflection_services.comment_set_hidden(actor=p.member, comment=hidden, hidden=True)
    reflection_services.reaction_add(user=p.lead, reflection=learning, kind="thanks")
    reflection_services.practice_log(
        actor=p.member, reflection=learning, practised_on=timezone.localdate(), minutes=20
    )
    reflection_services.learning_update_post(actor=p.member, reflection=learning, body="Week 2.")

    for reader in (p.member, p.lead, p.member2, p.admin):
        got = reflection_selectors.reflection_get(
            user=reader, reflection_id=learning.pk, tag_names=True
        )
        assert fields(got) == fields(learning)
        assert got.tag_names == ["data", "sql"]
        assert (got.author.pk, got.author.display_name) == (p.member.pk, "Max Member")
        assert fields(got.team) == fields(p.team)
        expected = Comment.objects.filter(reflection=learning).order_by("created_at", "id")
        if reader.pk != learning.author_id:
            expected = expected.filter(Q(hidden_at__isnull=True) | Q(author=reader))
        comments = reflection_selectors.comments_for(user=reader, reflection=learning)
        assert [fields(c) for c in comments] == [fields(c) for c in expected]
        assert [c.author.display_name for c in comments] == [
            c.author.display_name for c in expected
        ]
        summary = reflection_selectors.reaction_summary(user=reader, reflection=learning)
        counts = dict(
            Reaction.objects.filter(reflection=learning).values_list("kind").annotate(n=Count("id"))
        )
        assert {r["kind"]: r["count"] for r in summary if r["count"]} == counts
        assert [r["kind"] for r in summary if r["mine"]] == (["thanks"] if reader == p.lead else [])
    updates = reflection_selectors.update_list(reflection=learning)
    assert [fields(u) for u in updates] == [
        fields(u) for u in reflection_selectors.updates_for(reflection=learning)
    ]
    practice = reflection_selectors.practice_list(reflection=learning)
    assert [fields(e) for e in practice] == [fields(e) for e in learning.practice.all()]
    with pytest.raises(Http404):  # another organization's reader: not found
        reflection_selectors.reflection_get(user=p.outsider, reflection_id=learning.pk)


@pytest.mark.parametrize("team", ["team", None])
def test_a_list_of_reflections_page_by_page(personas, team):
    p = personas
    size = 4
    write(p, 9, team=team, tags="alpha, beta")
    owner = p.team if team else None
    reflection_services.reflection_create(
        author=p.member, team=owner, kind=Kind.LESSON, title="Draft", body="x"
    )
    rows = list(reflection_selectors.feed_rows(organization_id=p.org.pk, team=owner))
    assert reflection_selectors.feed_count(organization_id=p.org.pk, team=owner) == len(rows) == 9
    for offset in (0, 4, 8, 12):
        got, tags = reflection_selectors.feed_page(
            organization_id=p.org.pk, team=owner, offset=offset, size=size
        )
        assert got == rows[offset : offset + size]
        assert tags == reflection_selectors.tags_of(reflection_ids=[r[0] for r in got])
    assert reflection_selectors.tags_in_use(organization_id=p.org.pk, team=owner) == [
        "alpha",
        "beta",
    ]
    drafts = reflection_selectors.drafts_in(user=p.member, team=owner)
    expected = reflection_selectors.drafts_for(user=p.member, team=owner)
    if owner is None:
        expected = reflection_selectors.drafts_for(user=p.member).filter(team__isnull=True)
    assert [fields(d) for d in drafts] == [fields(d) for d in expected] and len(drafts) == 1
    assert all(d.status == Status.DRAFT for d in drafts)
    assert reflection_selectors.drafts_in(user=p.lead, team=owner) == []


def test_an_empty_list_of_reflections(personas):
    assert reflection_selectors.feed_count(organization_id=personas.org.pk, team=personas.team) == 0
    assert reflection_selectors.feed_page(
        organization_id=personas.org.pk, team=personas.team, offset=0, size=30
    ) == ([], {})


def test_the_pulse_list_and_the_review_list(personas):
    p = personas
    reviews = [schedule(p, title=f"Review {i}") for i in range(5)]
    for offset in (0, 2, 4):
        got = review_selectors.review_list_page(user=p.member, team=p.team, offset=offset, size=2)
        expected = review_selectors.review_list_for_team(user=p.member, team=p.team).defer(
            *review_selectors.REVIEW_LIST_DEFERRED
        )[offset : offset + 2]
        assert [fields(r) for r in got] == [fields(r) for r in expected]
        assert [r.facilitator.display_name for r in got] == [
            r.facilitator.display_name for r in expected
        ]
    assert len(reviews) == 5
    with pytest.raises(PermissionDenied):
        review_selectors.review_list_page(user=p.other, team=p.team, offset=0, size=2)
    pulses = pulse_selectors.pulse_rows_answered(team=p.team, user=p.member)
    expected = pulse_selectors.pulse_list_answered(team=p.team, user=p.member).defer("definition")
    assert [(fields(x), x.answered) for x in pulses] == [(fields(x), x.answered) for x in expected]


def test_the_action_list_its_people_and_reviews(personas):
    p = personas
    first, second = schedule(p, title="First"), schedule(p, title="Second")
    today = date.today()
    for i in range(7):
        Action.objects.create(
            organization=p.org,
            team=p.team,
            review=(first, second, None)[i % 3],
            title=f"Action {i}",
            expected_effect="Fewer pages.",
            owner=(p.member, None)[i % 2],
            due_on=today + timedelta(days=i) if i % 2 else None,
            status=("open", "doing", "done")[i % 3],
        )
    listed = action_selectors.action_list_for_team(user=p.member, team=p.team)
    rows = list(listed.values_list(*action_selectors.ACTION_ROW_COLUMNS))
    for offset in (0, 3, 6):
        got = action_selectors.action_page_rows(user=p.member, team=p.team, offset=offset, size=3)
        assert got == rows[offset : offset + 3]
    with pytest.raises(PermissionDenied):
        action_selectors.action_page_rows(user=p.outsider, team=p.team, offset=0, size=3)
    # Ordered by a column it does not show: the DISTINCT's extra column is not in the rows.
    assert action_selectors.reviews_with_actions_rows(team=p.team) == list(
        action_selectors.reviews_with_actions(team=p.team).values_list("id", "title")
    )
    assert [t for _, t in action_selectors.reviews_with_actions_rows(team=p.team)] == [
        "Second",
        "First",
    ]
    assert action_selectors.people_rows(team=p.team) == [
        (p.lead.pk, "Lena Lead"),
        (p.member.pk, "Max Member"),
        (p.member2.pk, "Mia Member"),
    ]


def test_a_role_is_read_once_per_request_and_compiled_once(personas):
    p = personas
    assert permissions.role_in(p.lead, p.team) == "lead"
    assert permissions.role_in(p.admin, p.team) is None
    with CaptureQueriesContext(connection) as captured:
        assert permissions.role_in(p.lead, p.team) == "lead"  # kept on the user for the request
    assert len(captured) == 0


def test_a_page_beyond_the_compiled_ones_reads_the_same_through_the_queryset(personas):
    from marblejar.lib.prepared import PreparedPages

    p = personas
    write(p, 7)
    pages = PreparedPages(
        "test_feed_pages", reflection_selectors._feed_page, pages=1, organization_id=-1, team_id=-2
    )
    expected = list(reflection_selectors.feed_rows(organization_id=p.org.pk, team=p.team))
    where = {"organization_id": p.org.pk, "team_id": p.team.pk}
    got = [pages.rows(offset=offset, size=3, **where) for offset in (0, 3, 6)]
    assert got == [expected[0:3], expected[3:6], expected[6:9]]
    assert list(pages.reads) == [(0, 3)]  # only the first page was compiled
