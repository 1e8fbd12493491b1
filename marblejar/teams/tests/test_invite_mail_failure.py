from __future__ import annotations

import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from marblejar.teams.models import Invitation

# Real commits: the e-mail is sent when the invitation is committed.
pytestmark = pytest.mark.django_db(transaction=True)


class BrokenMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("the mail server went away")


def test_it_keeps_the_invitation_and_shows_the_link_when_mail_fails(client_for, personas, settings):
    settings.MAILERS = {
        "default": {"BACKEND": f"{__name__}.BrokenMailServer"},
    }
    response = client_for("lead").post(
        reverse("teams:invite", args=[personas.team.slug]),
        {"email": "newcomer@acme.test", "role": "member"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "could not be sent" in html
    assert "/join/" in html  # the link to share instead
    assert Invitation.objects.filter(email="newcomer@acme.test").exists()


def test_the_api_says_whether_the_mail_went_out(client_for, personas, settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.BrokenMailServer"}}
    response = client_for("lead").post(
        f"/api/v1/teams/{personas.team.slug}/invitations",
        {"email": "newcomer@acme.test"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["email_sent"] is False
    assert "/join/" in response.json()["url"]
