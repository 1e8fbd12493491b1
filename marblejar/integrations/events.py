"""The events a team can send to its chat or webhook, defined once.

The settings form, the payload builders, the documentation's schema and the
tests read this table. Cracks are not in it, and never will be: what a person
reports anonymously stays in Marblejar.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

# The version of the JSON a generic webhook receives; bumped on any change a
# receiver could notice (a field removed or changing meaning), never for an addition.
SCHEMA = "marblejar.webhook/1"


class Event(StrEnum):
    REFLECTION_PUBLISHED = "reflection.published"
    MARBLE_DROPPED = "marble.dropped"
    REVIEW_SCHEDULED = "review.scheduled"
    REVIEW_STARTED = "review.started"
    REVIEW_CLOSED = "review.closed"
    PULSE_OPENED = "pulse.opened"
    PULSE_RESULTS_PUBLISHED = "pulse.results_published"
    ACTION_DUE = "action.due"
    ACTION_CHECKED = "action.checked"
    # Sent by "Send a test" only; never chosen.
    TEST = "integration.test"


@dataclass(frozen=True)
class EventInfo:
    event: Event
    label: object  # lazy text: the checkbox
    group: object  # lazy text: the fieldset it is shown in


EVENTS: dict[str, EventInfo] = {
    e.event.value: e
    for e in [
        EventInfo(Event.REFLECTION_PUBLISHED, _("A reflection is published"), _("Reflections")),
        EventInfo(Event.MARBLE_DROPPED, _("A marble drops into the jar"), _("Marble jar")),
        EventInfo(Event.REVIEW_SCHEDULED, _("A review is scheduled"), _("Learning reviews")),
        EventInfo(Event.REVIEW_STARTED, _("A review starts"), _("Learning reviews")),
        EventInfo(
            Event.REVIEW_CLOSED, _("A review closes (with its summary)"), _("Learning reviews")
        ),
        EventInfo(Event.PULSE_OPENED, _("A pulse opens"), _("Pulses")),
        EventInfo(Event.PULSE_RESULTS_PUBLISHED, _("Pulse results are published"), _("Pulses")),
        EventInfo(Event.ACTION_DUE, _("An action is due"), _("Improvement actions")),
        EventInfo(
            Event.ACTION_CHECKED, _("An action is checked: did it work?"), _("Improvement actions")
        ),
    ]
}

# What a new integration sends until a lead chooses otherwise.
DEFAULT_EVENTS = [
    Event.REFLECTION_PUBLISHED,
    Event.MARBLE_DROPPED,
    Event.REVIEW_SCHEDULED,
    Event.REVIEW_CLOSED,
    Event.PULSE_OPENED,
    Event.PULSE_RESULTS_PUBLISHED,
]
