"""Guests in a review: the facilitator's link, joining by it, and the "thank you" page.

What a guest may do once they have joined is decided by the review's rules
(:mod:`marblejar.permissions`); :mod:`marblejar.reviews.confinement` keeps
their browser to the review's own addresses.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from marblejar import permissions
from marblejar.accounts.throttling import client_address
from marblejar.lib.forms import add_service_errors
from marblejar.reviews import builders, services
from marblejar.reviews.models import Guest, GuestLink, Review
from marblejar.reviews.services.guests import NAME_MAX

# The session remembers which guest this browser was, so that after their
# part ended (the account is then inactive, and the browser logged out) it
# can still show them the "thank you" page of their review.
GUEST_SESSION_KEY = "marblejar_guest"
GUEST_BACKEND = "django.contrib.auth.backends.ModelBackend"


class GuestJoinForm(forms.Form):
    display_name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=NAME_MAX * 2,  # the service says why a longer one is refused
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )


def guest_link_url(request: HttpRequest, link: GuestLink) -> str:
    return request.build_absolute_uri(
        reverse("reviews:guest_join", args=[services.guest_link_token(link)])
    )


def board_context(request: HttpRequest, review: Review) -> dict[str, Any]:
    """For the board: the guest link, for whoever may share it."""
    if not permissions.can(request.user, "review.guest_link", review):
        return {}
    link = (
        GuestLink.objects.filter(
            organization_id=review.organization_id, review=review, revoked_at=None
        )
        .annotate(guest_count=Count("guests"))
        .first()
    )
    return {
        "guest_link_tools": {
            "link": link,
            "url": guest_link_url(request, link) if link else "",
            "guests": link.guest_count if link else 0,
        }
    }


@require_POST
def guest_link(request: HttpRequest, review_id: int) -> HttpResponse:
    """Share (create, or show again) or revoke the review's guest link."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.guest_link"
    )
    if request.POST.get("do") == "revoke":
        ended = services.guest_link_revoke(actor=request.user, review=review)
        messages.success(
            request,
            _("The guest link is revoked; nobody can join by it now.")
            + (" " + _("Its guests can no longer take part.") if ended else ""),
        )
    else:
        services.guest_link_create(
            actor=request.user,
            review=review,
            share_summary="share_summary" in request.POST,
        )
        messages.success(request, _("The guest link is ready: copy it and send it to your guests."))
    return redirect(reverse("reviews:board", args=[review.pk]) + "#guest-link")


@require_http_methods(["GET", "POST"])
def guest_join(request: HttpRequest, token: str) -> HttpResponse:
    """The page a guest link opens: a name (or none, with anonymous notes), then the board."""
    try:
        link = services.guest_link_find(token=token)
    except services.GuestLinkInvalid:
        return render(request, "reviews/guest_invalid.html", status=404)
    review = link.review
    user = request.user
    if user.is_authenticated and permissions.can(user, "review.view", review):
        return redirect("reviews:board", review_id=review.pk)
    form = GuestJoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guest = services.guest_join(
                token=token,
                display_name=form.cleaned_data["display_name"],
                address=client_address(request),
            )
        except services.GuestLinkInvalid:
            return render(request, "reviews/guest_invalid.html", status=404)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            login(request, guest.user, backend=GUEST_BACKEND)
            request.session[GUEST_SESSION_KEY] = guest.pk
            return redirect("reviews:board", review_id=review.pk)
    return render(
        request,
        "reviews/guest_join.html",
        {
            "review": review,
            "team": review.team,
            "form": form,
            "signed_in_as": user if user.is_authenticated else None,
        },
        status=400 if form.errors else 200,
    )


def guest_ended(request: HttpRequest, review_id: int) -> HttpResponse:
    """ "This review has ended, thank you": for a guest whose part is over.

    The summary is shown when the facilitator shared the link with it and
    the notes were revealed before the review closed.
    """
    guest_id = request.session.get(GUEST_SESSION_KEY)
    guest = (
        Guest.objects.filter(pk=guest_id, review_id=review_id)
        .select_related("review", "review__team", "link", "user")
        .first()
        if isinstance(guest_id, int)
        else None
    )
    if guest is None:
        raise Http404
    if guest.ended_at is None and guest.user.is_active:
        return redirect("reviews:board", review_id=review_id)
    review = guest.review
    context: dict[str, Any] = {"review": review, "team": review.team, "guest": guest}
    if review.is_closed and review.is_revealed and guest.link.share_summary:
        # Read as the guest (whose account is now inactive, so that no rule
        # lets it do anything): what the summary shows every participant.
        request.user = guest.user
        context |= builders.summary_context(request, review)
        context["guest"] = guest
        context["shared_summary"] = True
    return render(request, "reviews/guest_ended.html", context)
