"""Helpers for review tests: schedule a review and walk it to a phase."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from marblejar.reviews import services
from marblejar.reviews.models import PHASE_ORDER, Phase, Review
from marblejar.test import Personas


def schedule(p: Personas, **extra: Any) -> Review:
    options: dict[str, Any] = {
        "title": "Sprint 12 retrospective",
        "purpose": "Learn from the release that slipped.",
        "agenda": "Check-in, go first, reflect, group, vote, discuss, actions.",
        "template": "builtin:went_well",
    }
    options.update(extra)
    return services.review_schedule(actor=p.lead, team=p.team, **options)


def advance_to(review: Review, phase: str, *, by: Any) -> Review:
    """Advance ``review`` until it is in ``phase``, going first and grouping on the way."""
    while PHASE_ORDER.index(review.phase) < PHASE_ORDER.index(phase):
        if review.phase == Phase.GO_FIRST and not hasattr_go_first(review):
            services.go_first_write(
                actor=by,
                review=review,
                part="I approved the release without the load test.",
                revisit="Shipping on a Friday.",
            )
        if review.phase == Phase.GROUP and not review.themes.exists():
            services.theme_create(actor=by, review=review, title="Testing")
        services.review_advance_phase(actor=by, review=review)
        review.refresh_from_db()
    return review


def hasattr_go_first(review: Review) -> bool:
    from marblejar.reviews.models import GoFirst

    return GoFirst.objects.filter(review=review).exists()


def action_dates() -> tuple[date, date]:
    today = date.today()
    return today + timedelta(days=7), today + timedelta(days=21)
