from __future__ import annotations

import json

from django.urls import reverse

BLAMING = "Sam should have checked the dashboard before deploying."
NEUTRAL = "I ran the migration against production at 09:12."


def test_it_shows_findings_with_the_reframe(client_for):
    response = client_for("member").post(
        reverse("coaching:check"),
        {"coach_field": "body", "body": BLAMING, "coach_id": "id_body"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "should have checked" in html
    assert "Try:" in html
    assert "This is fine here" in html


def test_it_stays_quiet_on_a_neutral_account(client_for):
    response = client_for("member").post(
        reverse("coaching:check"), {"coach_field": "body", "body": NEUTRAL}
    )
    assert response.status_code == 200
    # Nothing at all, not even a line break: the panel stays :empty and hidden.
    assert response.content == b""


def test_it_honours_a_dismissed_rule(client_for):
    client = client_for("member")
    first = client.post(reverse("coaching:check"), {"coach_field": "body", "body": BLAMING})
    rule = first.content.decode().split('data-rule="')[1].split('"')[0]
    again = client.post(
        reverse("coaching:check"),
        {"coach_field": "body", "body": BLAMING, "coach_dismissed_body": rule},
    )
    assert f'data-rule="{rule}"' not in again.content.decode()


def test_it_requires_login(client_for):
    response = client_for("anonymous").post(reverse("coaching:check"), {"body": BLAMING})
    assert response.status_code == 302


def test_the_api_returns_findings_with_offsets(client_for):
    response = client_for("member").post(
        "/api/v1/coach", json.dumps({"text": BLAMING}), content_type="application/json"
    )
    assert response.status_code == 200
    findings = response.json()["findings"]
    assert findings
    f = findings[0]
    assert BLAMING[f["start"] : f["end"]] == f["match"]
    assert set(f) >= {"rule", "category", "severity", "message", "suggestion"}


def test_the_api_refuses_oversized_text_with_a_reason(client_for):
    response = client_for("member").post(
        "/api/v1/coach", json.dumps({"text": "a" * 20_001}), content_type="application/json"
    )
    assert response.status_code == 422
    assert "text" in response.json()["detail"]


def test_long_text_fields_carry_the_coach_widget(client_for):
    response = client_for("admin").get(reverse("teams:create"))
    html = response.content.decode()
    assert 'hx-post="/coach/check/"' in html
    assert 'id="coach-id_description"' in html


def test_the_allow_list_switches_a_rule_off(client_for, settings):
    client = client_for("member")
    first = client.post(reverse("coaching:check"), {"coach_field": "body", "body": BLAMING})
    category = first.content.decode().split('data-rule="')[1].split('"')[0]
    settings.COACH_ALLOW = [category]
    again = client.post(reverse("coaching:check"), {"coach_field": "body", "body": BLAMING})
    assert f'data-rule="{category}"' not in again.content.decode()
