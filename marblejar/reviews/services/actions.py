"""Improvement actions: made in a review, carried to the next until done or dropped."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.reviews.models import (
    Action,
    ActionStatus,
    Review,
    Theme,
)
from marblejar.reviews.services.guards import _discussing, _require_open, _updated
from marblejar.teams.models import Membership


@transaction.atomic
def action_set_status(
    *, actor: Any, action: Action, status: str, note: str = "", review: Review | None = None
) -> Action:
    """Record how an improvement action went: done, still open, or dropped."""
    permissions.require(actor, "review.action_update", action)
    if status not in ActionStatus.values:
        raise ValidationError({"status": [_("Choose done, still open or dropped.")]})
    if review is not None:
        _require_open(actor, "review.participate", review)
        if review.team_id != action.team_id:
            raise ValidationError(_("This action belongs to another team."))
    action.status = status
    if note.strip():
        action.status_note = note.strip()[:2000]
    action.updated_at = timezone.now()
    if review is not None:
        action.last_checked_in = review
    action.save(update_fields=["status", "status_note", "updated_at", "last_checked_in"])
    if review is not None:
        _updated(review, "followup")
    return action


@transaction.atomic
def action_create(
    *,
    actor: Any,
    review: Review,
    title: str,
    expected_effect: str,
    due_on: date | None,
    check_on: date | None,
    owner: Any = None,
    theme: Theme | None = None,
) -> Action:
    """An improvement action: who, by when, and how we will know it worked."""
    _require_open(actor, "review.participate", review)
    _discussing(review)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    expected_effect = (expected_effect or "").strip()
    if not title:
        errors["title"] = [_("Say what you will do.")]
    elif len(title) > 200:
        errors["title"] = [_("Keep it to 200 characters or fewer.")]
    if not expected_effect:
        errors["expected_effect"] = [_("Say how you will know it worked.")]
    if due_on is None:
        errors["due_on"] = [_("Give a due date.")]
    if check_on is None:
        errors["check_on"] = [_("Give a date to check whether it worked.")]
    elif due_on and check_on < due_on:
        errors["check_on"] = [_("Check on or after the due date.")]
    if owner is not None and not Membership.objects.filter(team=review.team, user=owner).exists():
        errors["owner"] = [_("The owner must be in the team.")]
    if theme is not None and theme.review_id != review.pk:
        errors["theme"] = [_("Choose a theme of this review.")]
    if errors:
        raise ValidationError(errors)
    action = Action.objects.create(
        organization_id=review.organization_id,
        team_id=review.team_id,
        review=review,
        theme=theme,
        title=title,
        owner=owner,
        due_on=due_on,
        expected_effect=expected_effect[:2000],
        check_on=check_on,
        created_by=actor,
    )
    _updated(review, "actions")
    return action
