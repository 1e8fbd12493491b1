"""Grouping a card without JavaScript: the "Move this card" page, and the one shared menu."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from marblejar.reviews import services
from marblejar.reviews.models import Note, Phase, Theme
from marblejar.reviews.tests.helpers import advance_to, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def grouping(personas):
    """A review in its group phase: two cards, one theme holding the second."""
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    loose = services.note_add(
        actor=personas.member, review=review, column="puzzled", text="The pager <b>woke</b> us"
    )
    themed = services.note_add(
        actor=personas.member2, review=review, column="went_well", text="Pairing"
    )
    review = advance_to(review, Phase.GROUP, by=personas.lead)
    theme = Theme.objects.create(organization=personas.org, review=review, title="On call & <i>")
    services.note_move(actor=personas.member, note=Note.objects.get(pk=themed.pk), theme=theme)
    return review, loose, themed, theme


def url(review, note) -> str:
    return reverse("reviews:note_move", args=[review.pk, note.pk])


def test_the_page_shows_the_card_and_every_destination_with_labels(grouping, client_for):
    review, loose, themed, theme = grouping
    response = client_for("member").get(url(review, loose))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Move this card</h1>" in html
    assert "The pager &lt;b&gt;woke&lt;/b&gt; us" in html  # the card, escaped
    assert "It is not in a theme yet." in html
    # A radio group in a fieldset with its legend; every choice has its label.
    assert "<legend" in html and "Move this card to" in html
    radios = re.findall(r'<input type="radio" name="to" value="([^"]*)"[^>]*id="([^"]+)"', html)
    assert [value for value, _ in radios] == [str(theme.pk), "new"]
    for _value, radio_id in radios:
        assert f'for="{radio_id}"' in html
    assert "On call &amp; &lt;i&gt;" in html
    assert "Back to “" not in html  # not in a theme: nothing to go back from


def test_a_card_in_a_theme_is_offered_the_way_back_and_not_its_own_theme(grouping, client_for):
    review, loose, themed, theme = grouping
    html = client_for("member2").get(url(review, themed)).content.decode()
    assert "It is in the theme “On call &amp; &lt;i&gt;”." in html
    values = re.findall(r'<input type="radio" name="to" value="([^"]*)"', html)
    assert values == ["new", "column"]
    assert "Back to “Went well”" in html


def test_posting_the_page_moves_the_card_and_goes_back_to_the_board(grouping, client_for):
    review, loose, themed, theme = grouping
    client = client_for("member2")  # anyone taking part groups any card
    response = client.post(url(review, loose), {"move_page": "1", "to": str(theme.pk)})
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:board", args=[review.pk]) + f"#note-{loose.pk}"
    assert Note.objects.get(pk=loose.pk).theme_id == theme.pk
    # Back to its column, then into a new theme named after it.
    assert client.post(url(review, loose), {"move_page": "1", "to": "column"}).status_code == 302
    assert Note.objects.get(pk=loose.pk).theme_id is None
    assert client.post(url(review, loose), {"move_page": "1", "to": "new"}).status_code == 302
    new = Note.objects.get(pk=loose.pk).theme
    assert new is not None and new.pk != theme.pk and new.title.startswith("The pager")


@pytest.mark.parametrize("data", [{}, {"to": ""}, {"to": "999"}, {"to": "x"}, {"to": "column"}])
def test_a_bad_or_stale_choice_is_said_in_words_on_the_page(grouping, client_for, data):
    review, loose, themed, theme = grouping
    response = client_for("member").post(url(review, loose), {"move_page": "1", **data})
    assert response.status_code == 400
    html = response.content.decode()
    assert "errorlist" in html and ("Choose where the card goes." in html or "no longer" in html)
    assert Note.objects.get(pk=loose.pk).theme_id is None


def test_outside_the_group_phase_the_page_sends_back_to_the_board_with_why(personas, client_for):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    note = services.note_add(actor=personas.member, review=review, column="puzzled", text="n")
    client = client_for("member")
    response = client.get(url(review, note), follow=True)
    assert response.redirect_chain[0][0] == reverse("reviews:board", args=[review.pk])
    assert "Notes are grouped in the group phase." in response.content.decode()


def test_the_page_keeps_the_endpoints_rules(grouping, client_for, personas):
    review, loose, themed, theme = grouping
    # Outside the team: the review does not exist for them.
    assert client_for("outsider").get(url(review, loose)).status_code == 404
    assert (
        client_for("outsider").post(url(review, loose), {"move_page": "1", "to": "new"}).status_code
        == 404
    )
    # Not a note of this review, or no note at all.
    other = advance_to(schedule(personas, title="Another"), Phase.REFLECT, by=personas.lead)
    assert client_for("member").get(url(other, loose)).status_code == 404
    assert Note.objects.get(pk=loose.pk).theme_id is None


def test_a_closed_review_refuses_the_move_in_words(grouping, client_for, personas):
    review, loose, themed, theme = grouping
    advance_to(review, Phase.CLOSED, by=personas.lead)
    response = client_for("member").post(
        url(review, loose), {"move_page": "1", "to": "new"}, follow=True
    )
    assert response.status_code == 200
    assert Note.objects.get(pk=loose.pk).theme_id is None


def test_the_group_part_has_one_menu_and_each_card_a_link_to_its_page(grouping, client_for):
    review, loose, themed, theme = grouping
    html = (
        client_for("member")
        .get(reverse("reviews:section", args=[review.pk, "groups"]))
        .content.decode()
    )
    assert html.count('id="move-menu"') == 1
    assert html.count('role="menu"') == 1
    assert f'<a href="{url(review, loose)}" class="move-link">Move to…' in html
    assert f'<a href="{url(review, themed)}" class="move-link">Move to…' in html
    # The menu: every theme, a new theme, and one "Back to" per column (shown by the script).
    menu = html[html.index('id="move-menu"') :]
    assert f'name="theme" value="{theme.pk}"' in menu
    assert 'name="new_theme" value="1"' in menu
    assert 'data-back="went_well" hidden' in menu
    assert 'data-col="went_well"' in html  # the themed card names its column for that
    # Someone who only watches (present mode) gets neither.
    present = (
        client_for("member")
        .get(reverse("reviews:section", args=[review.pk, "groups"]) + "?present=1")
        .content.decode()
    )
    assert "move-link" not in present and "move-menu" not in present


def test_the_kept_menu_carries_each_readers_own_csrf_token(grouping, client_for):
    """The second reader gets the first one's kept part, with their own token in its menu."""
    from marblejar.reviews import fragments

    review, loose, themed, theme = grouping
    clients = [client_for("member"), client_for("member2")]
    tokens = []
    for client in clients:  # both read the same version: the second gets it kept
        html = client.get(reverse("reviews:section", args=[review.pk, "groups"])).content.decode()
        assert fragments.CSRF_STAND_IN not in html
        menu = html[html.index('id="move-menu"') :]
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', menu).group(1))
    assert tokens[0] != tokens[1]
    for client, token, to in zip(clients, tokens, (theme.pk, ""), strict=True):
        client.handler.enforce_csrf_checks = True  # the token works: the move goes through
        response = client.post(url(review, loose), {"csrfmiddlewaretoken": token, "theme": to})
        assert response.status_code == 302
        assert Note.objects.get(pk=loose.pk).theme_id == (to or None)
