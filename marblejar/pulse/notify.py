"""What a pulse tells people, from the task queue, through the notifications.

Services only queue a message (on commit, see :func:`queue`), so that no
request waits and a read of a page never tells anyone anything. When the task
runs, it reads the pulse as it is then (a reminder skips whoever has answered
meanwhile; results a lead has already published need no "your results are
ready"), and hands the message to :func:`marblejar.notifications.services.notify`,
which shows it in the app and e-mails it as each person prefers.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.urls import reverse

from marblejar.integrations import payloads
from marblejar.integrations.events import Event
from marblejar.integrations.services import broadcast
from marblejar.lib.dates import moment
from marblejar.notifications.services import notify
from marblejar.pulse.models import Participation, Pulse
from marblejar.teams.models import Membership, Role

logger = logging.getLogger(__name__)

OPENED = "opened"
REMINDER = "reminder"
RESULTS_READY = "results_ready"
PUBLISHED = "published"
KINDS = (OPENED, REMINDER, RESULTS_READY, PUBLISHED)


def queue(pulse: Pulse, kind: str) -> None:
    """Send ``kind`` about ``pulse`` from the task queue once the transaction commits."""
    from marblejar.pulse import tasks

    if kind not in KINDS:
        raise ValueError(f"unknown pulse e-mail {kind!r}")
    pulse_id = pulse.pk
    transaction.on_commit(
        lambda: tasks.pulse_mail.enqueue(pulse_id=pulse_id, kind=kind), robust=True
    )


def send(*, pulse_id: int, kind: str) -> int:
    """Tell whoever ``kind`` is for about the pulse; returns how many were told."""
    pulse = Pulse.objects.select_related("team").filter(pk=pulse_id).first()
    if pulse is None:
        return 0
    with transaction.atomic():
        if kind == RESULTS_READY:
            return _results_ready(pulse)
        if kind == PUBLISHED:
            return _published(pulse)
        return _announce(pulse, reminder=kind == REMINDER)


def _members(pulse: Pulse, **filters: object) -> list:
    return [
        m.user
        for m in Membership.objects.filter(team_id=pulse.team_id, **filters).select_related("user")
    ]


def _params(pulse: Pulse) -> dict[str, str]:
    return {"team": pulse.team.name, "title": pulse.title, "closes": moment(pulse.closes_at)}


def _announce(pulse: Pulse, *, reminder: bool) -> int:
    if pulse.closed_at is not None:
        return 0
    people = _members(pulse)
    if reminder:
        answered = set(Participation.objects.filter(pulse=pulse).values_list("user_id", flat=True))
        people = [u for u in people if u.pk not in answered]
    told = notify(
        recipients=people,
        kind="pulse_closing" if reminder else "pulse_open",
        url=reverse("pulse:answer", args=[pulse.team.slug, pulse.pk]),
        params=_params(pulse),
        team=pulse.team,
    )
    if not reminder:
        broadcast(
            team=pulse.team, event=Event.PULSE_OPENED, payload=lambda: payloads.pulse_opened(pulse)
        )
    return len(told)


def _results_ready(pulse: Pulse) -> int:
    if pulse.closed_at is None or pulse.is_published:
        return 0
    told = notify(
        recipients=_members(pulse, role=Role.LEAD),
        kind="pulse_response_due",
        url=reverse("pulse:results", args=[pulse.team.slug, pulse.pk]),
        params={
            **_params(pulse),
            "n": str(pulse.participant_count),
            "due": moment(pulse.response_due_at),
        },
        team=pulse.team,
    )
    return len(told)


def _published(pulse: Pulse) -> int:
    if not pulse.is_published:
        return 0
    told = notify(
        recipients=_members(pulse),
        # The lead's response is what people hear about; without one, say so.
        kind="pulse_results_unanswered" if pulse.published_without_response else "pulse_results",
        url=reverse("pulse:results", args=[pulse.team.slug, pulse.pk]),
        params=_params(pulse),
        team=pulse.team,
    )
    # Only what the team sees on the results page: no number below the minimum group size.
    broadcast(
        team=pulse.team,
        event=Event.PULSE_RESULTS_PUBLISHED,
        payload=lambda: payloads.pulse_published(pulse),
    )
    return len(told)
