from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marblejar.lib.dates import day
from marblejar.pulse import services
from marblejar.pulse.models import Participation, Pulse, PulseSettings
from marblejar.pulse.tests.factories import add_members, answers_for, open_pulse, set_k

pytestmark = pytest.mark.django_db


def url(name, team, pulse=None):
    args = [team.slug] if pulse is None else [team.slug, pulse.pk]
    return reverse(f"pulse:{name}", args=args)


def test_the_list_shows_the_participation_count_and_never_who(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))
    response = client_for("member2").get(url("list", personas.team))
    body = response.content.decode()
    assert "1 person has answered so far." in body
    assert personas.member.display_name not in body
    assert url("answer", personas.team, pulse) in body


def test_a_closed_pulse_says_how_many_answered_without_so_far(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    for user in (personas.member, personas.member2):
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 5))
    services.pulse_close(pulse=pulse, actor=personas.lead)
    pulse.refresh_from_db()
    for name in ("lead", "member"):
        body = client_for(name).get(url("list", personas.team)).content.decode()
        assert "2 people answered." in body, name
        assert "so far" not in body, name
        # Closed early by the lead: the page says when it closed, not when it would have.
        assert f"closed {day(pulse.closed_at)}, " in body, name
        assert day(pulse.closes_at) not in body, name
        team_page = client_for(name).get(reverse("teams:detail", args=[personas.team.slug]))
        assert "answered so far" not in team_page.content.decode(), name
    api = client_for("member").get(
        f"/api/v1/teams/{personas.team.slug}/pulses/{pulse.pk}/participation"
    )
    assert api.json()["sentence"] == "2 people answered."


def test_an_open_pulse_counts_so_far_and_a_scheduled_one_counts_nothing(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))
    later = services.pulse_schedule(
        actor=personas.lead,
        team=personas.team,
        instrument="psychological_safety",
        opens_at=timezone.now() + timedelta(days=5),
        closes_at=timezone.now() + timedelta(days=9),
        cadence="once",
        min_group_size=None,
        min_comment_group_size=None,
    )
    body = client_for("member2").get(url("list", personas.team)).content.decode()
    assert f'id="pulse-{pulse.pk}-count">1 person has answered so far.' in body
    assert f"pulse-{later.pk}-count" not in body
    team_page = client_for("member2").get(reverse("teams:detail", args=[personas.team.slug]))
    assert "1 person has answered so far." in team_page.content.decode()


def test_the_team_page_offers_a_lead_to_schedule_a_pulse(personas, client_for):
    schedule = url("create", personas.team)
    team_url = reverse("teams:detail", args=[personas.team.slug])
    lead_page = client_for("lead").get(team_url).content.decode()
    assert f'href="{schedule}">Schedule a pulse</a>' in lead_page
    assert schedule not in client_for("member").get(team_url).content.decode()


def test_a_member_answers_with_the_form(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    client = client_for("member")
    page = client.get(url("answer", personas.team, pulse)).content.decode()
    assert "<fieldset" in page and "<legend>" in page
    data = {key: "6" for key in answers_for(pulse, 6)} | {"comment": "More pairing, please."}
    response = client.post(url("answer", personas.team, pulse), data)
    assert response.status_code == 302
    assert Participation.objects.filter(pulse=pulse, user=personas.member).exists()
    again = client.get(url("answer", personas.team, pulse)).content.decode()
    assert "You have answered this pulse" in again


def test_an_incomplete_answer_keeps_what_was_chosen_and_marks_the_missing(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    keys = list(answers_for(pulse, 1))
    data = {keys[0]: "3", "comment": "half done"}
    response = client_for("member").post(url("answer", personas.team, pulse), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="3"' in body and "checked" in body
    assert "half done" in body
    assert body.count("Choose an answer.") == len(keys) - 1
    assert not Participation.objects.exists()


def test_a_closed_pulse_refuses_the_form(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_close(pulse=pulse, actor=personas.lead)
    response = client_for("member").post(
        url("answer", personas.team, pulse), {k: "5" for k in answers_for(pulse, 5)}
    )
    assert response.status_code == 409
    assert not Participation.objects.exists()


def test_a_lead_schedules_a_pulse_and_bad_input_is_kept(personas, client_for):
    client = client_for("lead")
    assert client.get(url("create", personas.team)).status_code == 200
    now = timezone.localtime()
    data = {
        "instrument": "psychological_safety",
        "opens_at": (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "cadence": "fortnightly",
        "min_group_size": "5",
        "min_comment_group_size": "5",
    }
    response = client.post(url("create", personas.team), data)
    assert response.status_code == 400
    assert "Choose a closing time in the future." in response.content.decode()
    assert 'value="fortnightly" selected' in response.content.decode()
    data["closes_at"] = (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    data["min_group_size"] = "3"
    response = client.post(url("create", personas.team), data)
    assert response.status_code == 400
    assert "Your organization shows nothing for fewer than 5 people" in response.content.decode()
    data["min_group_size"] = "6"
    assert client.post(url("create", personas.team), data).status_code == 302
    assert Pulse.objects.get().min_group_size == 6


def test_the_journey_with_k_three(personas, client_for):
    set_k(personas.org, 3)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    member, member2, lead = client_for("member"), client_for("member2"), client_for("lead")
    for client, value in ((member, "6"), (member2, "3")):
        client.post(url("answer", personas.team, pulse), {k: value for k in answers_for(pulse, 1)})
    lead.post(url("close", personas.team, pulse))
    page = lead.get(url("results", personas.team, pulse)).content.decode()
    assert "Fewer than 3 people answered" in page
    assert "score-number" not in page


def test_results_go_to_the_lead_first_then_to_everyone_with_the_response(personas, client_for):
    set_k(personas.org, 3)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    values = {"member": "6", "member2": "3", "lead": "5"}
    for name, value in values.items():
        response = client_for(name).post(
            url("answer", personas.team, pulse),
            {k: value for k in answers_for(pulse, 1)} | {"comment": f"from {value}"},
        )
        assert response.status_code == 302
    lead, member = client_for("lead"), client_for("member")
    assert lead.post(url("close", personas.team, pulse)).status_code == 302
    lead_page = lead.get(url("results", personas.team, pulse)).content.decode()
    assert "Only you can see these results now." in lead_page
    assert "score-number" in lead_page and "3 people answered." in lead_page
    member_page = member.get(url("results", personas.team, pulse)).content.decode()
    assert "score-number" not in member_page
    assert "The lead reads the results first" in member_page
    # An empty response is refused and kept.
    response = lead.post(url("respond", personas.team, pulse), {"heard": "I hear", "plan": ""})
    assert response.status_code == 400
    assert "I hear" in response.content.decode()
    lead.post(
        url("respond", personas.team, pulse),
        {"heard": "Mixed feelings about safety.", "plan": "A retro on how we review code."},
    )
    member_page = member.get(url("results", personas.team, pulse)).content.decode()
    assert "score-number" in member_page
    assert "Mixed feelings about safety." in member_page
    assert "A retro on how we review code." in member_page
    for value in values.values():
        assert f"from {value}" in member_page


def test_results_that_publish_themselves_say_the_lead_has_not_responded(
    personas, client_for, settings
):
    pulse = open_pulse(personas.lead, personas.team)
    Pulse.objects.filter(pk=pulse.pk).update(
        opens_at=timezone.now() - timedelta(days=20), closes_at=timezone.now() - timedelta(days=9)
    )
    # Opening the page catches up: the pulse closes and, 9 days on, publishes.
    page = client_for("member").get(url("results", personas.team, pulse)).content.decode()
    assert "The lead has not responded yet." in page


def test_comments_need_their_own_threshold(personas, client_for):
    PulseSettings.objects.create(
        organization=personas.org, min_group_size=3, min_comment_group_size=4
    )
    pulse = open_pulse(personas.lead, personas.team, k=None)
    for user in (personas.member, personas.member2, personas.lead):
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 4), comment="hi")
    services.pulse_close(pulse=pulse, actor=personas.lead)
    page = client_for("lead").get(url("results", personas.team, pulse)).content.decode()
    assert "score-number" in page
    assert "Comments are shown only when at least 4 people answered; 3 did." in page
    assert "<li>hi</li>" not in page


def test_every_number_has_its_sentence(personas, client_for):
    set_k(personas.org, 3)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    extra = add_members(personas.team, personas.org, 3)
    for i, user in enumerate([personas.member, personas.member2, personas.lead, *extra]):
        values = {key: 1 + (i + j) % 7 for j, key in enumerate(answers_for(pulse, 1))}
        services.pulse_answer(actor=user, pulse=pulse, values=values)
    services.pulse_close(pulse=pulse, actor=personas.lead)
    page = client_for("lead").get(url("results", personas.team, pulse)).content.decode()
    assert "6 people answered." in page
    assert "95% confidence interval" in page
    assert "Cronbach" in page or "Internal consistency" in page
    assert "Agreement" in page


def test_the_lead_builds_an_instrument_and_errors_stay_next_to_fields(personas, client_for):
    client = client_for("lead")
    response = client.post(
        url("instrument_create", personas.team), {"name": "", "scale_points": "12"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Write at least one question." in body
    data = {
        "name": "Meetings",
        "scale_points": "5",
        "low_label": "Never",
        "high_label": "Always",
        "allow_comment": "on",
        "item_1": "Meetings end on time.",
        "item_2": "I dread our meetings.",
        "reverse_2": "on",
    }
    assert client.post(url("instrument_create", personas.team), data).status_code == 302
    page = client.get(url("create", personas.team)).content.decode()
    assert "Meetings" in page


def test_the_org_admin_sets_the_threshold_but_never_below_three(personas, client_for):
    admin = client_for("admin")
    response = admin.post(
        reverse("pulse:settings"), {"min_group_size": "2", "min_comment_group_size": "5"}
    )
    assert response.status_code == 400
    assert 'value="2"' in response.content.decode()
    admin.post(reverse("pulse:settings"), {"min_group_size": "3", "min_comment_group_size": "4"})
    assert services.pulse_settings_for(personas.org.pk).min_group_size == 3


def test_the_team_page_invites_members_to_answer_and_shows_the_count(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))
    page = client_for("member2").get(reverse("teams:detail", args=["platform"])).content.decode()
    assert url("answer", personas.team, pulse) in page
    assert "1 person has answered so far." in page
    page = client_for("member").get(reverse("teams:detail", args=["platform"])).content.decode()
    assert url("answer", personas.team, pulse) not in page
