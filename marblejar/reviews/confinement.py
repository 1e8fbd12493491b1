"""Keep a guest's browser to their review.

What a guest may do on a review is the rules' answer (``takes_part`` in
:mod:`marblejar.reviews.rules`, and ``can`` refuses a guest every action not
marked for guests). Some pages ask no rule at all, because until guests
every signed-in person was someone of the organization: the account pages,
notifications, the team list, the API's ``me``. This middleware refuses a
guest all of those at once, by route, so that no page added later can
forget them:

* a signed-in guest reaches the addresses of a review (``/r/<id>/…``, where
  the rules then decide which review), the guest pages, logging out and the
  public pages; anything else answers 403 (JSON for the API), and the home
  page sends them back to their board;
* a browser whose guest part has ended (the account is deactivated, so the
  browser is no longer signed in) is sent to the "thank you" page from
  anywhere but the public pages and signing in.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from marblejar.reviews.rules import guest_review_id
from marblejar.reviews.views_guests import GUEST_SESSION_KEY

# Open to anyone, guests included.
PUBLIC_ROUTES = frozenset(
    {
        "healthz",
        "metrics",
        "accounts:logout",
        "portability:what_we_store",
        "api:openapi-json",
        "api:openapi-view",
        "reviews:guest_join",
        "reviews:guest_ended",
    }
)
# Open to a signed-in guest besides the review's own addresses: the language
# coach that checks what they type on the board (it reads nothing stored).
GUEST_TOOLS = frozenset({"coaching:check"})
# Where a browser whose guest part ended may still go: to sign in properly.
AFTER_GUEST_ROUTES = PUBLIC_ROUTES | {
    "accounts:login",
    "accounts:signup",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
}
# The review's own addresses that are not for a guest even when the rules
# would be asked: the rules refuse them too; these never reach a view.
NOT_FOR_GUESTS = frozenset({"reviews:guest_link"})


def _route(request: HttpRequest) -> tuple[str, dict] | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name, match.kwargs


def _is_review_route(name: str, kwargs: dict) -> bool:
    return name.startswith("reviews:") and "review_id" in kwargs and name not in NOT_FOR_GUESTS


class GuestConfinement:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(("/static/", "/favicon")):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "is_guest", False):
            refusal = self._confine(request, user)
        elif user is not None and not user.is_authenticated and _guest_session(request):
            refusal = self._after_guest(request)
        else:
            refusal = None
        return refusal or self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A guest's request that crossed the end of their part (the review
        closed while it was on its way) is answered as after the end, not
        with a 404."""
        user = getattr(request, "user", None)
        if not isinstance(exception, Http404 | PermissionDenied) or not getattr(
            user, "is_guest", False
        ):
            return None
        from marblejar.reviews.models import Guest

        guest = Guest.objects.filter(user_id=user.pk, ended_at__isnull=False).first()
        if guest is None:
            return None
        return _to_the_end(request, guest.review_id, _route(request))

    def _confine(self, request: HttpRequest, user: object) -> HttpResponse | None:
        route = _route(request)
        if route is None:
            return None  # the 404 page
        name, kwargs = route
        if name in PUBLIC_ROUTES or name in GUEST_TOOLS or _is_review_route(name, kwargs):
            return None
        review_id = guest_review_id(user)
        if name == "home" and review_id is not None:
            return redirect("reviews:board", review_id=review_id)
        message = _("As a guest you take part in one review only; this page is not part of it.")
        if name.startswith("api:") or request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        return render(
            request,
            "reviews/guest_refused.html",
            {"message": message, "review_id": review_id},
            status=403,
        )

    def _after_guest(self, request: HttpRequest) -> HttpResponse | None:
        route = _route(request)
        if route is None or route[0] in AFTER_GUEST_ROUTES:
            return None
        name = route[0]
        from marblejar.reviews.models import Guest

        guest = Guest.objects.filter(pk=_guest_session(request)).only("review_id").first()
        if guest is None:
            request.session.pop(GUEST_SESSION_KEY, None)
            return None
        if name.startswith("api:") or request.path_info.startswith("/api/"):
            return None  # answered 401 like any request without a session
        return _to_the_end(request, guest.review_id, route)


def _to_the_end(
    request: HttpRequest, review_id: int, route: tuple[str, dict] | None
) -> HttpResponse:
    """Send a browser whose guest part ended to the "thank you" page."""
    ended = reverse("reviews:guest_ended", args=[review_id])
    if route is not None and route[0] == "reviews:events":
        # A stream asked again after the end: 204 tells the browser to stop
        # reconnecting (its "closed" frame came before).
        return HttpResponse(status=204)
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": ended})
    return redirect(ended)


def _guest_session(request: HttpRequest) -> int | None:
    session = getattr(request, "session", None)
    value = session.get(GUEST_SESSION_KEY) if session is not None else None
    return value if isinstance(value, int) else None
