from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marblejar import permissions
from marblejar.lib.forms import add_service_errors
from marblejar.pulse import overview as org_overview
from marblejar.pulse import selectors, services
from marblejar.pulse.forms import (
    AnswerForm,
    InstrumentForm,
    PulseSettingsForm,
    ResponseForm,
    ScheduleForm,
)
from marblejar.pulse.models import Status
from marblejar.pulse.wording import participation_sentence
from marblejar.teams import selectors as team_selectors

OVERVIEW_PAGE_SIZE = 100


def _team(request: HttpRequest, slug: str, action: str = "pulse.view", **with_team: bool):
    team = team_selectors.team_get(
        user=request.user, slug=slug, action=action, due=True, **with_team
    )
    # A late worker never delays a close or buries a result (one query when nothing is due).
    services.pulse_catch_up(team=team)
    return team


# A placeholder id, replaced in the reversed addresses by each pulse's.
_PK = 987654321


def _when(pulse) -> str:
    """When the pulse is or was open, as the list says it."""

    def at(value) -> str:
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")

    if pulse.closed_at:
        return _("Was open from %(opens)s; closed %(closed)s.") % {
            "opens": at(pulse.opens_at),
            "closed": at(pulse.closed_at),
        }
    return _("Open from %(opens)s to %(closes)s.") % {
        "opens": at(pulse.opens_at),
        "closes": at(pulse.closes_at),
    }


@login_required
def pulse_list(request: HttpRequest, slug: str) -> HttpResponse:
    # The team's size and its stream's newest event come with the team.
    team = _team(request, slug, last_event=True, size=True)
    # Whether the reader answered each one comes with the pulses (an EXISTS, not a query more).
    # The list shows no statements: their definition (JSON) is not read.
    pulses = selectors.pulse_rows_answered(team=team, user=request.user)
    now = timezone.now()
    is_lead = permissions.is_lead(request.user, team)
    members = team.member_count
    member = permissions.is_member(request.user, team)
    # Each row's addresses from one reverse() each with a placeholder id, its
    # dates formatted here: not a {% url %} and two date filters a row.
    urls = {
        name: reverse(f"pulse:{name}", args=[team.slug, _PK])
        for name in ("answer", "results", "close")
    }
    rows = [
        {
            "pulse": p,
            "status": p.status(now),
            "answered": p.answered,
            "can_answer": p.is_open(now) and not p.answered and member,
            "can_see_results": permissions.can(request.user, "pulse.results", p),
            "participation": participation_sentence(
                p.participant_count, still_open=p.closed_at is None
            ),
            "minimum_note": selectors.minimum_note(p, members=members),
            "when": _when(p),
            **{f"{name}_url": url.replace(f"/{_PK}/", f"/{p.pk}/") for name, url in urls.items()},
        }
        for p in pulses
    ]
    context = {
        "team": team,
        "rows": rows,
        "Status": Status,
        "can_create": permissions.can(request.user, "pulse.create", team),
        "is_lead": is_lead,
        "instruments": selectors.instrument_list_for_team(team=team) if is_lead else [],
        "last_event_id": team.last_event_id,
    }
    return render(request, "pulse/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pulse_create(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(request, slug, action="pulse.create")
    org_settings = selectors.pulse_settings_for(team.organization_id)
    members = selectors.team_size(team=team)
    is_admin = permissions.can(request.user, "pulse.settings", request.user.organization)
    start = timezone.localtime().replace(second=0, microsecond=0)
    form = ScheduleForm(
        request.POST or None,
        instruments=selectors.instrument_choices(team=team),
        initial={
            "instrument": "psychological_safety",
            "opens_at": start,
            "closes_at": start + timedelta(days=7),
            "min_group_size": org_settings.min_group_size,
            "min_comment_group_size": org_settings.min_comment_group_size,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            pulse = services.pulse_schedule(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("The pulse “%s” is scheduled.") % pulse.title)
            warning = selectors.schedule_warning(
                team=team,
                members=members,
                min_group_size=pulse.min_group_size,
                organization_minimum=org_settings.min_group_size,
                is_admin=is_admin,
            )
            if warning:
                messages.warning(request, warning)
            return redirect("pulse:list", slug=team.slug)
    # Said before anything is scheduled; a larger minimum chosen in the form is
    # warned about once the pulse is scheduled (above).
    warning = selectors.schedule_warning(
        team=team,
        members=members,
        min_group_size=org_settings.min_group_size,
        organization_minimum=org_settings.min_group_size,
        is_admin=is_admin,
    )
    context = {
        "team": team,
        "form": form,
        "org_settings": org_settings,
        "members": members,
        "warning": warning,
    }
    return render(request, "pulse/create.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def instrument_create(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(request, slug, action="pulse.create")
    form = InstrumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            instrument = services.instrument_create(
                actor=request.user,
                team=team,
                name=data["name"],
                description=data["description"],
                scale_points=data["scale_points"],
                low_label=data["low_label"],
                high_label=data["high_label"],
                allow_comment=data["allow_comment"],
                items=form.items(),
            )
        except ValidationError as e:
            if hasattr(e, "error_dict") and "items" in e.error_dict:
                e.error_dict["item_1"] = e.error_dict.pop("items")
            add_service_errors(form, e)
        else:
            messages.success(
                request, _("“%s” is ready: choose it when you schedule a pulse.") % instrument.name
            )
            return redirect("pulse:create", slug=team.slug)
    return render(
        request,
        "pulse/instrument_create.html",
        {"team": team, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def pulse_answer(request: HttpRequest, slug: str, pulse_id: int) -> HttpResponse:
    team = _team(request, slug)
    pulse = selectors.pulse_get(user=request.user, team=team, pulse_id=pulse_id)
    permissions.require(request.user, "pulse.answer", pulse)
    if selectors.pulse_has_answered(user=request.user, pulse=pulse):
        return render(request, "pulse/answered.html", {"team": team, "pulse": pulse})
    if not pulse.is_open():
        return render(request, "pulse/not_open.html", {"team": team, "pulse": pulse}, status=409)
    form = AnswerForm(request.POST or None, pulse=pulse)
    note = selectors.minimum_note(pulse, members=selectors.team_size(team=team))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        comment = data.pop("comment", "")
        try:
            services.pulse_answer(actor=request.user, pulse=pulse, values=data, comment=comment)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Thank you. Your answers are in, anonymously."))
            return redirect("pulse:list", slug=team.slug)
    return render(
        request,
        "pulse/answer.html",
        {"team": team, "pulse": pulse, "form": form, "minimum_note": note},
        status=400 if form.errors else 200,
    )


@login_required
def pulse_results(request: HttpRequest, slug: str, pulse_id: int) -> HttpResponse:
    team = _team(request, slug)
    pulse = selectors.pulse_get(user=request.user, team=team, pulse_id=pulse_id)
    if not permissions.can(request.user, "pulse.results", pulse):
        # A teammate waiting for the lead, or a pulse still open: say so, show nothing.
        note = selectors.minimum_note(pulse, members=selectors.team_size(team=team))
        context = {"team": team, "pulse": pulse, "minimum_note": note}
        return render(request, "pulse/waiting.html", context)
    return _results_page(request, team, pulse, ResponseForm())


def _results_page(request, team, pulse, form, status: int = 200) -> HttpResponse:
    can_respond = permissions.can(request.user, "pulse.manage", pulse) and not pulse.is_published
    context = {
        "team": team,
        "pulse": pulse,
        "results": selectors.pulse_results(pulse=pulse),
        "can_respond": can_respond,
        "form": form if can_respond else None,
    }
    return render(request, "pulse/results.html", context, status=status)


@login_required
@require_POST
def pulse_respond(request: HttpRequest, slug: str, pulse_id: int) -> HttpResponse:
    team = _team(request, slug)
    pulse = selectors.pulse_get(
        user=request.user, team=team, pulse_id=pulse_id, action="pulse.manage"
    )
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            services.pulse_respond(actor=request.user, pulse=pulse, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Results and your response are published to the team."))
            return redirect("pulse:results", slug=team.slug, pulse_id=pulse.pk)
    pulse.refresh_from_db()
    if not permissions.can(request.user, "pulse.results", pulse):
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
        return redirect("pulse:list", slug=team.slug)
    return _results_page(request, team, pulse, form, status=400)


@login_required
@require_POST
def pulse_close(request: HttpRequest, slug: str, pulse_id: int) -> HttpResponse:
    team = _team(request, slug)
    pulse = selectors.pulse_get(
        user=request.user, team=team, pulse_id=pulse_id, action="pulse.manage"
    )
    try:
        services.pulse_close(pulse=pulse, actor=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("pulse:list", slug=team.slug)
    messages.success(request, _("The pulse is closed. You see the results first."))
    return redirect("pulse:results", slug=team.slug, pulse_id=pulse.pk)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    org = request.user.organization
    permissions.require(request.user, "pulse.overview", org)
    instruments = org_overview.overview_instruments()
    slug = request.GET.get("instrument") or "psychological_safety"
    if slug not in dict(instruments):
        slug = "psychological_safety"
    data = org_overview.org_overview(organization_id=org.pk, instrument_slug=slug)
    page = Paginator(data.rows, OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    org_overview.overview_fill(
        organization_id=org.pk, instrument_slug=slug, rows=list(page.object_list)
    )
    rows = [(row, row.formatted()) for row in page.object_list]
    return render(
        request,
        "pulse/overview.html",
        {
            "overview": data,
            "page": page,
            "rows": rows,
            "hidden_text": _("Hidden: fewer people answered than the pulse's minimum group size"),
            "instruments": instruments,
            "instrument": slug,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pulse_settings(request: HttpRequest) -> HttpResponse:
    org = request.user.organization
    permissions.require(request.user, "pulse.settings", org)
    current = selectors.pulse_settings_for(org.pk)
    form = PulseSettingsForm(
        request.POST or None,
        initial={
            "min_group_size": current.min_group_size,
            "min_comment_group_size": current.min_comment_group_size,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.pulse_settings_update(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Pulse settings saved."))
            return redirect("pulse:settings")
    return render(
        request, "pulse/settings.html", {"form": form}, status=400 if form.errors else 200
    )
