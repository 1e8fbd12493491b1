"""The action list (filters, sort, export, add by hand) and an action's page."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marblejar.lib.dates import day
from marblejar.reviews import services
from marblejar.reviews.models import Action, ActionEvent, Phase, Theme
from marblejar.reviews.tests.helpers import action_dates, advance_to, schedule

pytestmark = pytest.mark.django_db


def add(p, title: str, **extra) -> Action:
    due, check = action_dates()
    options = {"expected_effect": "We see it.", "due_on": due, "check_on": check}
    options.update(extra)
    return services.action_add(actor=p.lead, team=p.team, title=title, **options)


def from_review(p, title: str) -> Action:
    review = advance_to(schedule(p, title="Incident 42 debrief"), Phase.ACTIONS, by=p.lead)
    due, check = action_dates()
    return services.action_create(
        actor=p.lead,
        review=review,
        title=title,
        expected_effect="Alerts reach the right person.",
        due_on=due,
        check_on=check,
    )


def rows(response) -> list[str]:
    """The titles in the list, in order."""
    return [a.title for a in response.context["actions"]]


def test_the_list_shows_actions_from_reviews_and_by_hand(personas, client_for):
    reviewed = from_review(personas, "Route alerts to the on-call rotation")
    by_hand = add(personas, "Freeze dates in the calendar", owner=personas.member)
    page = client_for("member").get("/t/platform/actions/")
    assert page.status_code == 200
    text = page.content.decode()
    assert rows(page) == [reviewed.title, by_hand.title]
    assert "Incident 42 debrief" in text and "Added by hand" in text
    assert "The whole team" in text and "Max Member" in text


def test_it_filters_and_sorts_from_the_address(personas, client_for):
    today = timezone.localdate()
    late = add(personas, "Late", due_on=today - timedelta(days=3), check_on=today)
    add(personas, "Mine", owner=personas.member, due_on=today + timedelta(days=9))
    done = add(personas, "Done", due_on=today - timedelta(days=9), check_on=today)
    services.action_set_status(actor=personas.lead, action=done, status="done")
    reviewed = from_review(personas, "Reviewed")
    client = client_for("member")
    get = lambda query: rows(client.get(f"/t/platform/actions/?{query}"))  # noqa: E731
    # Still to do first (open, doing, done, dropped), soonest due first: the default.
    assert get("") == ["Late", "Reviewed", "Mine", "Done"]
    assert get("sort=due") == ["Done", "Late", "Reviewed", "Mine"]
    assert get("sort=check") == ["Late", "Done", "Mine", "Reviewed"]
    assert get("overdue=on") == ["Late"]  # done is not overdue
    assert get("status=done") == ["Done"]
    assert get(f"owner={personas.member.pk}") == ["Mine"]
    assert get("owner=team") == ["Late", "Reviewed", "Done"]
    assert get(f"review={reviewed.review_id}") == ["Reviewed"]
    assert get("review=hand&sort=created") == ["Done", "Mine", "Late"]
    assert late.title == get("overdue=on&sort=created")[0]


@pytest.mark.parametrize(
    "query", ["status=finished", "owner=someone", "sort=priority", "review=999999"]
)
def test_a_bad_filter_is_a_readable_400_that_shows_everything(personas, client_for, query):
    add(personas, "Still shown")
    page = client_for("member").get(f"/t/platform/actions/?{query}")
    assert page.status_code == 400
    assert "These filters are not valid" in page.content.decode()
    assert rows(page) == ["Still shown"]
    export = client_for("member").get(f"/t/platform/actions.csv?{query}")
    assert export.status_code == 400 and "not valid" in export.content.decode()


def test_adding_by_hand_keeps_what_was_typed_when_refused(personas, client_for):
    client = client_for("member2")
    page = client.post(
        "/t/platform/actions/new/",
        {
            "title": "Pair on deploys",
            "expected_effect": "",
            "due_on": "2030-02-01",
            "check_on": "2030-01-01",
        },
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert 'value="Pair on deploys"' in text
    assert "Say how you will know it worked." in text
    assert not Action.objects.exists()
    ok = client.post(
        "/t/platform/actions/new/",
        {
            "title": "Pair on deploys",
            "expected_effect": "Two people can deploy.",
            "due_on": "2030-01-01",
            "check_on": "2030-02-01",
            "owner": personas.member.pk,
        },
    )
    action = Action.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/actions/{action.pk}/"
    assert action.owner == personas.member and action.created_by == personas.member2


def test_an_owner_from_outside_the_team_is_refused(personas, client_for):
    page = client_for("member").post(
        "/t/platform/actions/new/",
        {
            "title": "X",
            "expected_effect": "Y",
            "due_on": "2030-01-01",
            "check_on": "2030-02-01",
            "owner": personas.other.pk,
        },
    )
    assert page.status_code == 400 and not Action.objects.exists()


def test_exports_follow_the_filters(personas, client_for):
    add(personas, '=HYPERLINK("http://evil")', owner=personas.member)
    add(personas, "Team's own | with a pipe")
    client = client_for("member")
    response = client.get(f"/t/platform/actions.csv?owner={personas.member.pk}")
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["action"] for r in table] == ['\'=HYPERLINK("http://evil")']
    assert table[0]["owner"] == "Max Member" and table[0]["status"] == "open"
    markdown = client.get("/t/platform/actions.md?owner=team").content.decode()
    assert "**Team's own \\| with a pipe** (Open)" in markdown
    assert "HYPERLINK" not in markdown
    assert "We will know it worked when… We see it." in markdown


def test_the_list_reads_in_the_same_number_of_queries_for_5_or_500_actions(personas, client_for):
    client = client_for("member")

    def queries(n: int) -> int:
        Action.objects.all().delete()
        review = schedule(personas, title=f"Retro {n}")
        Action.objects.bulk_create(
            Action(
                organization=personas.org,
                team=personas.team,
                review=review if i % 2 else None,
                owner=personas.member if i % 3 else None,
                title=f"Action {i}",
                expected_effect="E",
                due_on=date(2030, 1, 1) + timedelta(days=i % 40),
                check_on=date(2030, 3, 1),
                check_result="partly" if i % 5 == 0 else "",
            )
            for i in range(n)
        )
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/t/platform/actions/?sort=status&owner={personas.member.pk}")
        assert page.status_code == 200
        return len(captured)

    assert queries(5) == queries(500)


def test_the_action_page_edits_moves_on_and_checks_keeping_what_was_typed(personas, client_for):
    action = add(personas, "Freeze dates in the calendar", owner=personas.member)
    client = client_for("member2")
    url = f"/actions/{action.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Did it have the effect we expected?" in page.content.decode()
    # Dropping without a reason: refused, and the choice is still there.
    refused = client.post(f"{url}status/", {"status": "dropped", "note": ""})
    assert refused.status_code == 400
    assert "Say why it is dropped" in refused.content.decode()
    assert '<option value="dropped" selected>' in refused.content.decode()
    moved = client.post(f"{url}status/", {"status": "doing", "note": "Started on it."})
    assert moved.status_code == 302
    # A check without a choice: the note typed comes back.
    refused = client.post(f"{url}check/", {"note": "Nobody was surprised in March."})
    assert refused.status_code == 400
    assert "Nobody was surprised in March." in refused.content.decode()
    client.post(f"{url}check/", {"result": "worked", "note": "Nobody was surprised in March."})
    edit = client.post(
        url,
        {
            "title": "",
            "expected_effect": "Nobody is surprised.",
            "due_on": "2030-01-01",
            "check_on": "2030-02-01",
        },
    )
    assert edit.status_code == 400 and "Say what you will do" in edit.content.decode()
    action.refresh_from_db()
    assert (action.status, action.check_result) == ("doing", "worked")
    page = client.get(url).content.decode()
    assert "Did it work? Yes" in page and "Nobody was surprised in March." in page
    assert "Mia Member set it to “Doing”." in page
    assert "Mia Member answered “did it work?”: Yes." in page
    listed = client.get("/t/platform/actions/").content.decode()
    assert "check-worked" in listed


def test_it_returns_to_the_filtered_list_it_came_from_and_nowhere_else(personas, client_for):
    action = add(personas, "X")
    client = client_for("member")
    back = "/t/platform/actions/?status=open"
    done = client.post(f"/actions/{action.pk}/status/", {"status": "done", "next": back})
    assert done["Location"].startswith(f"/actions/{action.pk}/?next=")
    page = client.get(done["Location"]).content.decode()
    assert 'href="/t/platform/actions/?status=open"' in page
    evil = client.get(f"/actions/{action.pk}/?next=https://evil.example/").content.decode()
    assert "evil.example" not in evil


def test_the_board_still_sets_a_status_in_its_open_actions_phase(personas, client_for):
    action = add(personas, "Carried over")
    review = advance_to(schedule(personas), Phase.FOLLOWUP, by=personas.lead)
    response = client_for("member").post(
        f"/actions/{action.pk}/status/", {"status": "done", "review": review.pk}
    )
    assert response.status_code == 302 and response["Location"] == f"/r/{review.pk}/"
    action.refresh_from_db()
    assert action.status == "done" and action.last_checked_in == review
    assert ActionEvent.objects.filter(action=action, kind="status").exists()


def test_the_partials_for_the_board_say_what_came_of_earlier_actions(
    personas, django_assert_num_queries
):
    from django.template.loader import render_to_string

    from marblejar.reviews import selectors_actions

    first = advance_to(schedule(personas, title="March retro"), Phase.ACTIONS, by=personas.lead)
    theme = Theme.objects.create(
        organization=personas.org, review=first, title="Deploy freeze confusion"
    )
    due, check = action_dates()
    action = services.action_create(
        actor=personas.lead,
        review=first,
        theme=theme,
        title="Put the freeze in the calendar",
        expected_effect="Nobody is surprised.",
        due_on=due,
        check_on=check,
    )
    advance_to(first, Phase.CLOSED, by=personas.lead)
    services.action_set_status(actor=personas.lead, action=action, status="done")
    services.action_check(actor=personas.lead, action=action, result="partly", note="Mostly.")
    second = advance_to(schedule(personas, title="April retro"), Phase.FOLLOWUP, by=personas.lead)
    checks = selectors_actions.action_checks_for_review(review=second)
    html = render_to_string("reviews/_action_checks.html", {"action_checks": checks})
    assert "Put the freeze in the calendar" in html and "Did it work? Partly" in html
    advance_to(second, Phase.GROUP, by=personas.lead)
    new = Theme.objects.create(
        organization=personas.org, review=second, title="Confusion about the deploy freeze"
    )
    with django_assert_num_queries(3):  # the review's themes, earlier themes, their actions
        by_theme = selectors_actions.similar_earlier_themes_for_review(review=second)
    earlier = selectors_actions.similar_earlier_themes(theme=new)
    assert by_theme[new.pk] == earlier
    assert [e.theme for e in earlier] == [theme]
    html = render_to_string("reviews/_recurring_theme.html", {"earlier": earlier})
    date_text = day(first.created_at)
    assert (
        f"This looks like “Deploy freeze confusion” from {date_text}; its action was marked "
        "done and checked “partly”." in " ".join(html.split())
    )


def test_the_list_drawn_once_shows_every_change_to_what_it_shows(personas, client_for):
    """The table, the filters and the empty form are kept drawn: a change still shows at once."""
    from marblejar.accounts import services as account_services
    from marblejar.teams.tests.helpers import add_members

    first = add(personas, "Freeze dates in the calendar", owner=personas.member)
    reader, other = client_for("member"), client_for("member2")
    assert "Freeze dates in the calendar" in reader.get("/t/platform/actions/").text
    page = other.get("/t/platform/actions/").text  # kept, shown again
    assert page.count("Freeze dates in the calendar") == 1

    services.action_set_status(actor=personas.lead, action=first, status="doing")
    account_services.user_update_profile(user=personas.member, display_name="Maxine Member")
    from_review(personas, "Route alerts to the on-call rotation")
    (newcomer,) = add_members(personas.team, 1)
    page = other.get("/t/platform/actions/")
    text = page.text
    assert rows(page) == ["Route alerts to the on-call rotation", "Freeze dates in the calendar"]
    assert '<span class="badge status-doing">Doing</span>' in text
    assert ">Maxine Member</td>" in text and "Max Member" not in text
    # The review is in the filter's choices, the newcomer in the filter's and the form's owners.
    assert ">Incident 42 debrief</option>" in text
    assert text.count(f'<option value="{newcomer.pk}">') == 2

    filtered = reader.get("/t/platform/actions/?status=doing").text
    assert "Freeze dates in the calendar" in filtered and "Route alerts" not in filtered
    assert '<option value="doing" selected>' in filtered


def test_rows_with_a_form_are_drawn_for_each_reader(personas, client_for):
    """With an issue tracker each row holds a form (and its reader's CSRF token): never kept."""
    import re

    from marblejar.tests.test_page_queries import add_trackers_and_issues

    add(personas, "Freeze dates in the calendar")
    add_trackers_and_issues(personas, 1, issues=0)
    tokens = []
    for who in ("member", "member2"):
        client = client_for(who)
        client.get("/t/platform/actions/")
        text = client.get("/t/platform/actions/").text
        assert "Create an issue" in text
        tokens.append(set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)))
    # Every form of a page (the row's and the page's own) carries that page's token, and
    # the second reader's differs: the rows were drawn with each page, not kept.
    assert [len(t) for t in tokens] == [1, 1] and tokens[0] != tokens[1]
