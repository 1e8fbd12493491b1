"""Where an invitation link lands: sign up, or accept when logged in."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from marblejar.accounts.models import User
from marblejar.teams.models import Invitation, Membership, Role
from marblejar.teams.services import invitation_create, invitation_revoke

NEW = "a long and unusual passphrase"


def invite(personas, email="", role=Role.MEMBER):
    invitation, raw = invitation_create(
        actor=personas.lead, team=personas.team, email=email, role=role, send=False
    )
    return invitation, reverse("accounts:join", args=[raw])


def signup(client, url, email="nina@acme.test"):
    return client.post(url, {"display_name": "Nina New", "email": email, "password": NEW})


def test_a_new_person_signs_up_and_lands_in_the_team(client, personas):
    invitation, url = invite(personas, role=Role.LEAD)
    page = client.get(url)
    assert page.status_code == 200
    assert "Join Platform" in page.text
    assert "Lena Lead invited you" in page.text
    response = signup(client, url)
    assert response["Location"] == reverse("teams:detail", args=["platform"])
    nina = User.objects.get(email="nina@acme.test")
    assert nina.organization == personas.org
    assert Membership.objects.get(user=nina, team=personas.team).role == Role.LEAD
    invitation.refresh_from_db()
    assert invitation.accepted_by == nina
    assert client.get(response["Location"]).status_code == 200


def test_an_invitation_by_email_signs_up_that_address_only(client, personas):
    _invitation, url = invite(personas, email="nina@acme.test")
    page = client.get(url)
    assert 'value="nina@acme.test"' in page.text
    assert "readonly" in page.text
    # A different address typed into the form is ignored: the invitation's wins.
    signup(client, url, email="someone-else@acme.test")
    assert User.objects.filter(email="nina@acme.test").exists()
    assert not User.objects.filter(email="someone-else@acme.test").exists()


def test_sign_up_errors_keep_what_was_typed(client, personas):
    _invitation, url = invite(personas)
    response = client.post(
        url, {"display_name": "Nina", "email": "nina@acme.test", "password": "1"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert 'value="Nina"' in response.text
    assert 'value="nina@acme.test"' in response.text


def test_a_logged_in_person_accepts_and_joins(client_for, personas):
    _invitation, url = invite(personas)
    client = client_for("other")
    page = client.get(url)
    assert "Accept and join" in page.text
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("teams:detail", args=["platform"])
    assert "Welcome to Platform." in response.text
    assert Membership.objects.filter(user=personas.other, team=personas.team).exists()


def test_an_invitation_for_another_address_is_refused_when_logged_in(client_for, personas):
    _invitation, url = invite(personas, email="nina@acme.test")
    response = client_for("other").post(url)
    assert response.status_code == 200
    assert "This invitation was sent to nina@acme.test." in response.text
    assert not Membership.objects.filter(user=personas.other, team=personas.team).exists()


def test_someone_of_another_organization_cannot_use_it(client_for, personas):
    _invitation, url = invite(personas)
    response = client_for("outsider").post(url)
    assert response.status_code == 409
    assert "you are logged in to another organization" in response.text
    assert not Membership.objects.filter(user=personas.outsider, team=personas.team).exists()


def test_it_refuses_a_reused_invitation(client, client_for, personas):
    _invitation, url = invite(personas)
    client_for("other").post(url)
    response = client.get(url)
    assert response.status_code == 410
    assert "already been used" in response.text
    # The way forward: ask the inviter, or log in if it was you.
    assert "Ask Lena Lead (lena@acme.test) for a new invitation." in response.text
    assert reverse("accounts:login") in response.text
    assert signup(client, url).status_code == 410
    assert not User.objects.filter(email="nina@acme.test").exists()


def test_it_refuses_an_expired_invitation(client, personas):
    invitation, url = invite(personas)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(url)
    assert response.status_code == 410
    assert "This invitation expired on" in response.text
    assert "Ask Lena Lead" in response.text


def test_it_refuses_a_revoked_invitation(client, personas):
    invitation, url = invite(personas)
    invitation_revoke(actor=personas.lead, invitation=invitation)
    response = client.get(url)
    assert response.status_code == 410
    assert "This invitation was withdrawn." in response.text
    assert signup(client, url).status_code == 410


def test_an_unknown_link_is_not_found_and_says_why(client, db):
    response = client.get(reverse("accounts:join", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.text
    assert "Ask the person who invited you for a new invitation." in response.text


def test_an_existing_account_signing_up_again_is_told_to_log_in(client, personas):
    _invitation, url = invite(personas)
    response = signup(client, url, email=personas.other.email)
    assert response.status_code == 200
    assert "Log in instead" in response.text
