"""The team's trackers page, "Create an issue" on an action, and the trackers' webhooks.

The settings page is for the team's leads; a token typed there is never
shown again, and a webhook secret only in the answer that made it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from marblejar import permissions
from marblejar.lib.forms import add_service_errors
from marblejar.reviews import selectors_actions
from marblejar.teams import selectors as team_selectors
from marblejar.teams.models import Team
from marblejar.trackers import selectors, services, webhooks
from marblejar.trackers.clients import TrackerError
from marblejar.trackers.forms import ConnectForm, TokenForm
from marblejar.trackers.models import Kind, Tracker


def team_panel(request: HttpRequest, team: Team) -> dict[str, Any]:
    """The team page's link to the trackers page, for the team's leads."""
    if not permissions.can(request.user, "tracker.manage", team):
        return {}
    return {"trackers_url": reverse("trackers:list", args=[team.slug])}


def hook_url(tracker: Tracker, secret: str = "") -> str:
    url = settings.SITE_URL + reverse("trackers:webhook", args=[tracker.hook_id])
    if tracker.kind == Kind.JIRA and secret:
        url += "?secret=" + secret
    return url


def _page(
    request: HttpRequest,
    team: Team,
    *,
    forms: dict[str, ConnectForm] | None = None,
    token_form: tuple[int, TokenForm] | None = None,
    shown: tuple[Tracker, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms = forms or {}
    trackers = list(selectors.trackers_for_team(team=team))
    for tracker in trackers:
        tracker.hook_url = hook_url(tracker)
        tracker.token_form = (
            token_form[1]
            if token_form and token_form[0] == tracker.pk
            else TokenForm(prefix_id=f"token-{tracker.pk}")
        )
    connect = [
        {"kind": kind, "label": kind.label, "form": forms.get(kind) or ConnectForm(kind=kind)}
        for kind in Kind
    ]
    context: dict[str, Any] = {
        "team": team,
        "trackers": trackers,
        "connect": connect,
        "open_kind": next(iter(forms), ""),
    }
    if shown:
        tracker, secret = shown
        context["shown"] = {
            "tracker": tracker,
            "secret": secret,
            "hook_url": hook_url(tracker, secret),
        }
    return render(request, "trackers/list.html", context, status=status)


@login_required
@require_GET
def tracker_list(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug, action="tracker.manage")
    return _page(request, team)


@login_required
@require_POST
def tracker_connect(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug, action="tracker.manage")
    if kind not in Kind.values:
        raise Http404
    form = ConnectForm(request.POST, kind=kind)
    if form.is_valid():
        try:
            tracker, secret = services.tracker_connect(
                actor=request.user, team=team, kind=kind, **form.cleaned_data
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("%(tracker)s is connected.") % {"tracker": tracker.label})
            # The secret is in this answer only: not stored anywhere it could be read again.
            return _page(request, team, shown=(tracker, secret))
    return _page(request, team, forms={kind: form}, status=400)


@login_required
@require_POST
def tracker_token(request: HttpRequest, slug: str, tracker_id: int) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug, action="tracker.manage")
    tracker = selectors.tracker_get(user=request.user, team=team, tracker_id=tracker_id)
    form = TokenForm(request.POST, prefix_id=f"token-{tracker.pk}")
    if form.is_valid():
        try:
            services.tracker_replace_token(
                actor=request.user, tracker=tracker, token=form.cleaned_data["token"]
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("The new token is saved."))
            return redirect(reverse("trackers:list", args=[team.slug]) + f"#tracker-{tracker.pk}")
    return _page(request, team, token_form=(tracker.pk, form), status=400)


@login_required
@require_POST
def tracker_secret(request: HttpRequest, slug: str, tracker_id: int) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug, action="tracker.manage")
    tracker = selectors.tracker_get(user=request.user, team=team, tracker_id=tracker_id)
    secret = services.tracker_new_secret(actor=request.user, tracker=tracker)
    messages.success(
        request, _("A new webhook secret is made: the old one no longer works. Copy it now.")
    )
    return _page(request, team, shown=(tracker, secret))


@login_required
@require_POST
def tracker_disconnect(request: HttpRequest, slug: str, tracker_id: int) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug, action="tracker.manage")
    tracker = selectors.tracker_get(user=request.user, team=team, tracker_id=tracker_id)
    label = tracker.label
    services.tracker_disconnect(actor=request.user, tracker=tracker)
    messages.success(
        request,
        _("%(tracker)s is disconnected and its token forgotten; issues made keep their links.")
        % {"tracker": label},
    )
    return redirect("trackers:list", team.slug)


# From an action ---------------------------------------------------------------------


def _back(request: HttpRequest, action_id: int) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("reviews:action", args=[action_id])


@login_required
@require_POST
def issue_create(request: HttpRequest, action_id: int) -> HttpResponse:
    action = selectors_actions.action_get(user=request.user, action_id=action_id)
    back = _back(request, action.pk)
    raw = request.POST.get("tracker", "")
    tracker = selectors.tracker_for_issue(
        team=action.team, tracker_id=int(raw) if raw.isdecimal() else None
    )
    if tracker is None:
        messages.error(request, _("Choose one of the team's trackers."))
        return redirect(back)
    try:
        issue, created = services.issue_create(actor=request.user, action=action, tracker=tracker)
    except TrackerError as e:
        messages.error(request, str(e))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        names = {"issue": issue.display_ref, "tracker": tracker.label}
        if created:
            messages.success(request, _("Issue %(issue)s is made in %(tracker)s.") % names)
        elif issue.ref:
            messages.info(request, _("This action is issue %(issue)s already.") % names)
        else:
            messages.info(request, _("The issue is being made; it shows here in a moment."))
    return redirect(back)


# The trackers' webhooks ----------------------------------------------------------------


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, hook_id: str) -> HttpResponse:
    tracker = selectors.tracker_by_hook(hook_id=hook_id)
    if tracker is None:
        return HttpResponse("No such webhook.", status=404, content_type="text/plain")
    if request.content_type != "application/json":
        # GitHub can also send a form; the set-up steps say JSON, the one
        # body that is signed exactly as it arrives.
        return HttpResponse(
            "Send the webhook as application/json.", status=415, content_type="text/plain"
        )
    hook = webhooks.parse(tracker, headers=request.headers, body=request.body, query=request.GET)
    if hook.status != 401:
        Tracker.objects.filter(pk=tracker.pk).update(hook_seen_at=timezone.now())
    if hook.ref:
        found = services.issue_follow_by_ref(tracker=tracker, ref=hook.ref, closed=hook.closed)
        reason = "OK" if found is not None else "Ignored: no action became this issue."
        return HttpResponse(reason, status=200, content_type="text/plain")
    return HttpResponse(hook.reason, status=hook.status, content_type="text/plain")
