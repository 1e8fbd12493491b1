from __future__ import annotations

from django.core.management import call_command

from marblejar.accounts.models import User
from marblejar.jar.models import Marble
from marblejar.teams.models import Membership, Role, Team


def test_it_seeds_two_teams_with_a_lead_each_and_a_jar(db, capsys):
    call_command("demo")
    assert User.objects.count() == 10
    assert Team.objects.count() == 2
    sizes = {"platform": 6, "product": 4}
    for team in Team.objects.all():
        assert Membership.objects.filter(team=team).count() == sizes[team.slug]
        assert Membership.objects.filter(team=team, role=Role.LEAD).count() == 1
    assert Marble.objects.count() >= 4
    assert User.objects.get(email="ada@demo.marblejar.org").check_password("marblejar-demo")
    assert "ada@demo.marblejar.org" in capsys.readouterr().out


def test_running_it_twice_changes_nothing(db, capsys):
    call_command("demo")
    call_command("demo")
    assert User.objects.count() == 10
    assert "already there" in capsys.readouterr().out
