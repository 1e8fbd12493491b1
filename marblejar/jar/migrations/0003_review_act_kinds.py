"""Marbles from learning reviews get their own kinds of act.

Until now a leader going first in a review was stored as a shared mistake
(or told as "a former teammate learned from it") and an answered question as
a shared lesson. Their act keys say what they were: ``review:<id>:go_first``
and ``review:<id>:question:<id>``.
"""

from django.db import migrations, models


def name_review_acts(apps, schema_editor):
    Marble = apps.get_model("jar", "Marble")
    reviews = Marble.objects.filter(act_key__startswith="review:")
    reviews.filter(act_key__endswith=":go_first").update(act="go_first")
    reviews.filter(act_key__contains=":question:").update(act="question")


def unname_review_acts(apps, schema_editor):
    Marble = apps.get_model("jar", "Marble")
    Marble.objects.filter(act="go_first").update(act="mistake")
    Marble.objects.filter(act="question").update(act="lesson")


class Migration(migrations.Migration):
    dependencies = [
        ("jar", "0002_crack_inbox"),
    ]

    operations = [
        migrations.AlterField(
            model_name="marble",
            name="act",
            field=models.CharField(
                choices=[
                    ("mistake", "shared a mistake"),
                    ("lesson", "shared a lesson"),
                    ("learning", "shared something they are still learning"),
                    ("help", "asked for help"),
                    ("update", "posted a learning update"),
                    ("offline", "took a risk offline"),
                    ("go_first", "went first in a learning review"),
                    ("question", "asked a question with its intent, and it was answered"),
                ],
                max_length=10,
                verbose_name="act",
            ),
        ),
        migrations.RunPython(name_review_acts, unname_review_acts),
    ]
