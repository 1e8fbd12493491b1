from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_is_guest"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="nav_teams",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.AddField(
            model_name="user",
            name="unread_notifications",
            field=models.IntegerField(default=0, editable=False),
        ),
    ]
