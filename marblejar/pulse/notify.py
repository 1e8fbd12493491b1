"""The e-mails a pulse sends, composed and sent from the task queue.

Services only queue them (on commit, see :func:`queue`), so that no request
waits for a mail server and a read of a page never sends mail. Each e-mail
reads the pulse as it is when the task runs: a reminder skips whoever has
answered meanwhile, and results a lead has already published need no
"your results are ready" message.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from marblejar.lib.dates import moment
from marblejar.pulse.models import Participation, Pulse
from marblejar.teams.models import Membership, Role

logger = logging.getLogger(__name__)

OPENED = "opened"
REMINDER = "reminder"
RESULTS_READY = "results_ready"
KINDS = (OPENED, REMINDER, RESULTS_READY)


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
    """Compose and send ``kind`` about the pulse; returns how many e-mails went out."""
    pulse = Pulse.objects.select_related("team").filter(pk=pulse_id).first()
    if pulse is None:
        return 0
    if kind == RESULTS_READY:
        return _results_ready(pulse)
    return _announce(pulse, reminder=kind == REMINDER)


def _send(subject: str, body: str, recipients: list[str]) -> bool:
    # A failing mail server must not fail the task for everyone else.
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        logger.exception("Could not send pulse e-mail %r", subject)
        return False
    return True


def _url(name: str, pulse: Pulse) -> str:
    return settings.SITE_URL + reverse(name, args=[pulse.team.slug, pulse.pk])


def _announce(pulse: Pulse, *, reminder: bool) -> int:
    if pulse.closed_at is not None:
        return 0
    people = Membership.objects.filter(team_id=pulse.team_id).select_related("user")
    if reminder:
        answered = Participation.objects.filter(pulse=pulse).values("user_id")
        people = people.exclude(user_id__in=answered)
    recipients = [m.user.email for m in people if m.user.is_active and m.user.email]
    if reminder:
        subject = _("Reminder: %s closes soon") % pulse.title
    else:
        subject = _("A pulse is open: %s") % pulse.title
    body = _(
        "%(team)s is running the pulse “%(title)s” until %(closes)s. It takes a few "
        "minutes. Your answers are anonymous: nobody, your lead and administrators "
        "included, can see what you answered.\n\n%(url)s\n"
    ) % {
        "team": pulse.team.name,
        "title": pulse.title,
        "closes": moment(pulse.closes_at),
        "url": _url("pulse:answer", pulse),
    }
    # One message per person, so nobody sees who else was (not) reminded.
    return sum(_send(subject, body, [address]) for address in recipients)


def _results_ready(pulse: Pulse) -> int:
    if pulse.closed_at is None or pulse.is_published:
        return 0
    leads: list[Any] = [
        m.user
        for m in Membership.objects.filter(team_id=pulse.team_id, role=Role.LEAD).select_related(
            "user"
        )
    ]
    recipients = [u.email for u in leads if u.is_active and u.email]
    if not recipients:
        return 0
    subject = _("Pulse results are ready for you to respond: %s") % pulse.title
    body = _(
        "The pulse “%(title)s” of %(team)s has closed; %(n)d people answered.\n\n"
        "You see the results first. Write what you hear and what you will do, then "
        "publish results and response to the team together. If you have not by "
        "%(due)s, the results publish on their own.\n\n%(url)s\n"
    ) % {
        "title": pulse.title,
        "team": pulse.team.name,
        "n": pulse.participant_count,
        "due": moment(pulse.response_due_at),
        "url": _url("pulse:results", pulse),
    }
    return int(_send(subject, body, recipients))
