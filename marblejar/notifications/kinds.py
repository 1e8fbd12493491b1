"""Every kind of notification, defined once: what it says, who gets it, how by default.

Services call :func:`marblejar.notifications.services.notify` with one of these
kinds; the list page, the e-mail, the preferences page and the API all read
this table. A sentence names the act, never a count of anyone's acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    OFF = "off"


CHANNEL_LABELS = {
    Channel.IN_APP: _("In the app"),
    Channel.EMAIL: _("By e-mail too"),
    Channel.OFF: _("Off"),
}


@dataclass(frozen=True)
class KindInfo:
    key: str
    label: object  # lazy text: the name in the preferences
    sentence: object  # lazy text with %(name)s-style params
    default: Channel = Channel.IN_APP
    # Sent at once by e-mail, not in the hourly batch.
    urgent: bool = False


_KINDS = [
    KindInfo(
        "reflection_reaction",
        _("Reactions to what you shared"),
        _("%(actor)s reacted “%(reaction)s” to your reflection “%(title)s”."),
    ),
    KindInfo(
        "reflection_comment",
        _("Comments on what you shared"),
        _("%(actor)s commented on your reflection “%(title)s”."),
        default=Channel.EMAIL,
    ),
    KindInfo(
        "reflection_marble",
        _("Marbles for what you shared"),
        _(
            "%(actor)s %(response)s when you shared “%(title)s”: the first respectful "
            "response, and a marble in %(team)s's jar."
        ),
    ),
    KindInfo(
        "response_marble",
        _("Marbles your responses dropped"),
        _(
            "You %(response)s when %(author)s shared “%(title)s”: that dropped a marble into "
            "%(team)s's jar."
        ),
    ),
    KindInfo(
        "cracks_waiting",
        _("Cracks waiting for you (leads)"),
        _("A crack reported in %(team)s on %(day)s is waiting for you to acknowledge it."),
        default=Channel.EMAIL,
    ),
    # The reporter cannot be told alone (nothing says who they are): the team hears.
    KindInfo(
        "crack_acknowledged",
        _("Cracks acknowledged by a lead"),
        _("A lead of %(team)s acknowledged the crack reported on %(day)s."),
    ),
    KindInfo(
        "review_scheduled",
        _("Learning reviews scheduled"),
        _("%(actor)s scheduled the %(kind)s “%(title)s” for %(team)s (%(when)s)."),
        default=Channel.EMAIL,
    ),
    KindInfo(
        "review_starting",
        _("Learning reviews starting"),
        _("The %(kind)s “%(title)s” of %(team)s has started."),
    ),
    KindInfo(
        "pulse_open",
        _("Pulses open"),
        _("%(team)s's pulse “%(title)s” is open until %(closes)s."),
        default=Channel.EMAIL,
    ),
    KindInfo(
        "pulse_closing",
        _("Pulses closing soon"),
        _("%(team)s's pulse “%(title)s” closes %(closes)s; you have not answered yet."),
        default=Channel.EMAIL,
        # A reminder that waits for the hourly batch may come too late.
        urgent=True,
    ),
    KindInfo(
        "pulse_results",
        _("Pulse results and the lead's response"),
        _(
            "The results of %(team)s's pulse “%(title)s” are published, with the lead's "
            "response: what they hear and what they will do."
        ),
    ),
    KindInfo(
        "pulse_results_unanswered",
        _("Pulse results published without a response"),
        _(
            "The results of %(team)s's pulse “%(title)s” are published; the lead did not "
            "respond in time."
        ),
    ),
    KindInfo(
        "pulse_response_due",
        _("Pulse results to respond to (leads)"),
        _(
            "The pulse “%(title)s” of %(team)s has closed; %(n)s people answered. You see the "
            "results first: write what you hear and what you will do, then publish both "
            "together. If you have not by %(due)s, the results publish on their own."
        ),
        default=Channel.EMAIL,
        urgent=True,
    ),
    KindInfo(
        "action_due",
        _("Improvement actions due"),
        _("The action “%(title)s” of %(team)s is due %(due)s."),
        default=Channel.EMAIL,
    ),
    KindInfo(
        "action_check",
        _("Did an action work?"),
        _(
            "It is time to check the action “%(title)s” of %(team)s: did it have the effect "
            "we expected?"
        ),
        default=Channel.EMAIL,
    ),
    KindInfo(
        "integration_paused",
        _("Integrations paused after failures (leads)"),
        _(
            "The %(kind)s integration “%(name)s” of %(team)s is paused: its last %(n)s attempts "
            "to post failed. Check its address, send a test, then resume it."
        ),
        default=Channel.EMAIL,
        urgent=True,
    ),
]

KINDS: dict[str, KindInfo] = {k.key: k for k in _KINDS}


def kind_info(key: str) -> KindInfo:
    return KINDS[key]
