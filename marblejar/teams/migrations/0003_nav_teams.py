"""Each person's teams for the header's switcher, kept on their row from now on."""

from collections import defaultdict

from django.db import migrations


def fill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Membership = apps.get_model("teams", "Membership")
    teams = defaultdict(list)
    rows = Membership.objects.order_by("team__name", "team_id").values_list(
        "user_id", "team_id", "team__name", "team__slug"
    )
    for user_id, pk, name, slug in rows.iterator():
        teams[user_id].append({"pk": pk, "name": name, "slug": slug})
    for user_id, listed in teams.items():
        User.objects.filter(pk=user_id).update(nav_teams=listed)


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0002_team_name_order_index"),
        ("accounts", "0004_user_header_counters"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
