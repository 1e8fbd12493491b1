"""One way of writing a day and a moment for people: "1 Dec 2026" and "1 Dec 2026, 14:05".

Defined once (``marblejar/formats``, ``marblejar/lib/dates.py``) and used by
every template, e-mail and message; the API and JSON exports stay ISO 8601.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from marblejar.lib.dates import day, moment
from marblejar.pulse import services as pulse_services
from marblejar.pulse.models import Pulse
from marblejar.pulse.tests.factories import send_queued_mail
from marblejar.reflections import services as reflection_services
from marblejar.teams.models import Invitation
from marblejar.teams.services import invitation_create, invitation_lookup, invitation_problem

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    p for p in ROOT.rglob("templates/**/*") if p.suffix in {".html", ".txt"} and p.is_file()
)
# A named format, or "c" for the machine-readable <time datetime="…">.
NAMED = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
    "c",
}
DATE_FILTER = re.compile(r"""\|date:["']([^"']*)["']""")
PYTHON = sorted(
    p
    for p in ROOT.rglob("*.py")
    if "tests" not in p.parts and "migrations" not in p.parts and p.name != "dates.py"
)
ISO_IN_TEXT = re.compile(r">[^<]*\b\d{4}-\d{2}-\d{2}\b[^<]*<")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_write_dates_only_in_the_named_formats(path):
    formats = set(DATE_FILTER.findall(path.read_text()))
    assert formats <= NAMED, f"{path}: write dates with a named format, not {formats - NAMED}"


def test_python_writes_dates_for_people_only_through_lib_dates():
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in PYTHON
        for n, line in enumerate(p.read_text().splitlines(), 1)
        # The "T" form is what <input type="datetime-local"> speaks, not words for people.
        if "strftime(" in line or re.search(r"%Y-%m-%d(?!T)", line)
    ]
    assert not offenders, "format dates with marblejar.lib.dates.day/moment:\n" + "\n".join(
        offenders
    )


def test_the_formats(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    at = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)
    assert day(at) == "1 Dec 2026"
    assert day(date(2027, 3, 9)) == "9 Mar 2027"
    assert moment(at) == "1 Dec 2026, 14:05"
    assert moment(at, with_zone=True) == "1 Dec 2026, 14:05 CET"


def test_pages_and_messages_write_dates_the_same_way(client_for, personas):
    expires = datetime(2030, 12, 8, 12, 0, tzinfo=UTC)
    invitation, _raw = invitation_create(actor=personas.lead, team=personas.team, send=False)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=expires)
    pulse = pulse_services.pulse_schedule(
        actor=personas.lead,
        team=personas.team,
        instrument="psychological_safety",
        opens_at=datetime(2030, 3, 1, 9, 5, tzinfo=UTC),
        closes_at=datetime(2030, 3, 8, 17, 30, tzinfo=UTC),
        cadence="once",
        min_group_size=None,
        min_comment_group_size=None,
    )
    reflection = reflection_services.reflection_create(
        author=personas.member,
        team=personas.team,
        kind="lesson",
        title="Pairing",
        body="It helps.",
        publish=True,
    )
    lead = client_for("lead")
    pages = {
        "team": lead.get(reverse("teams:detail", args=["platform"])).text,
        "pulses": lead.get(reverse("pulse:list", args=["platform"])).text,
        "reflection": lead.get(reflection.get_absolute_url()).text,
    }
    assert "expires 8 Dec 2030" in pages["team"]
    assert "Open from 1 Mar 2030, 09:05 to 8 Mar 2030, 17:30." in pages["pulses"]
    assert day(reflection.published_at) in pages["reflection"]
    for name, html in pages.items():
        assert not ISO_IN_TEXT.search(html), f"an ISO date in the text of the {name} page"
    # Messages written in Python too.
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=datetime(2020, 1, 2, tzinfo=UTC))
    expired = invitation_lookup(_raw)
    assert invitation_problem(expired) == "This invitation expired on 2 Jan 2020."
    assert pulse.pk


def test_e_mails_write_moments_the_same_way(personas, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        pulse = pulse_services.pulse_schedule(
            actor=personas.lead,
            team=personas.team,
            instrument="psychological_safety",
            opens_at=now - timedelta(minutes=1),
            closes_at=datetime(2030, 3, 8, 17, 30, tzinfo=UTC),
            cadence="once",
            min_group_size=None,
            min_comment_group_size=None,
        )
        pulse_services.pulse_advance_due(team=personas.team)
    Pulse.objects.get(pk=pulse.pk)
    assert send_queued_mail() == 1  # pulse e-mail goes out from the task queue
    bodies = "\n".join(m.body for m in mail.outbox)
    assert "8 Mar 2030, 17:30" in bodies
    assert "2030-03-08" not in bodies
