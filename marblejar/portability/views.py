from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from marblejar import permissions
from marblejar.portability import registry
from marblejar.portability.export import export_organization, export_team, to_json, to_zip
from marblejar.teams import selectors as team_selectors


@require_GET
def what_we_store(request: HttpRequest) -> HttpResponse:
    """Every kind of data Marblejar keeps, from the registry the exports use."""
    return render(
        request,
        "portability/what_we_store.html",
        {"areas": registry.kinds_by_area(), "can_export": _can_export(request)},
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
