from __future__ import annotations

import re

from django.urls import reverse

from marblejar.teams.models import Invitation, Role, hash_invitation_token

URL = reverse("teams:invite", args=["platform"])


def test_a_lead_invites_by_email_and_the_mail_carries_the_link(
    client_for, personas, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://marblejar.acme.test"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("lead").post(URL, {"email": "Nina@Acme.test", "role": "member"})
    assert response.status_code == 200
    assert "Invitation sent to nina@acme.test." in response.text
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.team) == (
        "nina@acme.test",
        Role.MEMBER,
        personas.team,
    )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nina@acme.test"]
    assert message.subject == "Lena Lead invited you to Platform on Marblejar"
    link = re.search(r"https://marblejar\.acme\.test/join/(\S+)/", message.body)
    assert link is not None
    # Only the hash is stored; the link's token matches it.
    assert invitation.token_hash == hash_invitation_token(link.group(1))
    assert link.group(1) not in invitation.token_hash


def test_no_mail_leaves_before_the_invitation_is_committed(
    client_for, personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for("lead").post(URL, {"email": "nina@acme.test", "role": "member"})
    assert mailoutbox == []
    assert len(callbacks) == 1


def test_a_lead_gets_a_link_to_share_shown_once(client_for, personas, mailoutbox):
    response = client_for("lead").post(URL, {"email": "", "role": "lead"})
    link = response.context["invitation_link"]
    assert link and link in response.text
    token = link.rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.objects.get(token_hash=hash_invitation_token(token))
    assert invitation.role == Role.LEAD
    assert mailoutbox == []
    # Shown once: the team page lists the invitation but not the link.
    page = client_for("lead").get(reverse("teams:detail", args=["platform"]))
    assert "Invitation link" in page.text
    assert token not in page.text


def test_with_htmx_it_answers_with_the_invite_panel_only(client_for, personas):
    response = client_for("lead").post(URL, {"email": "", "role": "member"}, HTTP_HX_REQUEST="true")
    assert response.text.lstrip().startswith('<div id="invite-panel">')
    assert "<html" not in response.text


def test_a_bad_address_is_refused_next_to_the_field_and_kept(client_for, personas):
    response = client_for("lead").post(URL, {"email": "not-an-address", "role": "member"})
    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"]
    assert 'value="not-an-address"' in response.text
    assert not Invitation.objects.exists()


def test_inviting_someone_already_in_the_team_is_refused(client_for, personas):
    response = client_for("lead").post(URL, {"email": "MAX@acme.test", "role": "member"})
    assert response.status_code == 400
    assert "max@acme.test is already in this team." in response.text


def test_a_member_may_not_invite(client_for, personas):
    assert client_for("member").post(URL, {"email": "", "role": "member"}).status_code == 403
    assert not Invitation.objects.exists()


def test_a_lead_withdraws_an_invitation(client_for, personas):
    client_for("lead").post(URL, {"email": "nina@acme.test", "role": "member"})
    invitation = Invitation.objects.get()
    revoke = reverse("teams:invitation_revoke", args=["platform", invitation.pk])
    response = client_for("lead").post(revoke, follow=True)
    assert "The invitation is withdrawn." in response.text
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_an_invitation_of_another_team_cannot_be_withdrawn_through_this_one(client_for, personas):
    client_for("other").post(
        reverse("teams:invite", args=["product"]), {"email": "", "role": "member"}
    )
    invitation = Invitation.objects.get()
    revoke = reverse("teams:invitation_revoke", args=["platform", invitation.pk])
    assert client_for("lead").post(revoke).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"
