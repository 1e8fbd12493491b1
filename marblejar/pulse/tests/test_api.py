from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from marblejar.pulse import services
from marblejar.pulse.models import Participation
from marblejar.pulse.tests.factories import add_members, answers_for, open_pulse, set_k

pytestmark = pytest.mark.django_db


def call(client, method, path, body=None):
    return client.generic(
        method, f"/api/v1{path}", json.dumps(body or {}), content_type="application/json"
    )


def test_members_list_pulses_and_see_the_count(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))
    response = call(client_for("member2"), "GET", "/teams/platform/pulses")
    assert response.status_code == 200
    [row] = response.json()
    assert row["participant_count"] == 1 and row["answered"] is False and row["status"] == "open"
    assert len(row["items"]) == 7
    count = call(client_for("member2"), "GET", f"/teams/platform/pulses/{pulse.pk}/participation")
    assert count.json()["count"] == 1
    for name, status in (("other", 404), ("admin", 200), ("anonymous", 401)):
        assert call(client_for(name), "GET", "/teams/platform/pulses").status_code == status, name
    # The outsider's own organization has a team called "platform" too: with no pulses.
    assert call(client_for("outsider"), "GET", "/teams/platform/pulses").json() == []


def test_a_member_answers_once_and_bad_answers_get_a_readable_400(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    client = client_for("member")
    path = f"/teams/platform/pulses/{pulse.pk}/answers"
    bad = call(client, "POST", path, {"answers": {"mistakes": 12}})
    assert bad.status_code == 400
    assert "Choose" in bad.json()["detail"]
    ok = call(client, "POST", path, {"answers": answers_for(pulse, 4), "comment": "ok"})
    assert ok.status_code == 201 and ok.json()["count"] == 1
    again = call(client, "POST", path, {"answers": answers_for(pulse, 4)})
    assert again.status_code == 400 and "already answered" in again.json()["detail"]
    wrong_type = call(client, "POST", path, {"answers": "all fives"})
    assert wrong_type.status_code == 422
    assert call(client_for("other"), "POST", path, {"answers": {}}).status_code == 404
    assert Participation.objects.count() == 1


def test_results_are_the_leads_first_then_the_teams(personas, client_for):
    set_k(personas.org, 3)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    path = f"/teams/platform/pulses/{pulse.pk}"
    assert call(client_for("lead"), "GET", path + "/results").status_code == 403
    for user in (personas.member, personas.member2, personas.lead):
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 5))
    assert call(client_for("member"), "POST", path + "/close").status_code == 403
    assert call(client_for("lead"), "POST", path + "/close").status_code == 200
    lead_view = call(client_for("lead"), "GET", path + "/results")
    assert lead_view.status_code == 200 and lead_view.json()["shown"] is True
    assert lead_view.json()["n"] == 3 and lead_view.json()["published"] is False
    member_view = call(client_for("member"), "GET", path + "/results")
    assert member_view.status_code == 403
    assert "lead reads the results first" in member_view.json()["detail"]
    empty = call(client_for("lead"), "POST", path + "/response", {"heard": "", "plan": ""})
    assert empty.status_code == 400 and empty.json()["errors"].keys() == {"heard", "plan"}
    published = call(
        client_for("lead"), "POST", path + "/response", {"heard": "I hear.", "plan": "I will."}
    )
    assert published.status_code == 200 and published.json()["published"] is True
    member_view = call(client_for("member"), "GET", path + "/results").json()
    assert member_view["mean"] is not None and member_view["response_plan"] == "I will."
    assert call(client_for("other"), "GET", path + "/results").status_code == 404


def test_results_below_the_threshold_hold_no_numbers(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)  # k = 5
    services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))
    services.pulse_close(pulse=pulse, actor=personas.lead)
    data = call(client_for("lead"), "GET", f"/teams/platform/pulses/{pulse.pk}/results").json()
    assert data["shown"] is False and data["mean"] is None and data["item_means"] == []
    assert "Fewer than 5 people answered" in data["sentences"][0]


def test_a_lead_schedules_through_the_api(personas, client_for):
    now = timezone.now()
    body = {"opens_at": now.isoformat(), "closes_at": (now + timedelta(days=3)).isoformat()}
    assert call(client_for("member"), "POST", "/teams/platform/pulses", body).status_code == 403
    created = call(client_for("lead"), "POST", "/teams/platform/pulses", body)
    assert created.status_code == 201 and created.json()["min_group_size"] == 5
    body["min_group_size"] = 2
    too_small = call(client_for("lead"), "POST", "/teams/platform/pulses", body)
    assert too_small.status_code == 400 and "min_group_size" in too_small.json()["errors"]


def test_the_overview_is_for_org_admins(personas, client_for):
    set_k(personas.org, 3)
    extra = add_members(personas.team, personas.org, 2)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    for user in (personas.member, personas.member2, *extra):
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 5))
    services.pulse_close(pulse=pulse, actor=personas.lead)
    services.pulse_respond(actor=personas.lead, pulse=pulse, heard="h", plan="p")
    assert call(client_for("lead"), "GET", "/organization/pulses").status_code == 403
    data = call(client_for("admin"), "GET", "/organization/pulses").json()
    [row] = data["teams"]
    assert row["shown"] is True and row["n"] == 4
    assert data["total_shown"] is True and data["total_n"] == 4
    assert (
        call(client_for("admin"), "GET", "/organization/pulses?instrument=nope").status_code == 404
    )
