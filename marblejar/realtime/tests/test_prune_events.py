from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from marblejar.lib.events import ACCESS_KIND, access_stream
from marblejar.realtime.models import Event


def test_it_keeps_events_for_the_retention_period_and_access_notices_for_a_day(personas):
    now = timezone.now()

    def event(kind: str, age: timedelta, stream: str = "team:1") -> Event:
        return Event.objects.create(
            organization=personas.org, stream=stream, kind=kind, created_at=now - age
        )

    recent = event("member_joined", timedelta(days=29))
    event("member_joined", timedelta(days=31))
    notice = access_stream(personas.member.pk)
    fresh_notice = event(ACCESS_KIND, timedelta(hours=23), stream=notice)
    event(ACCESS_KIND, timedelta(hours=25), stream=notice)

    call_command("prune_events", verbosity=0)

    assert set(Event.objects.values_list("pk", flat=True)) == {recent.pk, fresh_notice.pk}
