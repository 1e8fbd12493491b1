from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from marblejar.jar.models import Crack, CrackInbox, Marble
from marblejar.jar.tests.helpers import release_reports
from marblejar.reflections import services
from marblejar.reflections.models import Comment, Kind, Reflection
from marblejar.teams.models import Membership

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror="alert(3)">'


def publish_mistake(p, author=None, **extra):
    return services.reflection_create(
        author=author or p.lead,
        team=p.team,
        kind=Kind.MISTAKE,
        title=extra.pop("title", "Friday deploy"),
        what_happened=extra.pop("what_happened", "Sign-in broke."),
        correction=extra.pop("correction", "Rolled back; wrote a checklist."),
        publish=True,
        **extra,
    )


def test_it_offers_the_four_kinds_first(client_for):
    page = client_for("member").get("/reflections/new/?team=platform")
    assert page.status_code == 200
    for kind in ("mistake", "lesson", "learning", "help"):
        assert f"?kind={kind}&amp;team=platform" in page.text


def test_it_publishes_a_mistake_from_the_form(client_for, personas):
    response = client_for("lead").post(
        "/reflections/new/?kind=mistake",
        {
            "kind": "mistake",
            "audience": "platform",
            "title": "I merged without review",
            "what_happened": "A typo reached production.",
            "correction": "I reverted it within ten minutes.",
            "learned": "",
            "next_try": "",
            "tags": "review",
            "publish": "1",
        },
    )
    reflection = Reflection.objects.get()
    assert response.status_code == 302 and response.url == f"/reflections/{reflection.pk}/"
    assert reflection.team == personas.team and reflection.is_published and reflection.by_lead
    page = client_for("member").get(response.url)
    assert "I reverted it within ten minutes." in page.text
    assert "Lead, going first" in page.text


def test_an_empty_post_keeps_what_was_typed_and_says_what_is_missing(client_for):
    response = client_for("member").post(
        "/reflections/new/?kind=mistake",
        {"kind": "mistake", "audience": "platform", "title": "Half written",
         "what_happened": "Something I typed", "correction": "", "publish": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Say what you did to correct it" in response.text
    assert "Something I typed" in response.text
    assert 'value="Half written"' in response.text
    assert not Reflection.objects.exists()


def test_an_oversized_post_is_refused_with_a_clear_message_and_kept(client_for):
    long_text = "word " * 4001  # 20,005 characters
    response = client_for("member").post(
        "/reflections/new/?kind=lesson",
        {"kind": "lesson", "audience": "platform", "title": "Long", "body": long_text,
         "publish": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Keep it to 20,000 characters or fewer" in response.text
    assert long_text.strip() in response.text
    assert not Reflection.objects.exists()


def test_a_draft_is_the_author_s_alone(client_for, personas):
    draft = services.reflection_create(
        author=personas.member, team=personas.team, kind=Kind.LESSON, title="Not yet"
    )
    assert client_for("member").get(f"/reflections/{draft.pk}/").status_code == 200
    assert client_for("lead").get(f"/reflections/{draft.pk}/").status_code == 404
    assert client_for("member").post(f"/reflections/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.is_published is False  # a lesson needs its text first
    assert client_for("member").get(f"/reflections/{draft.pk}/edit/").status_code == 200


@pytest.mark.parametrize("name", ["other", "outsider", "anonymous"])
def test_a_team_reflection_is_hidden_from_people_outside_the_team(client_for, personas, name):
    reflection = publish_mistake(personas)
    response = client_for(name).get(f"/reflections/{reflection.pk}/")
    assert response.status_code == (302 if name == "anonymous" else 404)


def test_markdown_is_rendered_inert(client_for, personas):
    reflection = publish_mistake(personas, what_happened=XSS)
    page = client_for("member").get(f"/reflections/{reflection.pk}/")
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # shown as text
    assert 'href="javascript' not in page.text.lower()
    assert "<img src=x" not in page.text  # the tag is text, so its handler is inert


def test_a_reaction_through_htmx_swaps_the_bar_and_drops_a_marble(client_for, personas):
    reflection = publish_mistake(personas)
    response = client_for("member").post(
        f"/reflections/{reflection.pk}/react/", {"kind": "thanks"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert f'id="reactions-{reflection.pk}"' in response.text
    assert f'id="react-{reflection.pk}-thanks" aria-pressed="true"' in response.text
    assert "<html" not in response.text
    assert Marble.objects.filter(team=personas.team).count() == 1
    undo = client_for("member").post(
        f"/reflections/{reflection.pk}/react/", {"kind": "thanks", "undo": "1"}
    )
    assert undo.status_code == 302
    assert not reflection.reactions.exists()


def test_a_comment_with_an_error_is_kept(client_for, personas):
    reflection = publish_mistake(personas)
    response = client_for("member").post(f"/reflections/{reflection.pk}/comments/", {"body": "   "})
    assert response.status_code == 400
    assert "Write a comment first." in response.text
    ok = client_for("member").post(
        f"/reflections/{reflection.pk}/comments/", {"body": "Thanks for sharing **this**."}
    )
    assert ok.status_code == 302
    page = client_for("member2").get(f"/reflections/{reflection.pk}/")
    assert "Thanks for sharing <strong>this</strong>." in page.text


def test_the_author_hides_a_comment_and_a_teammate_reports_one(client_for, personas):
    reflection = publish_mistake(personas)
    comment = services.comment_create(
        author=personas.member, reflection=reflection, body="Careless again."
    )
    hide_url = f"/reflections/{reflection.pk}/comments/{comment.pk}/hide/"
    assert client_for("member2").post(hide_url).status_code == 403
    assert client_for("lead").post(hide_url).status_code == 302
    assert "Careless again." not in client_for("member2").get(reflection.get_absolute_url()).text
    report_url = f"/reflections/{reflection.pk}/comments/{comment.pk}/report/"
    assert client_for("member2").get(report_url).status_code == 200
    response = client_for("member2").post(report_url, {"text": "It stung.", "share_text": ""})
    assert response.status_code == 302
    assert not Crack.objects.exists()  # it reaches the leads tomorrow
    release_reports()
    crack = Crack.objects.get()
    assert crack.comment == comment and crack.text == "It stung." and not crack.share_text


def test_nobody_is_offered_to_report_their_own_comment(client_for, personas):
    reflection = publish_mistake(personas)
    mine = services.comment_create(author=personas.member, reflection=reflection, body="Mine.")
    theirs = services.comment_create(author=personas.member2, reflection=reflection, body="Hers.")
    page = client_for("member").get(reflection.get_absolute_url())
    report = "/reflections/{}/comments/{}/report/"
    assert report.format(reflection.pk, theirs.pk) in page.text
    assert report.format(reflection.pk, mine.pk) not in page.text
    own_url = report.format(reflection.pk, mine.pk)
    assert client_for("member").get(own_url).status_code == 403
    assert client_for("member").post(own_url, {"text": "Me?"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.comment_report(actor=personas.member, comment=mine, text="Me?")
    api = client_for("member").post(
        f"/api/v1/reflections/{reflection.pk}/comments/{mine.pk}/report",
        {"text": "Me?"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert not Crack.objects.exists() and not CrackInbox.objects.exists()


def test_the_print_view_and_sending_to_a_teammate(client_for, personas):
    reflection = publish_mistake(personas)
    page = client_for("member").get(f"/reflections/{reflection.pk}/print/")
    assert page.status_code == 200 and "data-print" in page.text
    form = client_for("member").get(f"/reflections/{reflection.pk}/send/")
    assert personas.other.display_name not in form.text  # only people who can read it
    response = client_for("member").post(
        f"/reflections/{reflection.pk}/send/",
        {"recipient": personas.member2.pk, "note": "Read this"},
    )
    assert response.status_code == 302
    assert mail.outbox[0].to == [personas.member2.email]


def test_learning_in_progress_logs_practice_and_updates(client_for, personas):
    learning = services.reflection_create(
        author=personas.member,
        team=personas.team,
        kind=Kind.LEARNING,
        title="Public speaking",
        skill="Speaking at the all-hands",
        body="I freeze.",
        publish=True,
    )
    url = learning.get_absolute_url()
    bad = client_for("member").post(
        f"{url}practice/", {"practised_on": "", "minutes": "0", "hard": "Breathing"}
    )
    assert bad.status_code == 400 and "Breathing" in bad.text
    today = timezone.localdate().isoformat()
    ok = client_for("member").post(
        f"{url}practice/", {"practised_on": today, "minutes": "20", "hard": "Breathing"}
    )
    assert ok.status_code == 302
    assert client_for("member").post(f"{url}updates/", {"body": "Did it!"}).status_code == 302
    page = client_for("member2").get(url)
    assert "Did it!" in page.text and "Breathing" in page.text
    assert "Log practice" not in page.text  # only the learner logs practice
    assert client_for("member2").post(f"{url}updates/", {"body": "x"}).status_code == 403


def test_the_team_page_shows_reflections_and_nudges_only_the_quiet_lead(client_for, personas):
    Membership.objects.filter(team=personas.team).update(
        joined_at=timezone.now() - timedelta(days=45)
    )
    publish_mistake(personas, author=personas.member, title="Member's mistake")
    lead_page = client_for("lead").get("/t/platform/")
    member_page = client_for("member").get("/t/platform/")
    assert 'id="lead-nudge"' in lead_page.text
    assert 'id="lead-nudge"' not in member_page.text
    assert "Member&#x27;s mistake" in member_page.text
    assert "have not shared a reflection yet this quarter" in member_page.text
    publish_mistake(personas)
    page = client_for("member").get("/t/platform/")
    assert "leads went first with one reflection" in page.text
    assert 'id="lead-nudge"' not in client_for("lead").get("/t/platform/").text


def test_the_list_filters_by_kind_and_tag(client_for, personas):
    publish_mistake(personas, title="Tagged", tags="deploys")
    publish_mistake(personas, title="Untagged")
    page = client_for("member").get("/t/platform/reflections/?tag=deploys")
    assert "Tagged" in page.text and "Untagged" not in page.text
    assert "Untagged" not in client_for("member").get("/t/platform/reflections/?kind=lesson").text


def test_organization_wide_reflections_are_for_everyone_in_the_organization(client_for, personas):
    reflection = services.reflection_create(
        author=personas.member,
        team=None,
        kind=Kind.HELP,
        title="Anyone know Terraform?",
        body="Stuck on state locking.",
        publish=True,
    )
    assert client_for("other").get(reflection.get_absolute_url()).status_code == 200
    assert "Anyone know Terraform?" in client_for("other").get("/reflections/").text
    assert client_for("outsider").get(reflection.get_absolute_url()).status_code == 404


def test_deleting_a_reflection_keeps_its_marble(client_for, personas):
    reflection = publish_mistake(personas)
    services.reaction_add(user=personas.member, reflection=reflection, kind="thanks")
    assert client_for("member").post(f"/reflections/{reflection.pk}/delete/").status_code == 403
    assert client_for("lead").post(f"/reflections/{reflection.pk}/delete/").status_code == 302
    assert not Reflection.objects.exists() and not Comment.objects.exists()
    assert Marble.objects.count() == 1


def test_the_list_drawn_once_shows_every_change_to_what_it_shows(client_for, personas):
    """A page of the list is kept drawn for every reader: a change still shows at once."""
    from marblejar.accounts import services as account_services

    first = publish_mistake(personas, tags="deploys")
    reader, other = client_for("member"), client_for("member2")
    url = "/t/platform/reflections/"
    assert "Friday deploy" in reader.get(url).text
    assert other.get(url).text.count("Friday deploy") == 1  # kept, shown again

    services.reflection_update(
        actor=personas.lead,
        reflection=Reflection.objects.get(pk=first.pk),
        title="Friday deploy, again",
        what_happened="Sign-in broke.",
        correction="Rolled back; wrote a checklist.",
        tags="rollbacks",
    )
    account_services.user_update_profile(user=personas.lead, display_name="Lena L.")
    page = other.get(url).text
    assert ">Friday deploy, again</a>" in page and "Lena L. ·" in page
    assert 'href="?tag=rollbacks"' in page and 'href="?tag=deploys"' not in page
    assert '<option value="rollbacks">' in page and '<option value="deploys">' not in page

    second = publish_mistake(personas, author=personas.member, title="Skipped the review")
    assert "Skipped the review" in reader.get(url).text
    services.reflection_delete(actor=personas.member, reflection=second)
    assert "Skipped the review" not in other.get(url).text
    filtered = reader.get(url + "?tag=rollbacks").text
    assert "Friday deploy, again" in filtered and "?page=" not in filtered


def test_the_marble_and_the_newest_event_in_one_query_agree_with_each_read(personas):
    from marblejar.realtime.models import Event
    from marblejar.reflections import selectors

    def both(reflection):
        return (
            selectors.reflection_marble(reflection=reflection) is not None,
            selectors.reflection_last_event_id(reflection=reflection),
        )

    team_wide = publish_mistake(personas)
    org_wide = services.reflection_create(
        author=personas.lead, team=None, kind=Kind.LESSON, title="For all", body="B", publish=True
    )
    for reflection in (team_wide, org_wide):
        assert selectors.reflection_live_state(reflection=reflection) == both(reflection)
    services.reaction_add(user=personas.member, reflection=team_wide, kind="thanks")
    for n in range(3):
        Event.objects.create(
            organization=personas.org, stream=f"reflection:{team_wide.pk}", kind=f"k{n}"
        )
    Event.objects.create(organization=personas.org, stream="team:1", kind="other")
    state = selectors.reflection_live_state(reflection=team_wide)
    assert state == both(team_wide) and state[0] is True and state[1] > 0


def test_the_empty_response_form_is_kept_per_kind_of_reflection(personas, client_for):
    """The form's fields are drawn once per kind: an offer of help only where help fits."""
    mistake = publish_mistake(personas)
    ask = services.reflection_create(
        author=personas.lead,
        team=personas.team,
        kind=Kind.HELP,
        title="Help",
        body="B",
        publish=True,
    )
    reader = client_for("member")
    for reflection, offers in ((mistake, False), (ask, True), (mistake, False), (ask, True)):
        page = reader.get(f"/reflections/{reflection.pk}/").text
        assert 'name="body"' in page
        assert ('name="offers_help"' in page) is offers
    refused = reader.post(f"/reflections/{ask.pk}/comments/", {"body": ""})
    assert refused.status_code == 400 and 'name="offers_help"' in refused.text


def test_the_article_drawn_once_shows_every_change_to_it(personas, client_for):
    from marblejar.accounts import services as account_services

    reflection = publish_mistake(personas, tags="deploys")
    reader, other = client_for("member"), client_for("member2")
    url = f"/reflections/{reflection.pk}/"
    assert "Sign-in broke." in reader.get(url).text
    assert other.get(url).text.count("Sign-in broke.") == 1  # kept, shown again
    services.reflection_update(
        actor=personas.lead,
        reflection=Reflection.objects.get(pk=reflection.pk),
        title="Friday deploy",
        what_happened="Sign-in broke for an hour.",
        correction="Rolled back; wrote a checklist.",
        learned="Deploy early in the week.",
        tags="zeta, rollbacks, on-call",
    )
    account_services.user_update_profile(user=personas.lead, display_name="Lena L.")
    page = other.get(url).text
    assert "Sign-in broke for an hour." in page and "Deploy early in the week." in page
    assert "#deploys" not in page
    assert page.index("#on-call") < page.index("#rollbacks") < page.index("#zeta")
    assert '<p class="muted">Lena L. ·' in page


def test_the_practice_log_and_updates_drawn_once_show_what_is_added(personas, client_for):
    learning = services.reflection_create(
        author=personas.lead,
        team=personas.team,
        kind=Kind.LEARNING,
        title="Learning Go",
        skill="Go",
        body="Slowly.",
        publish=True,
    )
    reader = client_for("member")
    url = f"/reflections/{learning.pk}/"
    page = reader.get(url).text
    assert "No practice logged yet." in page and "No updates yet." in page
    services.practice_log(
        actor=personas.lead,
        reflection=learning,
        practised_on=timezone.localdate(),
        minutes=25,
        hard="Reading *generics*",
    )
    services.learning_update_post(actor=personas.lead, reflection=learning, body="Wrote a CLI.")
    page = reader.get(url).text
    assert "No practice logged yet." not in page and "<em>generics</em>" in page
    assert "No updates yet." not in page and "Wrote a CLI." in page
