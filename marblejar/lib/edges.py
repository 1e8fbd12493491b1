"""Refuse what no page or endpoint can take, before it reaches a view.

A NUL character cannot be stored or even compared by PostgreSQL; in the path
or the query string it can only come from a crafted request, and would
otherwise reach a lookup (a team's slug, ``?team=``) and end in a server
error. Fields of forms and API bodies are checked where they are read
(Django's form fields, ``marblejar.api.schemas.Text``), so that a form keeps
what was typed; this catches the path and the query string, for every page
and endpoint at once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    return any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists())


class RefuseNulCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            from marblejar.views import wants_json

            message = _("The address contains a NUL character, which no page here accepts.")
            if wants_json(request):
                return JsonResponse({"detail": message}, status=400)
            return render(request, "errors/400.html", {"message": message}, status=400)
        return self.get_response(request)
