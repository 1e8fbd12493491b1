from __future__ import annotations

import re

from django.urls import reverse

from marblejar.test import PASSWORD

URL = reverse("accounts:password_reset")
NEW = "another long passphrase here"


def reset_link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_it_sends_a_reset_link_by_email(client, personas, mailoutbox, settings):
    settings.SITE_URL = "https://marblejar.acme.test"
    response = client.post(URL, {"email": personas.member.email})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [personas.member.email]
    assert message.subject == "Reset your Marblejar password"
    assert reset_link(message).startswith("https://marblejar.acme.test/password-reset/")


def test_the_link_lets_the_person_choose_a_new_password(client, personas, mailoutbox, settings):
    settings.SITE_URL = "http://testserver"
    client.post(URL, {"email": personas.member.email})
    link = reset_link(mailoutbox[0]).removeprefix("http://testserver")
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.text
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}
    )
    assert response["Location"] == reverse("accounts:password_reset_complete")
    personas.member.refresh_from_db()
    assert personas.member.check_password(NEW)
    # The link works once.
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.text


def test_the_link_ignores_the_host_header(client, personas, mailoutbox, settings):
    # Otherwise anyone could ask for a reset with "Host: evil.test" and
    # receive the victim's token when they click the link.
    settings.SITE_URL = "https://marblejar.acme.test"
    settings.ALLOWED_HOSTS = ["*"]  # even where any host name is accepted
    client.post(URL, {"email": personas.member.email}, HTTP_HOST="evil.test")
    assert "evil.test" not in mailoutbox[0].body
    assert reset_link(mailoutbox[0]).startswith("https://marblejar.acme.test/")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, personas, mailoutbox):
    response = client.post(URL, {"email": "nobody@acme.test"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_a_broken_link_says_what_to_do(client, db):
    url = reverse("accounts:password_reset_confirm", args=["MQ", "set-password"])
    response = client.get(url)
    assert "This link no longer works" in response.text
    assert URL in response.text


def test_a_logged_in_person_can_change_their_password(client_for, personas):
    client = client_for("member")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response["Location"] == reverse("accounts:profile")
    personas.member.refresh_from_db()
    assert personas.member.check_password(NEW)
    # Still logged in: the session hash was updated.
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_a_wrong_old_password_keeps_the_password(client_for, personas):
    response = client_for("member").post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    personas.member.refresh_from_db()
    assert personas.member.check_password(PASSWORD)


def test_an_unknown_host_name_is_refused(client, personas, mailoutbox):
    response = client.post(URL, {"email": personas.member.email}, HTTP_HOST="evil.test")
    assert response.status_code == 400
    assert mailoutbox == []


def test_a_completed_reset_ends_a_lock_out_someone_else_caused(
    client, personas, mailoutbox, settings
):
    from django.test import Client

    settings.SITE_URL = "http://testserver"
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(
            reverse("accounts:login"), {"username": personas.member.email, "password": "x"}
        )
    login = {"username": personas.member.email, "password": NEW}
    client.post(URL, {"email": personas.member.email})
    link = reset_link(mailoutbox[0]).removeprefix("http://testserver")
    form_page = client.get(link, follow=True)
    # Locked out (the attacker shares the test client's address) until the reset.
    assert client.post(reverse("accounts:login"), login).status_code == 429
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert client.post(reverse("accounts:login"), login).status_code == 302
