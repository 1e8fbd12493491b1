from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from marblejar.coaching.services import coach_check


@login_required
@require_POST
def check(request: HttpRequest) -> HttpResponse:
    """The inline widget's request: the field's text in, the findings panel out.

    The widget posts the field under its own name and says which name that is
    in ``coach_field``; dismissed rule ids travel in ``coach_dismissed_<name>``.
    """
    name = request.POST.get("coach_field", "text")
    text = request.POST.get(name, "")
    dismissed = request.POST.get(f"coach_dismissed_{name}", "").split(",")
    findings = coach_check(text=text, dismissed=dismissed)
    if not findings:
        # Nothing at all, so that the panel is :empty and takes no room
        # (a line break alone would draw its empty bar).
        return HttpResponse("")
    return render(
        request,
        "coach/findings.html",
        {"findings": findings, "field_id": request.POST.get("coach_id", "")},
    )
