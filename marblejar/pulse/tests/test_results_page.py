"""The results page a lead can read in ten seconds, and the team page's pulse card."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from marblejar.lib.dates import day
from marblejar.pulse.models import PulseResult
from marblejar.pulse.tests.factories import add_members, run_pulse, set_k

pytestmark = pytest.mark.django_db

TEAM_URL = reverse("teams:detail", args=["platform"])


def results_url(pulse) -> str:
    return reverse("pulse:results", args=["platform", pulse.pk])


def read(client, url: str) -> str:
    """The page as a reader sees its text (entities such as &#x27; decoded)."""
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def six(personas):
    """Platform with six people: the lead, Max, Mia and three more."""
    return [
        personas.lead,
        personas.member,
        personas.member2,
        *add_members(personas.team, personas.org, 3),
    ]


def levels(people, *values):
    return dict(zip(people, values, strict=False))


def test_the_headline_says_the_score_its_change_in_words_and_participation(
    personas, client_for, six
):
    before = run_pulse(personas.lead, personas.team, levels(six, 3, 4, 3, 4, 3, 4), days_ago=40)
    now = run_pulse(personas.lead, personas.team, levels(six[:5], 6, 5, 6, 6, 5), days_ago=10)
    page = read(client_for("member"), results_url(now))
    headline = page[page.index('id="score-h"') : page.index("The lead's response")]
    assert '<span class="score-number">5.6</span>' in headline
    assert "out of 7" in headline
    since = day(PulseResult.objects.get(pulse=before).closed_on)
    assert (
        f"Up 2.1 since {since}: larger than its uncertainty, so most likely a real rise."
        in headline
    )
    assert "5 of 6 people answered (83%)." in headline
    assert "Probably between" in headline


def test_a_change_within_its_uncertainty_says_no_clear_change(personas, client_for, six):
    run_pulse(personas.lead, personas.team, levels(six, 3, 6, 4, 5, 4, 5), days_ago=40)
    now = run_pulse(personas.lead, personas.team, levels(six, 4, 6, 4, 5, 4, 5), days_ago=10)
    page = read(client_for("member"), results_url(now))
    assert re.search(r"\+0\.2 since [^:]+: within its uncertainty, so no clear change\.", page)


def test_the_first_pulse_with_results_says_the_next_one_will_show_the_change(
    personas, client_for, six
):
    pulse = run_pulse(personas.lead, personas.team, levels(six, 5, 5, 6, 4, 5, 5), days_ago=10)
    page = read(client_for("member"), results_url(pulse))
    assert "the next one will show the change" in page


def test_every_statement_shows_its_facet_and_reverse_ones_point_the_scores_way(
    personas, client_for, six
):
    pulse = run_pulse(personas.lead, personas.team, levels(six, 6, 6, 6, 6, 6, 6), days_ago=10)
    page = read(client_for("member"), results_url(pulse))
    statements = page[page.index('id="items-h"') : page.index('id="agree-h"')]
    for facet in (
        "Mistakes are not held against you",
        "Raising problems and tough issues",
        "Nobody is rejected for being different",
        "Taking a risk",
        "Asking for help",
        "Nobody undermines your efforts",
        "Your skills are valued and used",
    ):
        assert f'<h3 class="facet">{facet}</h3>' in statements
    # The three reverse-worded statements: marked, worded as asked, and their
    # bars as long as the others' (everyone scored 6, so 5/6 of the bar).
    assert statements.count("worded the other way round</span>") == 3
    assert "“When someone here gets something wrong, it counts against them" in statements
    assert statements.count('class="bar-fill" width="83.3"') == 7
    assert statements.count("As worded, the average answer was 2.0 on the scale from 1 to 7.") == 3


def test_alpha_is_shown_from_ten_people_and_one_sentence_says_why_below(personas, client_for, six):
    small = run_pulse(personas.lead, personas.team, levels(six, 3, 6, 4, 5, 4, 5), days_ago=40)
    page = read(client_for("member"), results_url(small))
    assert (
        "With 6 people, Cronbach's alpha (how consistently the statements measure one thing) "
        "swings too much by chance to mean anything, so it is shown from 10 people on." in page
    )
    assert "Cronbach's alpha is" not in page and "alpha is probably between" not in page
    ten = [*six, *add_members(personas.team, personas.org, 4, prefix="more")]
    large = run_pulse(
        personas.lead, personas.team, levels(ten, 3, 6, 4, 5, 4, 5, 6, 2, 5, 4), days_ago=10
    )
    page = read(client_for("member"), results_url(large))
    assert "Cronbach's alpha is 1.00" in page
    assert "With 10 people, alpha is probably between" in page
    api = client_for("member").get(f"/api/v1/teams/platform/pulses/{small.pk}/results").json()
    assert api["alpha"] is None  # as on the page: not shown below ten people


def test_agreement_is_always_said_with_what_it_means(personas, client_for, six):
    pulse = run_pulse(personas.lead, personas.team, levels(six, 1, 7, 1, 7, 1, 7), days_ago=10)
    page = read(client_for("member"), results_url(pulse))
    assert "Agreement within the team is 0.00 on a scale from 0" in page
    assert "No real agreement: answers are about as spread as random ones" in page


def test_the_full_statistics_are_one_click_away(personas, client_for, six):
    pulse = run_pulse(personas.lead, personas.team, levels(six, 3, 6, 4, 5, 4, 5), days_ago=10)
    page = read(client_for("member"), results_url(pulse))
    start = page.index('<details class="card how">')
    details = page[start : page.index("</details>", start)]
    assert "<summary>How these numbers are computed</summary>" in details
    assert "Answers typically sit" in details  # the spread
    assert "95% confidence interval" in details
    assert "Only people who were in the team when the pulse opened count" in details


def test_a_hidden_pulse_shows_no_number_and_the_change_skips_it(personas, client_for, six):
    shown = run_pulse(personas.lead, personas.team, levels(six, 3, 3, 4, 4, 3, 4), days_ago=60)
    hidden = run_pulse(personas.lead, personas.team, levels(six[:4], 7, 7, 7, 7), days_ago=30)
    page = read(client_for("member"), results_url(hidden))
    assert "Fewer than 5 people answered, so nothing is shown" in page
    for number in ("score-number", "bar-fill", 'class="change', "Agreement within"):
        assert number not in page, number
    latest = run_pulse(personas.lead, personas.team, levels(six, 5, 5, 6, 5, 5, 6), days_ago=5)
    page = read(client_for("member"), results_url(latest))
    assert f"since {day(PulseResult.objects.get(pulse=shown).closed_on)}" in page
    assert f"since {day(PulseResult.objects.get(pulse=hidden).closed_on)}" not in page


# The team page's pulse card -----------------------------------------------------------


def test_after_publishing_the_team_page_shows_the_latest_score_and_its_trend(
    personas, client_for, six
):
    assert "score-number" not in client_for("member").get(TEAM_URL).text
    first = run_pulse(personas.lead, personas.team, levels(six, 3, 3, 4, 4, 3, 4), days_ago=90)
    run_pulse(personas.lead, personas.team, levels(six, 4, 4, 4, 5, 4, 4), days_ago=60)
    latest = run_pulse(personas.lead, personas.team, levels(six, 6, 5, 6, 6, 5, 6), days_ago=30)
    card = pulse_card(read(client_for("member"), TEAM_URL))
    assert f'href="{results_url(latest)}">Psychological safety</a>' in card
    assert '<span class="score-number">5.7</span>' in card
    assert "Up 1.5 since" in card and "larger than its uncertainty" in card
    first_day = day(PulseResult.objects.get(pulse=first).closed_on)
    assert f"From 3.5 on {first_day} to 5.7 on" in card and "across 3 pulses with results" in card
    # The trend line, with its text alternative.
    assert card.count('class="trend-point') == 3
    assert "Score of each pulse with results, oldest first: 3.5 (" in card


def test_the_card_shows_only_what_the_team_may_see(personas, client_for, six):
    shown = run_pulse(personas.lead, personas.team, levels(six, 4, 4, 5, 5, 4, 5), days_ago=90)
    # Too few answered: hidden, so never on the card, whatever its score.
    run_pulse(personas.lead, personas.team, levels(six[:4], 7, 7, 7, 7), days_ago=60)
    # Closed yesterday, not published yet: only the lead has seen it.
    run_pulse(
        personas.lead, personas.team, levels(six, 1, 1, 2, 1, 1, 2), days_ago=5, publish=False
    )
    for name in ("member", "lead"):
        card = pulse_card(read(client_for(name), TEAM_URL))
        assert f'href="{results_url(shown)}">Psychological safety</a>' in card, name
        assert '<span class="score-number">4.5</span>' in card, name
        assert "7.0" not in card and "1.3" not in card, name


def pulse_card(page: str) -> str:
    return page[
        page.index('id="pulse-panel"') : page.index("</section>", page.index('id="pulse-panel"'))
    ]


# Query counts, pinned ------------------------------------------------------------------


def test_the_results_page_costs_the_same_queries_however_many_pulses_came_before(
    personas, client_for, six, django_assert_num_queries
):
    set_k(personas.org, 5)
    for days in (200, 170):
        run_pulse(personas.lead, personas.team, levels(six, 4, 4, 5, 5, 4, 5), days_ago=days)
    pulse = run_pulse(
        personas.lead,
        personas.team,
        levels(six, 5, 5, 6, 5, 5, 6),
        days_ago=10,
        comments={six[0]: "More pairing.", six[1]: "Good month."},
    )
    client = client_for("member")
    client.get(results_url(pulse))  # sessions and caches warm
    with django_assert_num_queries(RESULTS_PAGE_QUERIES):
        assert client.get(results_url(pulse)).status_code == 200
    for days in (140, 110, 80, 50):
        run_pulse(personas.lead, personas.team, levels(six, 4, 4, 5, 5, 4, 5), days_ago=days)
    with django_assert_num_queries(RESULTS_PAGE_QUERIES):
        assert client.get(results_url(pulse)).status_code == 200


def test_the_team_page_costs_the_same_queries_however_many_pulses_it_has(
    personas, client_for, six, django_assert_num_queries
):
    run_pulse(personas.lead, personas.team, levels(six, 4, 4, 5, 5, 4, 5), days_ago=60)
    run_pulse(personas.lead, personas.team, levels(six, 5, 5, 6, 5, 5, 6), days_ago=30)
    client = client_for("member")
    client.get(TEAM_URL)
    with django_assert_num_queries(TEAM_PAGE_QUERIES):
        assert client.get(TEAM_URL).status_code == 200
    for days in (200, 170, 140, 110, 90):
        run_pulse(personas.lead, personas.team, levels(six, 4, 4, 5, 5, 4, 5), days_ago=days)
    with django_assert_num_queries(TEAM_PAGE_QUERIES):
        assert client.get(TEAM_URL).status_code == 200


def test_the_pulse_card_costs_three_queries(personas, six, rf, django_assert_num_queries):
    from marblejar.pulse.panels import team_panel

    for days in (90, 60, 30):
        run_pulse(personas.lead, personas.team, levels(six, 4, 4, 5, 5, 4, 5), days_ago=days)
    request = rf.get(TEAM_URL)
    request.user = personas.member
    team_panel(request, personas.team)  # the role cache warm, as on the page
    # The catch-up, the recent pulses with whether the reader answered each, the scores.
    with django_assert_num_queries(3):
        assert (
            'class="team-score"' in team_panel(request, personas.team)["pulse_panel"]["score_html"]
        )


# A member reading published results: session, user, the team with the reader's
# role and whether anything is due, the pulse, its result, the previous shown
# result, the comments (the header's teams and unread count come with the user).
RESULTS_PAGE_QUERIES = 7
# The whole team page (every panel's); the pulse card's part is pinned above.
TEAM_PAGE_QUERIES = 13  # a member, after the first visit (which stores the current team)
