from __future__ import annotations

from django.core.management import call_command

from marblejar.accounts.models import User
from marblejar.jar.models import Marble
from marblejar.teams.models import Membership, Role, Team


def test_it_seeds_two_teams_of_four_with_a_lead_each_and_a_jar(db, capsys):
    call_command("demo")
    assert User.objects.count() == 8
    assert Team.objects.count() == 2
    for team in Team.objects.all():
        assert Membership.objects.filter(team=team).count() == 4
        assert Membership.objects.filter(team=team, role=Role.LEAD).count() == 1
    assert Marble.objects.count() >= 4
    assert User.objects.get(email="ada@demo.marblejar.org").check_password("marblejar-demo")
    assert "ada@demo.marblejar.org" in capsys.readouterr().out


def test_running_it_twice_changes_nothing(db, capsys):
    call_command("demo")
    call_command("demo")
    assert User.objects.count() == 8
    assert "already there" in capsys.readouterr().out
