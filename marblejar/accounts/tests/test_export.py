from __future__ import annotations

import json

from django.urls import reverse

from marblejar.accounts.services import token_create

URL = reverse("accounts:export")


def test_it_downloads_my_data_as_json(client_for, personas):
    token_create(user=personas.lead, name="backup")
    response = client_for("lead").get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["format"] == "marblejar-personal-data/1"
    assert data["account"]["email"] == personas.lead.email
    assert data["account"]["organization"] == "Acme"
    assert data["teams"] == [
        {"team": "Platform", "role": "lead", "joined_at": data["teams"][0]["joined_at"]}
    ]
    assert [t["name"] for t in data["api_tokens"]] == ["backup"]


def test_it_holds_nothing_of_other_people(client_for, personas):
    data = json.loads(client_for("member").get(URL).content)
    text = json.dumps(data)
    assert personas.lead.email not in text
    assert personas.member2.display_name not in text


def test_it_never_contains_a_token_or_its_hash(client_for, personas):
    token, raw = token_create(user=personas.member, name="backup")
    text = client_for("member").get(URL).text
    assert raw not in text
    assert token.token_hash not in text
