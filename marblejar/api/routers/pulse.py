"""Pulse surveys in the API: list, answer, participation count, results when allowed.

Like the pages, the API never returns an individual answer: results are
aggregates, and only for groups of at least the pulse's minimum size.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from marblejar import permissions
from marblejar.api.schemas import Error, IdPath, Int, SlugPath, Text, TextQuery, When
from marblejar.pulse import overview as org_overview
from marblejar.pulse import selectors, services
from marblejar.pulse.models import Pulse
from marblejar.pulse.wording import participation_sentence
from marblejar.teams import selectors as team_selectors

router = Router(tags=["pulses"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


class ItemOut(Schema):
    key: str
    text: str
    facet: str = Field("", description="What the statement measures; custom ones may have none.")
    reverse: bool


class PulseOut(Schema):
    id: int
    title: str
    instrument: str
    status: str = Field(description="scheduled, open, awaiting_lead or published")
    opens_at: datetime
    closes_at: datetime
    cadence: str
    participant_count: int = Field(description="How many people answered; never who.")
    answered: bool = Field(description="Whether you have answered.")
    min_group_size: int
    scale_min: int
    scale_max: int
    scale_labels: list[str]
    items: list[ItemOut]
    asks_comment: bool
    warnings: list[str] = Field(
        [], description="Said when the pulse's results cannot be shown, and how to change it."
    )


class PulseIn(Schema):
    instrument: Text = "psychological_safety"
    opens_at: When
    closes_at: When
    cadence: Text = "once"
    min_group_size: Int | None = None
    min_comment_group_size: Int | None = None


class PulseAnswerIn(Schema):
    answers: dict[Text, Int] = Field(description="One answer per item key, on the pulse's scale.")
    comment: Text = ""


class ParticipationOut(Schema):
    pulse_id: int
    count: int
    sentence: str


class ResultsOut(Schema):
    pulse_id: int
    n: int
    shown: bool = Field(description="False below the minimum group size: then no numbers.")
    min_group_size: int = Field(description="The pulse's own minimum, fixed when it opened.")
    counted: int = Field(
        description="Respondents who were in the team when the pulse opened: only they count "
        "towards the minimum group size."
    )
    mean: float | None = None
    sd: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    percent: float | None = None
    alpha: float | None = None
    rwg_j: float | None = None
    item_means: list[float | None] = []
    distribution: list[int] = []
    sentences: list[str] = Field(description="One plain sentence per number.")
    comments: list[str] = []
    published: bool
    response_heard: str = ""
    response_plan: str = ""
    lead_has_responded: bool


class ResponseIn(Schema):
    heard: Text
    plan: Text


class OverviewRowOut(Schema):
    team: str
    n: int | None
    shown: bool
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


class OverviewOut(Schema):
    instrument: str
    min_group_size: int = Field(
        description="The organization's minimum for new pulses; each team's result keeps its "
        "own pulse's minimum."
    )
    total_shown: bool
    total_n: int | None
    total_mean: float | None
    sentences: list[str]
    teams: list[OverviewRowOut]


def pulse_out(pulse: Pulse, *, answered: bool, warning: str = "") -> dict[str, Any]:
    return {
        "id": pulse.pk,
        "title": pulse.title,
        "instrument": pulse.instrument_slug,
        "status": pulse.status(),
        "opens_at": pulse.opens_at,
        "closes_at": pulse.closes_at,
        "cadence": pulse.cadence,
        "participant_count": pulse.participant_count,
        "answered": answered,
        "min_group_size": pulse.min_group_size,
        "scale_min": pulse.scale[0],
        "scale_max": pulse.scale[1],
        "scale_labels": pulse.scale_labels,
        "items": [
            {
                "key": i["key"],
                "text": i["text"],
                "facet": selectors.facet_of(pulse, i),
                "reverse": bool(i.get("reverse")),
            }
            for i in pulse.items
        ],
        "asks_comment": pulse.asks_comment,
        "warnings": [warning] if warning else [],
    }


def _team(request: HttpRequest, slug: str, action: str = "pulse.view"):
    team = team_selectors.team_get(user=request.user, slug=slug, action=action)
    services.pulse_catch_up(team=team)
    return team


@router.get(
    "/teams/{slug}/pulses", response={200: list[PulseOut], **ERRORS}, summary="A team's pulses"
)
def pulse_list(request: HttpRequest, slug: SlugPath):
    team = _team(request, slug)
    pulses = list(selectors.pulse_list_for_team(team=team))
    answered = selectors.answered_pulse_ids(user=request.user, pulses=pulses)
    members = selectors.team_size(team=team)
    return [
        pulse_out(p, answered=p.pk in answered, warning=selectors.minimum_note(p, members=members))
        for p in pulses
    ]


@router.post(
    "/teams/{slug}/pulses", response={201: PulseOut, **ERRORS}, summary="Schedule a pulse (leads)"
)
def pulse_create(request: HttpRequest, slug: SlugPath, data: PulseIn):
    team = _team(request, slug, action="pulse.create")
    pulse = services.pulse_schedule(actor=request.user, team=team, **data.dict())
    warning = selectors.schedule_warning(
        team=team,
        members=selectors.team_size(team=team),
        min_group_size=pulse.min_group_size,
        organization_minimum=selectors.pulse_settings_for(team.organization_id).min_group_size,
        is_admin=permissions.can(request.user, "pulse.settings", request.user.organization),
    )
    return Status(201, pulse_out(pulse, answered=False, warning=warning))


@router.get(
    "/teams/{slug}/pulses/{pulse_id}", response={200: PulseOut, **ERRORS}, summary="One pulse"
)
def pulse_detail(request: HttpRequest, slug: SlugPath, pulse_id: IdPath):
    team = _team(request, slug)
    pulse = selectors.pulse_get(user=request.user, team=team, pulse_id=pulse_id)
    answered = selectors.pulse_has_answered(user=request.user, pulse=pulse)
    note = selectors.minimum_note(pulse, members=selectors.team_size(team=team))
    return pulse_out(pulse, answered=answered, warning=note)


@router.post(
    "/teams/{slug}/pulses/{pulse_id}/answers",
    response={201: ParticipationOut, **ERRORS},
    summary="Answer an open pulse, anonymously",
)
def pulse_answer(request: HttpRequest, slug: SlugPath, pulse_id: IdPath, data: PulseAnswerIn):
    team = _team(request, slug)
    pulse = selectors.pulse_get(user=request.user, team=team, pulse_id=pulse_id)
    count = services.pulse_answer(
        actor=request.user, pulse=pulse, values=data.answers, comment=data.comment
    )
    return Status(201, participation_out(pulse.pk, count))


def participation_out(pulse_id: int, count: int, *, still_open: bool = True) -> dict[str, Any]:
    return {
        "pulse_id": pulse_id,
        "count": count,
        "sentence": participation_sentence(count, still_open=still_open),
    }


@router.get(
    "/teams/{slug}/pulses/{pulse_id}/participation",
    response={200: ParticipationOut, **ERRORS},
    summary="How many people answered (never who)",
)
def pulse_participation(request: HttpRequest, slug: SlugPath, pulse_id: IdPath):
    team = _team(request, slug)
    pulse = selectors.pulse_get(user=request.user, team=team, pulse_id=pulse_id)
    return participation_out(pulse.pk, pulse.participant_count, still_open=pulse.closed_at is None)


@router.get(
    "/teams/{slug}/pulses/{pulse_id}/results",
    response={200: ResultsOut, **ERRORS},
    summary="Results, once the lead may see them (closed) or the team may (published)",
)
def pulse_results(request: HttpRequest, slug: SlugPath, pulse_id: IdPath):
    team = _team(request, slug)
    pulse = selectors.pulse_get(user=request.user, team=team, pulse_id=pulse_id)
    if not permissions.can(request.user, "pulse.results", pulse):
        if pulse.closed_at is None:
            raise PermissionDenied(_("This pulse is still open. Results come after it closes."))
        raise PermissionDenied(
            _("The lead reads the results first; they are shown to the team when published.")
        )
    r = selectors.pulse_results(pulse=pulse)
    out: dict[str, Any] = {
        "pulse_id": pulse.pk,
        "n": r.n,
        "shown": r.shown,
        "min_group_size": r.k,
        "counted": r.counted,
        "sentences": r.sentences
        + r.counting_sentences
        + ([r.trend_sentence] if r.trend_sentence else []),
        "comments": r.comments,
        "published": pulse.is_published,
        "response_heard": pulse.response_heard if pulse.is_published else "",
        "response_plan": pulse.response_plan if pulse.is_published else "",
        "lead_has_responded": pulse.has_response,
    }
    if r.shown and r.summary is not None:
        s = r.summary
        out |= {
            "mean": s.mean,
            "sd": s.sd,
            "ci_low": s.ci_low,
            "ci_high": s.ci_high,
            "percent": s.percent,
            # Only where it can mean something (from about 10 people), as on the page.
            "alpha": s.alpha if r.alpha_shown else None,
            "rwg_j": s.rwg_j,
            "item_means": list(s.item_means),
            "distribution": list(s.distribution or []),
        }
    return out


@router.post(
    "/teams/{slug}/pulses/{pulse_id}/response",
    response={200: ResultsOut, **ERRORS},
    summary="The lead responds and publishes results and response together",
)
def pulse_respond(request: HttpRequest, slug: SlugPath, pulse_id: IdPath, data: ResponseIn):
    team = _team(request, slug)
    pulse = selectors.pulse_get(user=request.user, team=team, pulse_id=pulse_id)
    services.pulse_respond(actor=request.user, pulse=pulse, heard=data.heard, plan=data.plan)
    return pulse_results(request, slug, pulse_id)


@router.post(
    "/teams/{slug}/pulses/{pulse_id}/close",
    response={200: PulseOut, **ERRORS},
    summary="Close an open pulse now (leads)",
)
def pulse_close(request: HttpRequest, slug: SlugPath, pulse_id: IdPath):
    team = _team(request, slug)
    pulse = selectors.pulse_get(user=request.user, team=team, pulse_id=pulse_id)
    pulse = services.pulse_close(pulse=pulse, actor=request.user, now=timezone.now())
    return pulse_out(pulse, answered=selectors.pulse_has_answered(user=request.user, pulse=pulse))


@router.get(
    "/organization/pulses",
    response={200: OverviewOut, **ERRORS},
    summary="Each team's newest published result, with small groups suppressed (org admins)",
)
def overview(request: HttpRequest, instrument: TextQuery = "psychological_safety"):
    org = request.user.organization
    permissions.require(request.user, "pulse.overview", org)
    k = selectors.pulse_settings_for(org.pk).min_group_size
    data = org_overview.org_overview(organization_id=org.pk, instrument_slug=instrument)
    rows = list(data.rows[:])
    org_overview.overview_fill(organization_id=org.pk, instrument_slug=instrument, rows=rows)
    return {
        "instrument": data.instrument_slug,
        "min_group_size": k,
        "total_shown": data.total_shown,
        "total_n": data.total_n if data.total_shown else None,
        "total_mean": data.total.mean if data.total_shown and data.total else None,
        "sentences": data.total_sentences + data.icc_sentences,
        "teams": [
            {
                "team": row.name,
                "n": row.n if row.shown else None,
                "shown": row.shown,
                "mean": row.mean,
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
            }
            for row in rows
        ],
    }
