from __future__ import annotations

from django.urls import reverse

from marblejar.teams.models import Membership, Role

HOME = reverse("home")


def test_anonymous_visitors_go_to_log_in(client, personas):
    assert client.get(HOME)["Location"] == reverse("accounts:login")


def test_a_member_goes_to_their_team(client_for, personas):
    assert client_for("member").get(HOME)["Location"] == reverse("teams:detail", args=["platform"])


def test_someone_in_no_team_goes_to_the_team_list(client_for, personas):
    assert client_for("admin").get(HOME)["Location"] == reverse("teams:list")


def test_home_remembers_the_team_last_opened(client_for, personas):
    Membership.objects.create(
        organization=personas.org, team=personas.other_team, user=personas.member, role=Role.MEMBER
    )
    client = client_for("member")
    # Alphabetically Platform comes first...
    assert client.get(HOME)["Location"] == reverse("teams:detail", args=["platform"])
    # ...but after opening Product, home goes back there.
    client.get(reverse("teams:detail", args=["product"]))
    assert client.get(HOME)["Location"] == reverse("teams:detail", args=["product"])


def test_the_switcher_lists_my_teams_and_marks_the_current_one(client_for, personas):
    Membership.objects.create(
        organization=personas.org, team=personas.other_team, user=personas.member, role=Role.MEMBER
    )
    page = client_for("member").get(reverse("teams:detail", args=["product"]))
    assert 'href="/t/platform/">Platform</a>' in page.text
    assert 'href="/t/product/" aria-current="page">Product</a>' in page.text


def test_a_team_i_left_is_forgotten(client_for, personas):
    client = client_for("member")
    client.get(reverse("teams:detail", args=["platform"]))
    membership = personas.membership(personas.member)
    client.post(reverse("teams:member_remove", args=["platform", membership.pk]))
    assert client.get(HOME)["Location"] == reverse("teams:list")
