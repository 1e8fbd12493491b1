from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from django.utils.dateformat import format as date_format

from marblejar.jar.models import Crack, CrackInbox, Marble
from marblejar.jar.tests.helpers import crack_released
from marblejar.reflections import services as reflection_services
from marblejar.reflections.models import Kind

pytestmark = pytest.mark.django_db


def drop_for_a_mistake(p):
    reflection = reflection_services.reflection_create(
        author=p.lead,
        team=p.team,
        kind=Kind.MISTAKE,
        title="Wrong config",
        what_happened="I pushed the staging config to production.",
        correction="I restored it from the backup.",
        publish=True,
    )
    reflection_services.reaction_add(user=p.member, reflection=reflection, kind="thanks")
    return reflection


def test_the_team_page_draws_the_jar_with_a_text_summary_and_a_table(client_for, personas):
    drop_for_a_mistake(personas)
    page = client_for("member2").get("/t/platform/")
    assert page.status_code == 200
    assert 'role="img" aria-labelledby="jar-summary"' in page.text
    assert page.text.count('class="marble tone-') == 1
    assert "The jar holds 1 marble" in page.text
    assert "<caption" in page.text and "Marbles by month" in page.text
    live = 'sse-swap="marble_dropped,marble_removed,crack_acknowledged,cracks_released"'
    assert live in page.text
    # The jar is inside the live connection that wraps the page.
    before_jar = page.text.split('id="jar-live"')[0]
    assert 'sse-connect="/t/platform/events/' in before_jar


def test_the_history_lists_each_marble_with_its_act_and_response(client_for, personas):
    reflection = drop_for_a_mistake(personas)
    page = client_for("member2").get("/t/platform/jar/")
    assert page.status_code == 200
    assert "Lena Lead</strong> shared a mistake" in page.text
    assert f'href="/reflections/{reflection.pk}/"' in page.text
    assert "Max Member said thank you." in page.text
    assert client_for("other").get("/t/platform/jar/").status_code == 404


def test_dropping_a_marble_by_hand_keeps_the_text_on_error(client_for, personas):
    url = "/t/platform/jar/drop/"
    assert client_for("member").get(url).status_code == 200
    bad = client_for("member").post(url, {"description": "x" * 20_001})
    assert bad.status_code == 400 and "Keep it to 20,000 characters" in bad.text
    assert "x" * 20_001 in bad.text
    empty = client_for("member").post(url, {"description": ""})
    assert empty.status_code == 400 and "Say what happened" in empty.text
    ok = client_for("member").post(
        url, {"description": "Mia asked for help in stand-up.", "named_user": personas.member2.pk}
    )
    assert ok.status_code == 302
    marble = Marble.objects.get()
    named_page = client_for("member2").get("/t/platform/")
    assert f'id="marble-notice-{marble.pk}"' in named_page.text
    assert f'id="marble-notice-{marble.pk}"' not in client_for("lead").get("/t/platform/").text
    assert client_for("lead").post(f"/t/platform/jar/{marble.pk}/remove/").status_code == 403
    assert client_for("member2").post(f"/t/platform/jar/{marble.pk}/remove/").status_code == 302
    assert not Marble.objects.exists()


def test_a_crack_is_reported_anonymously_and_acknowledged_by_a_lead(client_for, personas):
    url = "/t/platform/cracks/"
    response = client_for("member").post(url, {"text": "I was mocked for asking."}, follow=True)
    assert "It reaches the leads tomorrow" in response.text
    # Today the leads see nothing: when it arrived would say who was just there.
    assert "A crack is waiting" not in client_for("lead").get("/t/platform/").text
    assert "I was mocked for asking." not in client_for("lead").get(url).text
    # The next day, the first page that shows cracks releases the day's reports.
    CrackInbox.objects.update(day=F("day") - timedelta(days=1))
    lead_page = client_for("lead").get("/t/platform/")
    assert "A crack is waiting for you to acknowledge it." in lead_page.text
    crack = Crack.objects.get()
    assert crack.reported_on == timezone.localdate() - timedelta(days=1)
    member_view = client_for("member2").get(url)
    assert "waiting for a lead to acknowledge it" in member_view.text
    assert "I was mocked for asking." not in member_view.text
    assert "Max Member" not in member_view.text.split('id="cracks-h"')[1]
    lead_view = client_for("lead").get(url)
    assert "I was mocked for asking." in lead_view.text
    ack_url = f"/t/platform/cracks/{crack.pk}/acknowledge/"
    assert client_for("member2").post(ack_url).status_code == 403
    done = client_for("lead").post(ack_url, {"response": "I will talk with the team."})
    assert done.status_code == 302
    page = client_for("member2").get(url)
    assert "acknowledged on" in page.text and "I will talk with the team." in page.text


def test_an_empty_crack_keeps_the_form(client_for):
    response = client_for("member").post("/t/platform/cracks/", {"text": "  ", "share_text": "on"})
    assert response.status_code == 400
    assert "Say what felt disrespectful." in response.text
    assert not Crack.objects.exists()


def test_organization_wide_cracks_are_acknowledged_by_org_admins(client_for, personas):
    crack = crack_released(actor=personas.member, team=None, text="All-hands joke.")
    ack = f"/organization/cracks/{crack.pk}/acknowledge/"
    assert client_for("lead").post(ack).status_code == 403
    assert "All-hands joke." in client_for("admin").get("/organization/cracks/").text
    assert client_for("admin").post(ack).status_code == 302
    crack.refresh_from_db()
    assert crack.is_acknowledged


def test_the_crack_form_promises_exactly_what_the_page_shows(client_for, personas):
    # A crack keeps the day and shows it: the promise next to the text box must say
    # so, and must not claim that no time at all is kept.
    crack = crack_released(actor=personas.member, team=personas.team, text="Mocked.")
    shown_day = date_format(crack.reported_on, "j M Y")
    comment_url = _a_comment_to_report(personas)
    for url, who_reads in (
        ("/t/platform/cracks/", "It reaches the team's leads tomorrow"),
        ("/organization/cracks/", "It reaches the organization admins tomorrow"),
        (comment_url, "It reaches the team's leads tomorrow"),
    ):
        page = client_for("member2").get(url).text
        assert "nor the time of day: only the day you report it" in page, url
        assert who_reads in page, url
        assert "nor the time." not in page and "nor the time:" not in page, url
    team_page = client_for("member2").get("/t/platform/cracks/").text
    assert f"Reported on {shown_day}" in team_page


def _a_comment_to_report(p) -> str:
    reflection = drop_for_a_mistake(p)
    comment = reflection_services.comment_create(
        author=p.member, reflection=reflection, body="Careless."
    )
    return f"/reflections/{reflection.pk}/comments/{comment.pk}/report/"


def test_the_history_drawn_once_shows_every_change_to_what_it_shows(client_for, personas):
    """The jar and its history are kept drawn for every reader: a change still shows at once."""
    from marblejar.accounts import services as account_services
    from marblejar.reflections.models import Reflection

    reflection = drop_for_a_mistake(personas)
    reader, other = client_for("member2"), client_for("admin")
    page = reader.get("/t/platform/jar/").text
    assert "The jar holds 1 marble" in page and "Wrong config" in page
    assert other.get("/t/platform/jar/").text.count("Wrong config") == 1  # kept, shown again

    reflection_services.reflection_update(
        actor=personas.lead,
        reflection=Reflection.objects.get(pk=reflection.pk),
        title="The wrong config",
        what_happened="I pushed the staging config to production.",
        correction="I restored it from the backup.",
    )
    account_services.user_update_profile(user=personas.member, display_name="Maxine Member")
    page = other.get("/t/platform/jar/").text
    assert ">The wrong config</a>" in page and "Maxine Member said thank you." in page

    reflection_services.reflection_delete(actor=personas.lead, reflection=reflection)
    page = reader.get("/t/platform/jar/").text
    assert "The wrong config" not in page
    assert "Lena Lead</strong> shared a mistake and what they did to correct it." in page

    response = client_for("member").post(
        "/t/platform/jar/drop/", {"description": "Mia asked for help in stand-up."}
    )
    assert response.status_code == 302
    page = reader.get("/t/platform/jar/").text
    assert "The jar holds 2 marbles" in page and "Mia asked for help in stand-up." in page
    marble = Marble.objects.get(description__startswith="Mia asked")
    client_for("member").post(f"/t/platform/jar/{marble.pk}/remove/")
    page = reader.get("/t/platform/jar/").text
    assert "The jar holds 1 marble" in page and "Mia asked for help" not in page
