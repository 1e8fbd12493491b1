"""Who wrote an anonymous note, who voted, and who answered the safety check or the
return-on-time vote: keyed tags instead of user ids (see marblejar.lib.sealing)."""

import django.db.models.deletion
from django.db import migrations, models

from marblejar.lib.sealing import keyed_tag

NAMESPACE = "marblejar.review."


def to_tags(apps, schema_editor):
    NoteAuthorship = apps.get_model("reviews", "NoteAuthorship")
    Vote = apps.get_model("reviews", "Vote")
    Participant = apps.get_model("reviews", "Participant")
    Mark = apps.get_model("reviews", "Mark")
    Review = apps.get_model("reviews", "Review")
    for row in NoteAuthorship.objects.all():
        row.author_tag = keyed_tag(NAMESPACE, "note", row.review_id, row.user_id)
        row.save(update_fields=["author_tag"])
    for row in Vote.objects.all():
        row.voter_tag = keyed_tag(NAMESPACE, "vote", row.review_id, row.user_id)
        row.save(update_fields=["voter_tag"])
    for p in Participant.objects.filter(models.Q(safety_voted=True) | models.Q(roti_voted=True)):
        for kind, answered in (("safety", p.safety_voted), ("roti", p.roti_voted)):
            if answered:
                Mark.objects.get_or_create(
                    organization_id=p.organization_id,
                    review_id=p.review_id,
                    kind=kind,
                    tag=keyed_tag(NAMESPACE, kind, p.review_id, p.user_id),
                )
    for review in Review.objects.exclude(phase__in=["scheduled", "checkin"]):
        if sum(int(v) for v in review.safety_counts.values()) >= 3:
            review.safety_shown = review.safety_counts
            review.save(update_fields=["safety_shown"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("reviews", "0002_async_close_and_reminder"),
    ]

    operations = [
        migrations.CreateModel(
            name="Mark",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("safety", "Answered the safety check"),
                            ("roti", "Rated the return on time"),
                        ],
                        max_length=10,
                    ),
                ),
                ("tag", models.CharField(max_length=32)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.organization",
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reviews.review",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("review", "kind", "tag"), name="mark_unique")
                ],
            },
        ),
        migrations.AddField(
            model_name="noteauthorship",
            name="author_tag",
            field=models.CharField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="vote",
            name="voter_tag",
            field=models.CharField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="review",
            name="safety_shown",
            field=models.JSONField(default=dict),
        ),
        migrations.RunPython(to_tags, migrations.RunPython.noop),
        migrations.RemoveField(model_name="noteauthorship", name="user"),
        migrations.RemoveField(model_name="vote", name="user"),
        migrations.RemoveField(model_name="participant", name="safety_voted"),
        migrations.RemoveField(model_name="participant", name="roti_voted"),
        migrations.AddIndex(
            model_name="noteauthorship",
            index=models.Index(fields=["review", "author_tag"], name="authorship_review_tag"),
        ),
        migrations.AddIndex(
            model_name="vote",
            index=models.Index(fields=["review", "voter_tag"], name="vote_review_voter"),
        ),
    ]
