"""Guests in a review: the link, joining, taking part, and the end of it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from marblejar import permissions
from marblejar.accounts.models import User
from marblejar.reviews import selectors, services
from marblejar.reviews.models import Guest, GuestLink, Note, Phase
from marblejar.reviews.services.guests import JOINS_PER_ADDRESS
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.reviews.views_guests import GUEST_SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def link_for(review, by):
    link = services.guest_link_create(actor=by, review=review)
    return link, services.guest_link_token(link)


def join(client: Client, token: str, name: str = "Gus Guest"):
    return client.post(reverse("reviews:guest_join", args=[token]), {"display_name": name})


def test_the_link_stores_only_a_hash_and_shows_again_to_the_facilitator(personas):
    review = schedule(personas)
    link, token = link_for(review, personas.lead)
    assert link.token_hash != token and token not in link.nonce
    again, token_again = link_for(review, personas.lead)
    assert again.pk == link.pk and token_again == token
    client = Client()
    client.force_login(personas.lead)
    page = client.get(reverse("reviews:board", args=[review.pk]))
    assert token in page.content.decode()


def test_only_who_runs_the_review_may_share_its_link(personas):
    review = schedule(personas)
    assert not permissions.can(personas.member, "review.guest_link", review)
    client = Client()
    client.force_login(personas.member)
    response = client.post(reverse("reviews:guest_link", args=[review.pk]), {"do": "create"})
    assert response.status_code == 403
    assert not GuestLink.objects.exists()
    page = client.get(reverse("reviews:board", args=[review.pk]))
    assert 'id="guest-link"' not in page.content.decode()


def test_a_guest_joins_writes_a_note_and_counts_in_the_writing_progress(personas):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    _, token = link_for(review, personas.lead)
    guest = Client()
    page = guest.get(reverse("reviews:guest_join", args=[token]))
    assert page.status_code == 200 and review.title in page.content.decode()
    response = join(guest, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:board", args=[review.pk])
    user = User.objects.get(is_guest=True)
    assert user.display_name == "Gus Guest" and not user.has_usable_password()
    assert not user.memberships.exists()
    board = guest.get(reverse("reviews:board", args=[review.pk]))
    assert board.status_code == 200
    assert "you take part as a guest" in board.content.decode()
    before = selectors.writing_progress(review=review)["total"]
    assert guest.post(reverse("reviews:presence", args=[review.pk])).status_code == 204
    assert selectors.writing_progress(review=review)["total"] == before + 1
    response = guest.post(
        reverse("reviews:note_add", args=[review.pk]), {"column": "puzzled", "text": "From outside"}
    )
    assert response.status_code == 302
    note = Note.objects.get(text="From outside")
    assert note.author == user


def test_a_guest_is_refused_everything_else(personas):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    other_review = schedule(personas, title="Another")
    _, token = link_for(review, personas.lead)
    guest = Client()
    join(guest, token)
    for url in (
        reverse("teams:detail", args=[personas.team.slug]),
        reverse("teams:list"),
        reverse("reviews:list", args=[personas.team.slug]),
        reverse("reviews:actions", args=[personas.team.slug]),
        reverse("accounts:profile"),
        reverse("notifications:list"),
        reverse("insights:team", args=[personas.team.slug]),
        "/api/v1/me",
        f"/api/v1/reviews/{review.pk}",
    ):
        response = guest.get(url)
        assert response.status_code == 403, url
    assert guest.get(reverse("home"))["Location"] == reverse("reviews:board", args=[review.pk])
    assert guest.get(reverse("reviews:board", args=[other_review.pk])).status_code == 404
    response = guest.post(reverse("reviews:guest_link", args=[review.pk]), {"do": "create"})
    assert response.status_code == 403


def test_the_name_is_checked_and_kept_when_refused(personas):
    review = schedule(personas)
    _, token = link_for(review, personas.lead)
    client = Client()
    for bad in ("", "x" * 81, "Gus\x07"):
        response = join(client, token, bad)
        assert response.status_code == 400, repr(bad)
    response = join(client, token, "Gus\x00")
    assert response.status_code == 400
    assert not Guest.objects.exists()


def test_in_an_anonymous_review_a_guest_may_give_no_name(personas):
    review = advance_to(schedule(personas, anonymous=True), Phase.REFLECT, by=personas.lead)
    _, token = link_for(review, personas.lead)
    client = Client()
    assert join(client, token, "").status_code == 302
    assert User.objects.get(is_guest=True).display_name == "Guest"
    note_add = reverse("reviews:note_add", args=[review.pk])
    client.post(note_add, {"column": "puzzled", "text": "anon"})
    note = Note.objects.get(text="anon")
    assert note.author is None


def test_joining_is_rate_limited(personas):
    review = schedule(personas)
    _, token = link_for(review, personas.lead)
    for i in range(JOINS_PER_ADDRESS):
        assert join(Client(), token, f"Guest {i}").status_code == 302
    response = join(Client(), token, "One too many")
    assert response.status_code == 400
    assert "Too many people" in response.content.decode()


def test_revoking_ends_the_guests_part(personas):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    _, token = link_for(review, personas.lead)
    guest = Client()
    join(guest, token)
    lead = Client()
    lead.force_login(personas.lead)
    lead.post(reverse("reviews:guest_link", args=[review.pk]), {"do": "revoke"})
    assert not User.objects.get(is_guest=True).is_active
    response = guest.get(reverse("reviews:board", args=[review.pk]))
    assert response["Location"] == reverse("reviews:guest_ended", args=[review.pk])
    ended = guest.get(response["Location"])
    assert ended.status_code == 200
    assert "ended the guests' part" in ended.content.decode()
    assert Client().get(reverse("reviews:guest_join", args=[token])).status_code == 404


def test_when_the_review_closes_the_guest_sees_the_thank_you_page_with_the_summary(personas):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    _, token = link_for(review, personas.lead)
    guest = Client()
    join(guest, token)
    guest.post(reverse("reviews:note_add", args=[review.pk]), {"column": "puzzled", "text": "Mine"})
    advance_to(review, Phase.CLOSED, by=personas.lead)
    assert Guest.objects.get().ended_at is not None
    response = guest.get(reverse("reviews:board", args=[review.pk]), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("reviews:guest_ended", args=[review.pk])
    for url in (reverse("reviews:board", args=[review.pk]), reverse("teams:list")):
        assert guest.get(url)["Location"] == reverse("reviews:guest_ended", args=[review.pk])
    page = guest.get(reverse("reviews:guest_ended", args=[review.pk])).content.decode()
    assert "This review has ended" in page
    assert "Mine" in page and "Gus Guest" in page
    # The summary, the export and the recurring themes read the guest's note like any other.
    lead = Client()
    lead.force_login(personas.lead)
    assert "Gus Guest" in lead.get(reverse("reviews:summary", args=[review.pk])).content.decode()
    md = lead.get(reverse("reviews:summary_md", args=[review.pk])).content.decode()
    assert "Mine" in md
    export = lead.get(reverse("portability:team_export", args=[personas.team.slug]))
    assert export.status_code == 200


def test_without_a_shared_summary_the_thank_you_page_keeps_it(personas):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    link = services.guest_link_create(actor=personas.lead, review=review, share_summary=False)
    guest = Client()
    join(guest, services.guest_link_token(link))
    guest.post(reverse("reviews:note_add", args=[review.pk]), {"column": "puzzled", "text": "Mine"})
    advance_to(review, Phase.CLOSED, by=personas.lead)
    page = guest.get(reverse("reviews:guest_ended", args=[review.pk])).content.decode()
    assert "keeps its summary" in page and "Mine" not in page


def test_a_guest_of_another_review_of_the_team_may_not_touch_this_one(personas):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    other = advance_to(schedule(personas, title="Other"), Phase.REFLECT, by=personas.lead)
    _, token = link_for(other, personas.lead)
    guest = Client()
    join(guest, token)
    for url in (
        reverse("reviews:board", args=[review.pk]),
        reverse("reviews:summary", args=[review.pk]),
        reverse("reviews:events", args=[review.pk]),
    ):
        assert guest.get(url).status_code == 404, url
    response = guest.post(
        reverse("reviews:note_add", args=[review.pk]), {"column": "puzzled", "text": "x"}
    )
    assert response.status_code == 404
    assert guest.session[GUEST_SESSION_KEY]


def test_guests_get_no_notifications_nor_reminders(personas):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    _, token = link_for(review, personas.lead)
    join(Client(), token)
    people, runners = selectors.reminder_recipients(review=review)
    assert all(not u.is_guest for u in people + runners)


def test_in_an_anonymous_review_the_guests_times_become_the_close(personas):
    review = advance_to(schedule(personas, anonymous=True), Phase.REFLECT, by=personas.lead)
    _, token = link_for(review, personas.lead)
    client = Client()
    join(client, token, "")
    client.post(reverse("reviews:note_add", args=[review.pk]), {"column": "puzzled", "text": "a"})
    review = advance_to(review, Phase.CLOSED, by=personas.lead)
    guest = Guest.objects.select_related("user").get()
    assert guest.joined_at == guest.ended_at == review.closed_at
    assert guest.user.date_joined == guest.user.last_login == review.closed_at


def test_a_request_that_crosses_the_close_goes_to_the_thank_you_page(personas):
    # The guest was read as signed in just before the close committed; the
    # review is read after it: not a 404, the end of their part.
    from django.utils import timezone

    from marblejar.reviews.models import Review

    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    _, token = link_for(review, personas.lead)
    guest = Client()
    join(guest, token)
    Review.objects.filter(pk=review.pk).update(phase=Phase.CLOSED)
    Guest.objects.update(ended_at=timezone.now())  # the account is still active here
    part = reverse("reviews:section", args=[review.pk, "meta"])
    response = guest.get(part, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("reviews:guest_ended", args=[review.pk])
    assert guest.get(part)["Location"] == reverse("reviews:guest_ended", args=[review.pk])
