"""The facilitator's tools on the board, and the discussion's single composer.

Like every board form, each posts with HTMX and answers with the phase
region (``views._after_post``); without JavaScript it redirects back.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from marblejar.lib.forms import add_service_errors
from marblejar.reviews import selectors, services
from marblejar.reviews.forms import DiscussForm
from marblejar.reviews.views import _act, _after_post, _answers_closed, _flash


def _int(value: str | None, default: int = 0) -> int:
    return int(value) if value and value.isdecimal() else default


@login_required
@require_POST
@_answers_closed
def timer(request: HttpRequest, review_id: int) -> HttpResponse:
    """Set, extend, pause, resume or clear the phase timer everyone sees."""
    return _act(
        request,
        review_id,
        "review.facilitate",
        lambda review: services.review_timer(
            actor=request.user,
            review=review,
            action=request.POST.get("action", ""),
            minutes=_int(request.POST.get("minutes")),
        ),
    )


@login_required
@require_POST
@_answers_closed
def done(request: HttpRequest, review_id: int) -> HttpResponse:
    """Say one is done writing (or not yet): counted on the board, never named."""
    return _act(
        request,
        review_id,
        "review.participate",
        lambda review: services.participant_done(
            actor=request.user, review=review, done=bool(request.POST.get("done"))
        ),
    )


@login_required
@require_POST
@_answers_closed
def spotlight(request: HttpRequest, review_id: int) -> HttpResponse:
    """Take everyone to a theme, or (with none named) to the next one."""
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.facilitate"
    )
    theme_id = request.POST.get("theme", "")
    if theme_id and not theme_id.isdecimal():
        raise Http404
    theme = selectors.theme_get(review=review, theme_id=int(theme_id)) if theme_id else None
    try:
        services.review_spotlight(actor=request.user, review=review, theme=theme)
    except ValidationError as e:
        _flash(request, e)
    return _after_post(request, review)


@login_required
@require_POST
@_answers_closed
def discuss_add(request: HttpRequest, review_id: int) -> HttpResponse:
    """The composer: a question with its intent, a finding, a factor or a discussion note."""
    theme_id = request.POST.get("theme", "")
    if not theme_id.isdecimal():
        raise Http404
    return _compose(request, review_id, int(theme_id), request.POST)


@login_required
@require_POST
@_answers_closed
def question_add(request: HttpRequest, review_id: int, theme_id: int) -> HttpResponse:
    """A question under a theme (the form without JavaScript, and older pages)."""
    data = {
        "kind": "question",
        "text": request.POST.get("text", ""),
        "intent_own": request.POST.get("intent", ""),
    }
    return _compose(request, review_id, theme_id, data)


@login_required
@require_POST
@_answers_closed
def finding_add(request: HttpRequest, review_id: int, theme_id: int) -> HttpResponse:
    """A finding, factor or discussion note under a theme (without JavaScript, older pages)."""
    data = {"kind": request.POST.get("kind", ""), "text": request.POST.get("text", "")}
    return _compose(request, review_id, theme_id, data)


def _compose(request: HttpRequest, review_id: int, theme_id: int, data: Any) -> HttpResponse:
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.participate"
    )
    theme = selectors.theme_get(review=review, theme_id=theme_id)
    theme.review = review
    form = DiscussForm(data, auto_id="discuss-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "question":
                services.question_ask(
                    actor=request.user, theme=theme, text=data["text"], intent=data["intent"]
                )
            else:
                services.finding_add(
                    actor=request.user, theme=theme, kind=data["kind"], text=data["text"]
                )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            # Added: an empty composer (text and intent reset) for the next one.
            empty = DiscussForm(auto_id="discuss-%s", keep_typed=False)
            return _after_post(request, review, {"discuss": empty})
    return _after_post(request, review, {"discuss": form})
