"""What each event says outside Marblejar: a title, a sentence, a link and plain data.

One builder per kind of thing. Each takes only what the team itself may see
on its pages, and less where a chat channel may hold more people than the
team: no names at all for marbles (the act, never who took the risk or who
responded), nothing but links for reviews (never a note, so an anonymous
review stays anonymous), and a pulse's numbers only when the pulse app's own
rule shows them (:attr:`marblejar.pulse.models.PulseResult.is_shown`).
A builder runs only when some integration of the team wants its event.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from marblejar.lib.dates import moment


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def reflection(reflection: Any) -> dict[str, Any]:
    from marblejar.jar.models import Act

    # A reflection is signed; should one ever be posted without a name, it
    # leaves without one too.
    anonymous = bool(getattr(reflection, "anonymous", False))
    author = None if anonymous or reflection.author is None else reflection.author.display_name
    act = dict(Act.choices).get(reflection.kind, reflection.kind)
    return {
        "title": reflection.title,
        "text": _("%(author)s %(act)s: “%(title)s”.")
        % {"author": author or _("Someone"), "act": act, "title": reflection.title},
        "url": reflection.get_absolute_url(),
        "data": {
            "reflection": {
                "id": reflection.pk,
                "kind": reflection.kind,
                "title": reflection.title,
                "author": author,
                "by_lead": reflection.by_lead,
                "published_at": _date(reflection.published_at),
            }
        },
    }


def marble(marble: Any) -> dict[str, Any]:
    """The act and how it was met; never who took the risk, who responded or who counted."""
    from marblejar.jar.models import Act, Marble, Response

    count = Marble.objects.filter(team_id=marble.team_id).count()
    act = str(dict(Act.choices).get(marble.act, marble.act))
    response = str(dict(Response.choices).get(marble.response, marble.response))
    return {
        "title": _("A marble in %(team)s's jar") % {"team": marble.team.name},
        "text": _("Someone %(act)s, and a teammate %(response)s. The jar holds %(count)s.")
        % {"act": act, "response": response, "count": count},
        "url": reverse("jar:history", args=[marble.team.slug]),
        "data": {
            "marble": {"act": marble.act, "response": marble.response},
            "jar": {"count": count},
        },
    }


def review(review: Any, *, event: str) -> dict[str, Any]:
    """A review's title, kind and times, and its link: never a note or a name."""
    from marblejar.integrations.events import Event
    from marblejar.reviews.models import Kind

    kind = str(Kind(review.kind).label).lower()
    params = {"kind": kind, "title": review.title}
    url = reverse("reviews:board", args=[review.pk])
    if event == Event.REVIEW_SCHEDULED:
        when = moment(review.scheduled_for) if review.scheduled_for else _("open now")
        text = _("The %(kind)s “%(title)s” is scheduled (%(when)s).") % {**params, "when": when}
    elif event == Event.REVIEW_STARTED:
        text = _("The %(kind)s “%(title)s” has started.") % params
    else:
        text = _("The %(kind)s “%(title)s” has closed: its summary is ready.") % params
        url = reverse("reviews:summary", args=[review.pk])
    return {
        "title": review.title,
        "text": text,
        "url": url,
        "data": {
            "review": {
                "id": review.pk,
                "kind": review.kind,
                "title": review.title,
                "mode": review.mode,
                "anonymous": review.anonymous,
                "scheduled_for": _date(review.scheduled_for),
                "open_until": _date(review.open_until),
                "closed_at": _date(review.closed_at),
                "board_url": reverse("reviews:board", args=[review.pk]),
                "summary_url": (
                    reverse("reviews:summary", args=[review.pk]) if review.closed_at else None
                ),
            }
        },
    }


def pulse_opened(pulse: Any) -> dict[str, Any]:
    return {
        "title": pulse.title,
        "text": _("The pulse “%(title)s” is open until %(closes)s: your answer is anonymous.")
        % {"title": pulse.title, "closes": moment(pulse.closes_at)},
        "url": reverse("pulse:answer", args=[pulse.team.slug, pulse.pk]),
        "data": {
            "pulse": {
                "id": pulse.pk,
                "title": pulse.title,
                "opens_at": _date(pulse.opens_at),
                "closes_at": _date(pulse.closes_at),
            }
        },
    }


def pulse_published(pulse: Any) -> dict[str, Any]:
    """The headline the results page shows the team, or no number at all below the minimum.

    Read through :func:`marblejar.pulse.selectors.pulse_results`, the one
    place that decides what the team may see of a pulse.
    """
    from marblejar.pulse.selectors import pulse_results

    results = pulse_results(pulse=pulse)
    score = None
    if results.shown and results.headline is not None:
        h = results.headline
        score = {
            "mean": round(h.mean, 2),
            "scale": [h.low, h.high],
            "percent": None if h.percent is None else round(h.percent, 1),
            "counted": results.counted,
            "range": h.score_range,
            "participation": h.participation,
        }
        text = _(
            "The results of the pulse “%(title)s” are published: %(mean)s on a scale of "
            "%(low)s to %(high)s. %(range)s"
        ) % {
            "title": pulse.title,
            "mean": f"{h.mean:.1f}",
            "low": h.low,
            "high": h.high,
            "range": h.score_range,
        }
    else:
        text = _(
            "The results of the pulse “%(title)s” are published. Too few people answered "
            "for any number to be shown."
        ) % {"title": pulse.title}
    if pulse.published_without_response:
        text += " " + _("The lead did not respond in time.")
    else:
        text += " " + _("Read the lead's response with them.")
    return {
        "title": pulse.title,
        "text": text.strip(),
        "url": reverse("pulse:results", args=[pulse.team.slug, pulse.pk]),
        "data": {
            "pulse": {
                "id": pulse.pk,
                "title": pulse.title,
                "closes_at": _date(pulse.closes_at),
                "published_at": _date(pulse.published_at),
                "lead_responded": not pulse.published_without_response,
                "results_shown": score is not None,
                "score": score,
            }
        },
    }


def action(action: Any, *, event: str) -> dict[str, Any]:
    from django.utils import formats

    from marblejar.integrations.events import Event
    from marblejar.reviews.models import CheckResult

    data = {
        "id": action.pk,
        "title": action.title,
        "status": action.status,
        "due_on": _date(action.due_on),
        "check_on": _date(action.check_on),
    }
    url = reverse("reviews:action", args=[action.pk])
    if event == Event.ACTION_DUE:
        text = _("The action “%(title)s” is due %(due)s.") % {
            "title": action.title,
            "due": formats.date_format(action.due_on, "DATE_FORMAT") if action.due_on else "",
        }
    else:
        result = str(dict(CheckResult.choices).get(action.check_result, action.check_result))
        text = _("The action “%(title)s” was checked. Did it work? %(result)s.") % {
            "title": action.title,
            "result": result,
        }
        data["check_result"] = action.check_result
        url += "#check"
    return {"title": action.title, "text": text, "url": url, "data": {"action": data}}


def test(integration: Any) -> dict[str, Any]:
    return {
        "title": _("A test from Marblejar"),
        "text": _("“%(name)s” works: %(team)s's events will arrive here.")
        % {"name": integration.name, "team": integration.team.name},
        "url": reverse("integrations:list", args=[integration.team.slug]),
        "data": {},
    }
