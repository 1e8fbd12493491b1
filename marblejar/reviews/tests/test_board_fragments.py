"""Kept renderings of the board's parts: never stale, never one reader's, never a name too many.

The group part, the spotlighted theme and the vote part's cards are drawn
once per version of the review and served to the next readers
(``reviews/fragments.py``). Each test reads as a user would, changes the
review through its services (their events published, as in production),
and reads again.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from marblejar.reviews import services
from marblejar.reviews.fragments import CSRF_STAND_IN
from marblejar.reviews.models import Note, Phase, Review, Theme
from marblejar.reviews.tests.helpers import advance_to, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(django_capture_on_commit_callbacks):
    """Run ``write`` and publish its events, as a committed request would."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def part(client, review: Review, name: str) -> str:
    response = client.get(reverse("reviews:section", args=[review.pk, name]))
    assert response.status_code == 200
    return response.content.decode()


def page(client, review: Review) -> str:
    response = client.get(reverse("reviews:board", args=[review.pk]))
    assert response.status_code == 200
    return response.content.decode()


def tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def in_group_phase(p, published, **extra) -> Review:
    review = advance_to(schedule(p, **extra), Phase.REFLECT, by=p.lead)
    for who, text in ((p.member, "The deploy took an hour"), (p.member2, "Nobody owned the pager")):
        published(services.note_add, actor=who, review=review, column="puzzled", text=text)
    review = advance_to(review, Phase.GROUP, by=p.lead)
    published(services.theme_create, actor=p.lead, review=review, title="Ownership")
    return review


def test_the_group_part_shows_a_move_made_after_it_was_kept(personas, client_for, published):
    review = in_group_phase(personas, published)
    member, member2 = client_for("member"), client_for("member2")
    before = part(member, review, "groups")
    kept = part(member2, review, "groups")  # served as kept, with member2's token
    assert kept == before.replace(next(iter(tokens(before))), next(iter(tokens(kept))))
    note = Note.objects.get(text="Nobody owned the pager")
    theme = Theme.objects.get(title="Ownership")
    published(services.note_move, actor=personas.member, note=note, theme=theme)
    for client in (member, member2):
        after = part(client, review, "groups")
        assert after != before
        stack = f'data-theme="{theme.pk}"'
        assert "Nobody owned the pager" in after[after.index(stack) :]
        html = page(client, review)
        assert "Nobody owned the pager" in html[html.index(stack) :]
    published(services.theme_create, actor=personas.member2, review=review, title="Tooling")
    assert "Tooling" in part(member, review, "groups")
    assert "Tooling" in page(member2, review)


def test_each_reader_gets_their_own_csrf_token_in_a_kept_part(personas, client_for, published):
    review = in_group_phase(personas, published)
    published(
        services.theme_create,
        actor=personas.lead,
        review=review,
        title=f"Not a token {CSRF_STAND_IN}",
    )
    member, member2 = client_for("member"), client_for("member2")
    first, second = part(member, review, "groups"), part(member2, review, "groups")
    assert str(CSRF_STAND_IN) not in first + second
    # A title that spells the stand-in stays text, escaped, and is no token.
    assert "Not a token &lt;marblejar-csrf&gt;" in second
    assert tokens(first) and tokens(second)
    assert member.cookies["csrftoken"].value != member2.cookies["csrftoken"].value
    # Each token is its reader's: the move it guards goes through.
    note = Note.objects.get(text="The deploy took an hour")
    theme = Theme.objects.get(title="Ownership")
    member2.handler.enforce_csrf_checks = True
    response = member2.post(
        reverse("reviews:note_move", args=[review.pk, note.pk]),
        {"csrfmiddlewaretoken": next(iter(tokens(second))), "theme": theme.pk},
    )
    assert response.status_code == 302
    assert Note.objects.get(pk=note.pk).theme_id == theme.pk


def test_a_reader_without_a_right_never_gets_the_controls_of_one_who_has_it(
    personas, client_for, published
):
    review = in_group_phase(personas, published)
    review = advance_to(review, Phase.DISCUSS, by=personas.lead)
    lead, member = client_for("lead"), client_for("member")
    spotlight = reverse("reviews:spotlight", args=[review.pk])
    assert spotlight in part(lead, review, "theme")  # kept for the facilitator first
    assert spotlight not in part(member, review, "theme")
    assert spotlight not in page(member, review)
    # Present mode (a shared screen) is read-only, even for the facilitator.
    response = lead.get(reverse("reviews:section", args=[review.pk, "theme"]) + "?present=1")
    assert spotlight not in response.content.decode()
    # The group part's "Move to…" menus are for those who take part.
    guest_view = client_for("admin")  # in no team: reads nothing of it
    assert guest_view.get(reverse("reviews:section", args=[review.pk, "theme"])).status_code == 404


def test_the_spotlighted_theme_shows_what_was_said_after_it_was_kept(
    personas, client_for, published
):
    review = in_group_phase(personas, published)
    published(services.theme_create, actor=personas.lead, review=review, title="Tooling")
    review = advance_to(review, Phase.DISCUSS, by=personas.lead)
    member, lead = client_for("member"), client_for("lead")
    shown = part(member, review, "theme")
    theme = Theme.objects.get(pk=review.spotlight_id) if review.spotlight_id else None
    theme = theme or Theme.objects.filter(review=review).order_by("position").first()
    theme.review = review
    published(
        services.finding_add, actor=personas.member2, theme=theme, kind="finding", text="Pager rota"
    )
    assert "Pager rota" not in shown
    assert "Pager rota" in part(lead, review, "theme")
    assert "Pager rota" in part(member, review, "theme")
    assert "Pager rota" in page(member, review)
    other = Theme.objects.filter(review=review).exclude(pk=theme.pk).get()
    published(services.review_spotlight, actor=personas.lead, review=review, theme=other)
    html = page(member, review)
    assert f"Add to “{other.title}”" in html  # the composer follows the spotlight
    assert "Pager rota" not in part(member, review, "theme")


def test_the_vote_part_keeps_its_cards_but_each_readers_votes_are_their_own(
    personas, client_for, published
):
    review = in_group_phase(personas, published)
    theme = Theme.objects.get(title="Ownership")
    published(
        services.note_move,
        actor=personas.member,
        note=Note.objects.get(text="The deploy took an hour"),
        theme=theme,
    )
    review = advance_to(review, Phase.VOTE, by=personas.lead)
    member, member2 = client_for("member"), client_for("member2")
    assert "You have 3 votes left" in part(member, review, "votes")
    theme.review = review
    published(services.vote_cast, actor=personas.member, theme=theme)
    published(services.vote_cast, actor=personas.member, theme=theme)
    mine = part(member, review, "votes")
    theirs = part(member2, review, "votes")
    assert "You have 1 vote left" in mine and "The deploy took an hour" in mine
    assert "You have 3 votes left" in theirs and "The deploy took an hour" in theirs
    assert "Undo" in mine and "Undo" not in theirs


def test_an_anonymous_review_shows_no_author_in_any_kept_part(personas, client_for, published):
    review = in_group_phase(personas, published, anonymous=True)
    theme = Theme.objects.get(title="Ownership")
    note = Note.objects.get(text="Nobody owned the pager")
    lead, member = client_for("lead"), client_for("member")
    # Read by the lead first (the rendering a member may be served), then by
    # the author and another member, in every kept part and the page.
    names = ("Max Member", "Mia Member", "Lena Lead")
    for client in (lead, member):
        html = part(client, review, "groups") + page(client, review)
        assert "Nobody owned the pager" in html
        assert not any(name in html[html.index("part-groups") :] for name in names)
    published(services.note_move, actor=personas.member2, note=note, theme=theme)
    review = advance_to(review, Phase.DISCUSS, by=personas.lead)
    theme.review = review
    published(services.finding_add, actor=personas.member, theme=theme, kind="finding", text="Rota")
    for client in (lead, member, client_for("member2")):
        html = part(client, review, "theme")
        assert "Rota" in html and "Nobody owned the pager" in html
        assert not any(name in html for name in names)
