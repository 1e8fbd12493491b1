"""Background tasks for learning reviews, run by ``marblejar worker``.

Each task only asks :func:`~marblejar.reviews.services.review_advance_due`
to catch up, so running one twice, late, or not at all is harmless: the next
look at the review, or the next task, does the same work.
"""

from __future__ import annotations

from django.tasks import task

from marblejar.reviews import services


@task
def review_advance(*, review_id: int) -> dict[str, int]:
    return services.review_advance_due(review_id=review_id)
