from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marblejar import permissions
from marblejar.jar import selectors, services
from marblejar.jar.drawing import CAPACITY, jar_spots
from marblejar.jar.forms import AcknowledgeForm, CrackForm, MarbleForm
from marblejar.jar.models import Act
from marblejar.jar.stories import marble_story
from marblejar.lib.forms import add_service_errors
from marblejar.lib.fragments import fragment
from marblejar.teams.models import Team
from marblejar.teams.selectors import team_get

HISTORY_PAGE = 50
# A placeholder id: a page reverses a reflection's address once and puts each id in it.
_PK = 987654321


def jar_context(state: dict[str, Any], *, new_marble: bool = False) -> dict[str, Any]:
    """What the jar drawing needs, from :func:`selectors.jar_state` (no database access)."""
    spots, full_jars = jar_spots(state["total"], newest_is_new=new_marble)
    months = [
        {"month": date.fromisoformat(m["month"] + "-01"), "count": m["count"]}
        for m in state["by_month"]
    ]
    return {
        "jar": {
            **state,
            "spots": spots,
            "full_jars": full_jars,
            "full_jar_list": range(min(full_jars, 12)),
            "capacity": CAPACITY,
            "in_jar": len(spots),
            "months": months,
            "this_month": months[-1]["count"] if months else 0,
            "new_marble": new_marble,
        }
    }


def team_panel(request: HttpRequest, team: Team) -> dict[str, Any]:
    """The jar on the team page (registered in JarConfig.ready)."""
    user = request.user
    services.cracks_catch_up()
    state = selectors.jar_state(team=team)
    # The jar's drawing is the same for every reader of the team: drawn once,
    # then kept for as long as its figures are unchanged.
    drawing = fragment(
        "jar", state, lambda: render_to_string("jar/team_panel.html#jar", jar_context(state))
    )
    return {
        "jar": state,
        "jar_html": drawing,
        "jar_notices": selectors.marble_notices(user=user, team=team),
        "jar_can_drop": permissions.can(user, "marble.drop", team),
        "jar_cracks_waiting": state["open_cracks"] if permissions.is_lead(user, team) else 0,
    }


def _history_rows(rows: list[tuple]) -> list[dict[str, Any]]:
    """A page of the history's rows as the template shows them (only when not cached)."""
    href = reverse("reflections:detail", args=[_PK])
    shown = []
    for row in rows:
        marble = dict(zip(selectors.HISTORY_COLUMNS, row, strict=True))
        marble["is_manual"] = marble["act"] == Act.OFFLINE
        if not marble["is_manual"]:
            reflection = marble["reflection_id"]
            marble["story"] = marble_story(
                act=marble["act"],
                act_by=marble["act_by__display_name"] or "",
                response=marble["response"],
                response_by=marble["response_by__display_name"] or "",
                reflection_title=marble["reflection__title"] or "",
                reflection_url=href.replace(str(_PK), str(reflection)) if reflection else "",
                strong_act_by=True,
            )
        shown.append(marble)
    return shown


@login_required
def history(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_get(user=request.user, slug=slug, action="jar.view")
    state = selectors.jar_state(team=team)
    paginator = Paginator(selectors.marble_history_rows(team=team), HISTORY_PAGE)
    paginator.count = state["total"]  # the same marbles, counted already: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    rows = page.object_list = list(page.object_list)  # read once
    # The jar and this page of its history are the same for every reader of
    # the team: drawn once, then kept for as long as what they show is unchanged.
    history_html = fragment(
        "jar-history",
        (state, rows, page.number, paginator.num_pages),
        lambda: render_to_string(
            "jar/history.html#history",
            {"page": page, "marbles": _history_rows(rows), **jar_context(state)},
        ),
    )
    context = {
        "team": team,
        "history_html": history_html,
        "jar_can_drop": permissions.can(request.user, "marble.drop", team),
    }
    return render(request, "jar/history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def drop(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_get(user=request.user, slug=slug, action="marble.drop")
    form = MarbleForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            services.marble_drop_by_hand(
                actor=request.user,
                team=team,
                description=form.cleaned_data["description"],
                named_user=form.cleaned_data["named_user"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("A marble dropped into the jar."))
            return redirect("teams:detail", slug=team.slug)
    status = 400 if form.errors else 200
    return render(request, "jar/drop.html", {"team": team, "form": form}, status=status)


@login_required
@require_POST
def marble_remove(request: HttpRequest, slug: str, marble_id: int) -> HttpResponse:
    team = team_get(user=request.user, slug=slug)
    marble = selectors.marble_get(user=request.user, team=team, marble_id=marble_id)
    services.marble_remove(actor=request.user, marble=marble)
    messages.success(request, _("The marble is out of the jar."))
    return redirect("teams:detail", slug=team.slug)


@login_required
@require_POST
def marble_keep(request: HttpRequest, slug: str, marble_id: int) -> HttpResponse:
    team = team_get(user=request.user, slug=slug)
    marble = selectors.marble_get(user=request.user, team=team, marble_id=marble_id)
    services.marble_keep(actor=request.user, marble=marble)
    return redirect("teams:detail", slug=team.slug)


def _cracks_page(request: HttpRequest, team: Team | None) -> HttpResponse:
    user = request.user
    target = team or user.organization
    can_report = permissions.can(user, "crack.report", target)
    form = CrackForm(request.POST or None, organization_wide=team is None) if can_report else None
    if request.method == "POST":
        permissions.require(user, "crack.report", target)
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.crack_report(actor=user, team=team, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(
                request,
                _(
                    "Thank you for saying so. Your name is not on it. It reaches the leads "
                    "tomorrow, together with any other reports of today, so that when you "
                    "wrote it cannot point to you."
                )
                if team is not None
                else _(
                    "Thank you for saying so. Your name is not on it. It reaches the "
                    "organization admins tomorrow, together with any other reports of today, "
                    "so that when you wrote it cannot point to you."
                ),
            )
            return redirect(request.path)
    services.cracks_catch_up()
    cracks = list(selectors.crack_list(team=team, organization_id=user.organization_id))
    for crack in cracks:
        crack.can_read = permissions.can(user, "crack.read", crack)
        crack.can_acknowledge = permissions.can(user, "crack.acknowledge", crack)
    context = {
        "team": team,
        "cracks": cracks,
        "form": form,
        "acknowledge_form": AcknowledgeForm(),
    }
    return render(
        request, "jar/cracks.html", context, status=400 if form is not None and form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def cracks(request: HttpRequest, slug: str) -> HttpResponse:
    return _cracks_page(request, team_get(user=request.user, slug=slug, action="jar.view"))


@login_required
@require_http_methods(["GET", "POST"])
def organization_cracks(request: HttpRequest) -> HttpResponse:
    """Cracks about what was shared with the whole organization (the org admins acknowledge)."""
    return _cracks_page(request, None)


@login_required
@require_POST
def crack_acknowledge(request: HttpRequest, slug: str, crack_id: str) -> HttpResponse:
    team = team_get(user=request.user, slug=slug, action="jar.view")
    crack = selectors.crack_get(user=request.user, team=team, crack_id=crack_id)
    return _acknowledge_and_return(request, crack, redirect_to=("jar:cracks", team.slug))


@login_required
@require_POST
def organization_crack_acknowledge(request: HttpRequest, crack_id: str) -> HttpResponse:
    crack = selectors.crack_get(user=request.user, team=None, crack_id=crack_id)
    return _acknowledge_and_return(request, crack, redirect_to=("jar:organization_cracks",))


def _acknowledge_and_return(request: HttpRequest, crack: Any, redirect_to: tuple) -> HttpResponse:
    form = AcknowledgeForm(request.POST)
    form.is_valid()
    try:
        services.crack_acknowledge(
            actor=request.user, crack=crack, response=form.cleaned_data.get("response", "")
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Acknowledged. The team sees that you did."))
    return redirect(*redirect_to)
