"""The team's "Integrations" settings page, for its leads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marblejar import permissions
from marblejar.integrations import selectors, services
from marblejar.integrations.events import DEFAULT_EVENTS, EVENTS
from marblejar.integrations.forms import IntegrationForm
from marblejar.integrations.models import Kind
from marblejar.lib.forms import add_service_errors
from marblejar.teams.models import Team


def team_panel(request: HttpRequest, team: Team) -> dict[str, Any]:
    """The team page's link to this page, for the team's leads."""
    if not permissions.can(request.user, "integration.manage", team):
        return {}
    return {"integrations_url": reverse("integrations:list", args=[team.slug])}


@login_required
@require_http_methods(["GET", "POST"])
def integration_list(request: HttpRequest, slug: str) -> HttpResponse:
    team = selectors.team_for_integrations(user=request.user, slug=slug)
    form = IntegrationForm(
        request.POST or None, initial={"kind": Kind.SLACK, "events": DEFAULT_EVENTS}
    )
    new_secret = ""
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, new_secret = services.integration_create(
                actor=request.user, team=team, **form.cleaned_data
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            if not new_secret:
                messages.success(
                    request, _("“%s” is set up. Send a test to check it.") % created.name
                )
                return redirect("integrations:detail", slug=team.slug, integration_id=created.pk)
            form = IntegrationForm(initial={"kind": Kind.SLACK, "events": DEFAULT_EVENTS})
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "integrations/list.html",
        {
            "team": team,
            "integrations": list(selectors.team_integrations(team=team)),
            "form": form,
            "created": created,
            "new_secret": new_secret,
            "events": EVENTS,
        },
        status=status,
    )


def _detail_context(team: Team, integration: Any, form: IntegrationForm) -> dict[str, Any]:
    return {
        "team": team,
        "integration": integration,
        "form": form,
        "log": selectors.delivery_log(integration=integration),
        "kinds": Kind,
    }


@login_required
@require_http_methods(["GET", "POST"])
def integration_detail(request: HttpRequest, slug: str, integration_id: int) -> HttpResponse:
    team = selectors.team_for_integrations(user=request.user, slug=slug)
    integration = selectors.integration_get(team=team, integration_id=integration_id)
    form = IntegrationForm(
        request.POST or None,
        editing=True,
        initial={"name": integration.name, "events": integration.events},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.integration_update(
                actor=request.user, integration=integration, **form.cleaned_data
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("integrations:detail", slug=team.slug, integration_id=integration.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request, "integrations/detail.html", _detail_context(team, integration, form), status=status
    )


def _act(request: HttpRequest, slug: str, integration_id: int) -> tuple[Team, Any]:
    team = selectors.team_for_integrations(user=request.user, slug=slug)
    return team, selectors.integration_get(team=team, integration_id=integration_id)


@login_required
@require_POST
def integration_pause(request: HttpRequest, slug: str, integration_id: int) -> HttpResponse:
    team, integration = _act(request, slug, integration_id)
    services.integration_pause(actor=request.user, integration=integration)
    messages.success(
        request, _("“%s” is paused: nothing is posted until you resume it.") % integration.name
    )
    return redirect("integrations:detail", slug=team.slug, integration_id=integration.pk)


@login_required
@require_POST
def integration_resume(request: HttpRequest, slug: str, integration_id: int) -> HttpResponse:
    team, integration = _act(request, slug, integration_id)
    services.integration_resume(actor=request.user, integration=integration)
    messages.success(request, _("“%s” posts again from the next event on.") % integration.name)
    return redirect("integrations:detail", slug=team.slug, integration_id=integration.pk)


@login_required
@require_POST
def integration_delete(request: HttpRequest, slug: str, integration_id: int) -> HttpResponse:
    team, integration = _act(request, slug, integration_id)
    services.integration_delete(actor=request.user, integration=integration)
    messages.success(request, _("“%s” is deleted.") % integration.name)
    return redirect("integrations:list", slug=team.slug)


@login_required
@require_POST
def integration_test(request: HttpRequest, slug: str, integration_id: int) -> HttpResponse:
    """Post a test message now; with HTMX, answer with the delivery log and how it went."""
    team, integration = _act(request, slug, integration_id)
    attempt = services.integration_test(actor=request.user, integration=integration)
    if attempt.ok:
        said = _("The test message arrived (HTTP %s).") % attempt.status_code
    else:
        said = _("The test message did not arrive: %s") % attempt.error
    if request.htmx:
        context = _detail_context(team, integration, IntegrationForm(editing=True))
        context.update(test_said=said, test_ok=attempt.ok)
        return render(request, "integrations/detail.html#log", context)
    (messages.success if attempt.ok else messages.error)(request, said)
    return redirect("integrations:detail", slug=team.slug, integration_id=integration.pk)
