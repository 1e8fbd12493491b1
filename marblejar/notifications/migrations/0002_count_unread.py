"""Each person's unread count, kept on their row from now on, counted once."""

from django.db import migrations
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce


def count_unread(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Notification = apps.get_model("notifications", "Notification")
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk", filter=Q(read_at__isnull=True)))
        .values("n")
    )
    User.objects.update(
        unread_notifications=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("accounts", "0004_user_header_counters"),
    ]

    operations = [migrations.RunPython(count_unread, migrations.RunPython.noop)]
