"""The notification list, preferences, one-click unsubscribe and the bell's live stream."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marblejar.notifications import selectors, services
from marblejar.notifications.kinds import CHANNEL_LABELS, KINDS, Channel

PAGE = 30


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_list(user=request.user), PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_GET
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    notification = selectors.notification_list(user=request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    target = notification.url
    # Only ever a path on this site.
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("notifications:list")
    return redirect(target)


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.getlist("id")
    ids = [int(i) for i in raw if i.isdecimal()] if raw else None
    services.notifications_mark_read(user=request.user, ids=ids)
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    rows = selectors.preferences_of(user=request.user)
    weekly = selectors.weekly_digest_of(user=request.user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        chosen = {info.key: request.POST.get(info.key, channel.value) for info, channel in rows}
        weekly = request.POST.get("weekly_digest") == "1"
        try:
            services.preferences_update(user=request.user, channels=chosen, weekly_digest=weekly)
        except ValidationError as e:
            # Keep what was chosen where it was valid; say what was not.
            errors = e.message_dict
            valid = {c.value for c in Channel}
            rows = [
                (info, Channel(chosen[info.key]) if chosen[info.key] in valid else channel)
                for info, channel in rows
            ]
        else:
            messages.success(request, _("Saved. You hear about each thing as you chose."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": [(info, channel, (errors.get(info.key) or [""])[0]) for info, channel in rows],
            "channels": list(CHANNEL_LABELS.items()),
            "weekly_digest": weekly,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@csrf_exempt  # a mail client's one-click POST (RFC 8058) carries no token; the link is signed
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Turn off one kind of e-mail from a link, without logging in: GET asks, POST does it."""
    try:
        user, kind = services.unsubscribe_read(token)
    except services.UnsubscribeError as e:
        return render(
            request, "notifications/unsubscribe.html", {"error": e.messages[0]}, status=400
        )
    label = KINDS[kind].label if kind in KINDS else _("The weekly e-mail about your teams")
    done = False
    if request.method == "POST":
        services.unsubscribe(token)
        done = True
    return render(
        request,
        "notifications/unsubscribe.html",
        {"label": label, "done": done, "email": user.email},
    )


async def events(request: HttpRequest) -> HttpResponseBase:
    """The bell's live stream: the person's own notifications only, while they are signed in."""
    from marblejar.realtime.sse import sse_response, stream_user

    user = await stream_user(request)
    return sse_response(request, user=user, streams=[services.user_stream(user.pk)])
