"""Every main page costs a fixed number of queries, however much the team holds.

Each page is read once with a little data (10 reflections, 5 people, two
pulses, a few reviews and actions) and once with a lot (1,000 reflections,
50 people, eight pulses, 30 reviews, 120 actions); both must cost exactly the
number pinned here. A change that adds a query per item, or a query to every
page, fails here first; a change that saves one lowers the pin.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marblejar.pulse.models import Pulse
from marblejar.pulse.tests.factories import run_pulse, set_k
from marblejar.reflections import services as reflection_services
from marblejar.reflections.models import Comment, Reaction, Reflection, Status
from marblejar.reviews.models import Action, ActionStatus, Phase, Review
from marblejar.teams.tests.helpers import add_members

pytestmark = pytest.mark.django_db

# page: (who reads it, its address, queries). Every page pays 2 for the
# session and the user; the header pays none (the bell's count and the
# teams come with the user: see test_header.py).
PAGES: dict[str, tuple[str, str, int]] = {
    "team": ("lead", "/t/platform/", 16),
    "jar": ("lead", "/t/platform/jar/", 4),
    "jar history": ("lead", "/t/platform/jar/?page=2", 4),
    "reflections": ("lead", "/t/platform/reflections/", 8),
    "one reflection": ("lead", "/reflections/{reflection}/", 7),
    "pulse list": ("lead", "/t/platform/pulses/", 4),
    "pulse results": ("lead", "/t/platform/pulses/{pulse}/results/", 7),
    "org pulse overview": ("admin", "/organization/pulses/", 6),
    # Two more for issue trackers: the issues the page's actions became, the team's trackers.
    "actions": ("lead", "/t/platform/actions/", 9),
    "trackers": ("lead", "/t/platform/trackers/", 4),
    "review list": ("lead", "/t/platform/reviews/", 4),
    "team insights": ("lead", "/t/platform/insights/?months=24", 8),
    "org insights": ("admin", "/organization/insights/", 6),
    "account": ("lead", "/account/", 2),
    "two-factor sign-in": ("lead", "/account/two-factor/", 4),
    # Two more: the organization (may the reader export it?) and its retention periods.
    "what we store": ("lead", "/what-we-store/", 4),
    # The team, its integrations with their last attempt (one query).
    "integrations": ("lead", "/t/platform/integrations/", 4),
    # The team, the integration, its delivery log with the deliveries (one query).
    "one integration": ("lead", "/t/platform/integrations/{integration}/", 5),
}


def add_reflections(p, n: int) -> None:
    """``n`` published reflections in Platform, each with a reaction and a comment."""
    people = [p.lead, p.member, p.member2]
    now = timezone.now()
    made = Reflection.objects.bulk_create(
        Reflection(
            organization=p.org,
            team=p.team,
            author=people[i % 3],
            kind="lesson",
            status=Status.PUBLISHED,
            title=f"Lesson {i}",
            body="What we learned.",
            published_at=now - timedelta(hours=i + 1),
        )
        for i in range(n)
    )
    Reaction.objects.bulk_create(
        Reaction(organization=p.org, reflection=r, user=people[(i + 1) % 3], kind="thanks")
        for i, r in enumerate(made)
    )
    Comment.objects.bulk_create(
        Comment(organization=p.org, reflection=r, author=people[(i + 2) % 3], body="Thank you.")
        for i, r in enumerate(made)
    )


def add_reviews(p, n: int, actions_each: int) -> None:
    now = timezone.now()
    reviews = Review.objects.bulk_create(
        Review(
            organization=p.org,
            team=p.team,
            title=f"Retrospective {i}",
            purpose="Look back.",
            agenda="Notes, themes, actions.",
            intent="Everyone did their best.",
            template_name="Start, stop, continue",
            columns=["Start", "Stop", "Continue"],
            facilitator=p.lead,
            created_by=p.lead,
            phase=Phase.CLOSED,
            created_at=now - timedelta(days=14 * (i + 1)),
            closed_at=now - timedelta(days=14 * (i + 1)),
        )
        for i in range(n)
    )
    statuses = list(ActionStatus)
    Action.objects.bulk_create(
        Action(
            organization=p.org,
            team=p.team,
            review=review,
            title=f"Action {i}.{k}",
            owner=(p.lead, p.member, None)[k % 3],
            due_on=review.created_at.date() + timedelta(days=14),
            check_on=review.created_at.date() + timedelta(days=40),
            expected_effect="Fewer pages.",
            status=statuses[(i + k) % len(statuses)],
        )
        for i, review in enumerate(reviews)
        for k in range(actions_each)
    )


def add_trackers_and_issues(p, trackers: int, issues: int) -> None:
    """``trackers`` GitHub trackers for Platform, and ``issues`` of its actions made issues."""
    from marblejar.trackers.models import Issue, Tracker

    made = []
    for i in range(trackers):
        tracker = Tracker(
            organization=p.org,
            team=p.team,
            kind="github",
            base_url="https://api.github.com",
            project=f"acme/repo-{Tracker.objects.count() + i}",
        )
        tracker.set_token("github_pat_for_counting")
        tracker.set_secret("secret")
        tracker.save()
        made.append(tracker)
    actions = Action.objects.filter(team=p.team, tracker_issue__isnull=True)[:issues]
    Issue.objects.bulk_create(
        Issue(
            organization=p.org,
            action=a,
            tracker=made[0],
            kind="github",
            ref=str(a.pk),
            url=f"https://github.com/acme/repo/issues/{a.pk}",
            state="open",
        )
        for a in actions
    )


def add_pulses(p, people, n: int, start: int) -> None:
    for i in range(n):
        run_pulse(p.lead, p.team, dict.fromkeys(people, 3 + i % 3), days_ago=30 * (start + i))


def add_integrations(p, n: int, deliveries_each: int) -> None:
    """``n`` more integrations of Platform, each with deliveries tried twice."""
    from marblejar.integrations.models import Attempt, Delivery, Integration
    from marblejar.integrations.services import _seal

    made = Integration.objects.bulk_create(
        Integration(
            organization=p.org,
            team=p.team,
            kind=("slack", "teams", "webhook")[i % 3],
            name=f"Channel {i}",
            url_sealed=_seal(f"https://example.org/{i}"),
            url_hint="example.org …",
            events=["review.closed"],
        )
        for i in range(n)
    )
    deliveries = Delivery.objects.bulk_create(
        Delivery(organization=p.org, integration=i, event="review.closed", summary="Retro")
        for i in made
        for _ in range(deliveries_each)
    )
    Attempt.objects.bulk_create(
        Attempt(organization=p.org, delivery=d, number=k + 1, status_code=500 if k else 200)
        for d in deliveries
        for k in range(2)
    )


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def read_all(personas, client_for) -> dict[str, int]:
    reflection = Reflection.objects.filter(team=personas.team).order_by("-published_at").first()
    pulse = Pulse.objects.filter(team=personas.team, published_at__isnull=False).latest("closes_at")
    integration = personas.team.integrations.earliest("pk")
    counts = {}
    clients = {}
    for name, (persona, url, _pinned) in PAGES.items():
        client = clients.get(persona) or clients.setdefault(persona, client_for(persona))
        url = url.format(reflection=reflection.pk, pulse=pulse.pk, integration=integration.pk)
        client.get(url)  # a first visit may store the current team in the session
        counts[name] = count(client, url)
    return counts


def test_every_page_costs_its_pinned_queries_as_the_team_grows(personas, client_for):
    set_k(personas.org, 3, 3)
    people = [personas.lead, personas.member, personas.member2, *add_members(personas.team, 2)]
    add_reflections(personas, 10)
    add_pulses(personas, people[:5], 2, start=1)
    add_reviews(personas, 3, actions_each=2)
    add_integrations(personas, 2, deliveries_each=3)
    add_trackers_and_issues(personas, 1, issues=2)
    small = read_all(personas, client_for)

    people += add_members(personas.team, 45)
    add_reflections(personas, 990)
    add_pulses(personas, people[:5], 6, start=3)
    add_reviews(personas, 27, actions_each=4)
    add_integrations(personas, 8, deliveries_each=40)
    add_trackers_and_issues(personas, 4, issues=60)
    large = read_all(personas, client_for)

    pinned = {name: queries for name, (_p, _u, queries) in PAGES.items()}
    assert (small, large) == (pinned, pinned)


def test_the_team_page_writes_the_session_only_when_the_current_team_changes(personas, client_for):
    client = client_for("lead")
    with CaptureQueriesContext(connection) as first:
        client.get("/t/platform/")
    with CaptureQueriesContext(connection) as again:
        client.get("/t/platform/")
    writes = [
        [
            q["sql"]
            for q in c.captured_queries
            if "django_session" in q["sql"] and "UPDATE" in q["sql"]
        ]
        for c in (first, again)
    ]
    assert len(writes[0]) == 1 and writes[1] == []
    assert client.session["current_team"] == "platform"


def test_a_read_of_the_reflections_list_tags_in_one_query(personas, client_for):
    reflection_services.reflection_create(
        author=personas.lead,
        team=personas.team,
        kind="lesson",
        title="Tagged",
        body="Text",
        tags="deploys, on-call",
        publish=True,
    )
    page = client_for("member").get("/t/platform/reflections/")
    assert page.context["tags"] == ["deploys", "on-call"]


# Guests: the page a guest link opens, the guest's board and one of its parts
# while the review is open, and the "thank you" page with the summary after.
GUEST_PAGES = {"join": 1, "board": 9, "board part": 6, "thank you": 13}


def guest_page_costs(personas, notes: int, tag: str) -> dict[str, int]:
    from django.test import Client

    from marblejar.reviews import services as review_services
    from marblejar.reviews.tests.helpers import advance_to, schedule

    review = advance_to(schedule(personas, title=f"Guests {tag}"), Phase.REFLECT, by=personas.lead)
    link = review_services.guest_link_create(actor=personas.lead, review=review)
    token = review_services.guest_link_token(link)
    for i in range(notes):
        review_services.note_add(
            actor=(personas.member, personas.member2)[i % 2],
            review=review,
            column=review.column_keys[i % len(review.column_keys)],
            text=f"Note {i}",
        )
    costs = {}
    browser = Client()
    join_url = f"/guest/{token}/"
    browser.get(join_url)
    costs["join"] = count(browser, join_url)
    browser.post(join_url, {"display_name": f"Gus {tag}"})
    board = f"/r/{review.pk}/"
    browser.get(board)
    costs["board"] = count(browser, board)
    costs["board part"] = count(browser, f"/r/{review.pk}/part/columns/")
    browser.post(f"/r/{review.pk}/notes/", {"column": review.column_keys[0], "text": "Mine"})
    advance_to(review, Phase.CLOSED, by=personas.lead)
    thanks = f"/r/{review.pk}/thanks/"
    browser.get(thanks)
    costs["thank you"] = count(browser, thanks)
    return costs


def test_the_guest_pages_cost_their_pinned_queries_as_the_review_grows(personas):
    small = guest_page_costs(personas, notes=4, tag="small")
    large = guest_page_costs(personas, notes=60, tag="large")
    assert (small, large) == (GUEST_PAGES, GUEST_PAGES)


def test_the_two_factor_pages_cost_their_pinned_queries(personas, client_for):
    """The set-up (with its QR code), the page once it is on, and the code step."""
    from django.test import Client

    from marblejar.accounts import two_factor
    from marblejar.test import PASSWORD

    client = client_for("member")
    client.post("/account/two-factor/start/")
    counts = {"set-up": count(client, "/account/two-factor/")}
    draft = two_factor.authenticator(personas.member, confirmed=False)
    draft.confirmed = True
    draft.save()
    two_factor.recovery_codes_replace(user=personas.member)
    counts["on"] = count(client, "/account/two-factor/")
    stranger = Client()
    stranger.post("/login/", {"username": personas.member.email, "password": PASSWORD})
    counts["code step"] = count(stranger, "/login/code/")
    # 2 for every page (session, user). The set-up: is two-factor
    # on, and the draft device. Once on: the device and the codes left.
    # The code step reads only the session and the person it waits for.
    assert counts == {"set-up": 4, "on": 4, "code step": 2}
