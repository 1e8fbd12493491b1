"""What input Marblejar takes at its edges, and refusing what no page can take.

A NUL character cannot be stored or even compared by PostgreSQL; nobody can
type one, so it only comes from a crafted request or a broken client, and it
would otherwise reach a lookup (a team's slug, ``?team=``, a column id read
from a form) and end in a server error. The middleware refuses it in the
path, the query string and form fields, for every page and endpoint at once,
with a readable 400. API bodies are JSON and are checked field by field
(``marblejar.api.schemas.Text``).

Dates: every date and time a person enters is between ``FIRST_YEAR`` and
``LAST_YEAR``. Beyond that nothing is meaningful here, and date arithmetic
near the end of the calendar (year 9999 plus a week) fails instead of
answering. Form fields use ``validate_year``; the API's ``When`` and ``Day``
use the same bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"
FIRST_YEAR = 1970
LAST_YEAR = 2199


def year_in_range(value: date | datetime) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def validate_year(value: date | datetime | None) -> None:
    """Django validator for date and date-time form fields."""
    if value is not None and not year_in_range(value):
        raise ValidationError(
            _("Enter a date between the years %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    sources = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sources.append(request.POST)
    return any(
        NUL in key or any(NUL in v for v in values)
        for source in sources
        for key, values in source.lists()
    )


class RefuseNulCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            from marblejar.views import wants_json

            message = _(
                "The request contains a NUL character (in its address or a field), "
                "which no page here accepts."
            )
            if wants_json(request):
                return JsonResponse({"detail": message}, status=400)
            return render(request, "errors/400.html", {"message": message}, status=400)
        return self.get_response(request)
