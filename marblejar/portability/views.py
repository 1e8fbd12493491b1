from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from marblejar import permissions
from marblejar.lib.forms import add_service_errors
from marblejar.portability import registry, services
from marblejar.portability.export import export_organization, export_team, to_json, to_zip
from marblejar.portability.forms import RetentionForm
from marblejar.teams import selectors as team_selectors


@require_GET
def what_we_store(request: HttpRequest) -> HttpResponse:
    """Every kind of data Marblejar keeps, from the registry the exports use."""
    retention = None
    if request.user.is_authenticated and request.user.organization_id:
        retention = services.retention_for(request.user.organization_id)
    return render(
        request,
        "portability/what_we_store.html",
        {
            "areas": registry.kinds_by_area(),
            "can_export": _can_export(request),
            "retention": retention,
        },
    )


def _can_export(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and permissions.can(user, "org.export", user.organization)


def _download(request: HttpRequest, data: dict, name: str) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "zip":
        response = HttpResponse(to_zip(data), content_type="application/zip")
        filename = f"marblejar-{name}-{stamp}.zip"
    else:
        response = HttpResponse(to_json(data), content_type="application/json")
        filename = f"marblejar-{name}-{stamp}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def organization_export(request: HttpRequest) -> HttpResponse:
    org = request.user.organization
    permissions.require(request.user, "org.export", org)
    return _download(request, export_organization(org), slugify(org.name) or "organization")


@login_required
@require_GET
def team_export(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug, action="team.export")
    return _download(request, export_team(team), team.slug)


@login_required
@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest) -> HttpResponse:
    org = request.user.organization
    permissions.require(request.user, "org.manage", org)
    current = services.retention_for(org.pk)
    form = RetentionForm(
        request.POST or None,
        initial={
            "closed_reviews_days": current.closed_reviews_days,
            "pulses_days": current.pulses_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_update(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Retention settings saved. They apply every night."))
            return redirect("portability:retention")
    return render(request, "portability/retention.html", {"form": form})
