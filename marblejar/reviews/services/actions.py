"""Improvement actions: made in a review or by hand, carried until done or dropped,
and checked on their date: did it have the effect we expected?

Every change writes a line of the action's history (:class:`ActionEvent`).
Telling people (due today, time to check) happens only in
:func:`action_reminders_due`, which the nightly task runs: a page read never
sends anything.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.lib.clock import isolated
from marblejar.reviews.models import (
    UNFINISHED,
    Action,
    ActionEvent,
    ActionEventKind,
    ActionStatus,
    CheckResult,
    Review,
    Theme,
)
from marblejar.reviews.services.guards import _discussing, _require_open, _updated
from marblejar.teams.models import Membership, Role, Team

MAX_TITLE = 200
MAX_TEXT = 2000
# "Too early to tell" asks again four weeks on: two two-week sprints, so the
# effect has had a full cycle of work to show, and at least one more review
# of the team comes between. Sooner would ask people who just said they
# cannot tell yet; later and the action fades from memory.
RECHECK_AFTER = timedelta(days=28)
# A due date that passed while no worker ran is still told if it is this
# recent; older ones would only be noise (the list shows them as overdue).
DUE_GRACE = timedelta(days=7)

EDITABLE = ("title", "expected_effect", "due_on", "check_on", "owner")


def _log(action: Action, kind: str, actor: Any = None, **extra: Any) -> ActionEvent:
    return ActionEvent.objects.create(
        organization_id=action.organization_id, action=action, kind=kind, actor=actor, **extra
    )


def _clean(
    *,
    team: Team,
    title: str,
    expected_effect: str,
    due_on: date | None,
    check_on: date | None,
    owner: Any,
) -> tuple[str, str]:
    """Check what an action says; raises ValidationError naming each field."""
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    expected_effect = (expected_effect or "").strip()
    if not title:
        errors["title"] = [_("Say what you will do.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("Keep it to 200 characters or fewer.")]
    if not expected_effect:
        errors["expected_effect"] = [_("Say how you will know it worked.")]
    elif len(expected_effect) > MAX_TEXT:
        errors["expected_effect"] = [_("Keep it to 2000 characters or fewer.")]
    if due_on is None:
        errors["due_on"] = [_("Give a due date.")]
    if check_on is None:
        errors["check_on"] = [_("Give a date to check whether it worked.")]
    elif due_on and check_on < due_on:
        errors["check_on"] = [_("Check on or after the due date.")]
    if owner is not None and not Membership.objects.filter(team=team, user=owner).exists():
        errors["owner"] = [_("The owner must be in the team.")]
    if errors:
        raise ValidationError(errors)
    return title, expected_effect


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
    """An improvement action from a review: who, by when, and how we will know it worked."""
    _require_open(actor, "review.participate", review)
    _discussing(review)
    try:
        title, expected_effect = _clean(
            team=review.team,
            title=title,
            expected_effect=expected_effect,
            due_on=due_on,
            check_on=check_on,
            owner=owner,
        )
    except ValidationError as e:
        errors = e.error_dict
    else:
        errors = {}
    if theme is not None and theme.review_id != review.pk:
        errors["theme"] = [ValidationError(_("Choose a theme of this review."))]
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
        expected_effect=expected_effect,
        check_on=check_on,
        created_by=actor,
    )
    # Who proposed it is not shown: in a review with anonymous notes that
    # would say who said what.
    _log(action, ActionEventKind.CREATED)
    _updated(review, "actions")
    return action


@transaction.atomic
def action_add(
    *,
    actor: Any,
    team: Team,
    title: str,
    expected_effect: str,
    due_on: date | None,
    check_on: date | None,
    owner: Any = None,
) -> Action:
    """An action added by hand on the team's list, by anyone in the team.

    Without an owner the whole team owns it (and its leads are asked whether
    it worked).
    """
    permissions.require(actor, "review.action_add", team)
    title, expected_effect = _clean(
        team=team,
        title=title,
        expected_effect=expected_effect,
        due_on=due_on,
        check_on=check_on,
        owner=owner,
    )
    action = Action.objects.create(
        organization_id=team.organization_id,
        team=team,
        title=title,
        owner=owner,
        due_on=due_on,
        expected_effect=expected_effect,
        check_on=check_on,
        created_by=actor,
    )
    _log(action, ActionEventKind.CREATED, actor)
    return action


@transaction.atomic
def action_update(
    *,
    actor: Any,
    action: Action,
    title: str,
    expected_effect: str,
    due_on: date | None,
    check_on: date | None,
    owner: Any = None,
) -> Action:
    """Change what an action says, who owns it and its dates; the history names the fields."""
    permissions.require(actor, "review.action_update", action)
    title, expected_effect = _clean(
        team=action.team,
        title=title,
        expected_effect=expected_effect,
        due_on=due_on,
        check_on=check_on,
        owner=owner,
    )
    new = {
        "title": title,
        "expected_effect": expected_effect,
        "due_on": due_on,
        "check_on": check_on,
        "owner": owner,
    }
    changed = [
        name
        for name in EDITABLE
        if (getattr(action, f"{name}_id") if name == "owner" else getattr(action, name))
        != ((owner.pk if owner else None) if name == "owner" else new[name])
    ]
    if not changed:
        return action
    for name, value in new.items():
        setattr(action, name, value)
    action.updated_at = timezone.now()
    action.save(update_fields=[*EDITABLE, "updated_at"])
    _log(action, ActionEventKind.EDITED, actor, fields=changed)
    return action


@transaction.atomic
def action_set_status(
    *, actor: Any, action: Action, status: str, note: str = "", review: Review | None = None
) -> Action:
    """Move an action to open, doing, done or dropped; dropping needs a reason.

    With ``review``, the change is made in that review's open-actions phase
    and its board follows.
    """
    permissions.require(actor, "review.action_update", action)
    note = (note or "").strip()
    if status not in ActionStatus.values:
        raise ValidationError({"status": [_("Choose open, doing, done or dropped.")]})
    if status == ActionStatus.DROPPED and not note and action.status != ActionStatus.DROPPED:
        raise ValidationError({"note": [_("Say why it is dropped: the next review will ask.")]})
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": [_("Keep it to 2000 characters or fewer.")]})
    if review is not None:
        _require_open(actor, "review.participate", review)
        if review.team_id != action.team_id:
            raise ValidationError(_("This action belongs to another team."))
    now = timezone.now()
    changed = status != action.status
    if changed:
        action.done_at = now if status == ActionStatus.DONE else None
    action.status = status
    if note:
        action.status_note = note
    action.updated_at = now
    if review is not None:
        action.last_checked_in = review
    action.save(update_fields=["status", "status_note", "done_at", "updated_at", "last_checked_in"])
    if changed or note:
        _log(action, ActionEventKind.STATUS, actor, status=status, note=note)
    if review is not None:
        _updated(review, "followup")
    return action


@transaction.atomic
def action_follow_issue(*, action: Action, closed: bool, note: str) -> Action | None:
    """Move an action along with the tracker issue it became: closed is done, reopened is open.

    Called when the tracker says so (its webhook, or the scheduled check), so
    there is no actor: whoever checked the message vouches for it. An action
    that is dropped stays dropped, and a reopened issue moves only a done
    action back to open. Returns the action if its status changed.
    """
    action = Action.objects.select_for_update().get(pk=action.pk)
    if closed and action.status in UNFINISHED:
        status = ActionStatus.DONE
    elif not closed and action.status == ActionStatus.DONE:
        status = ActionStatus.OPEN
    else:
        return None
    now = timezone.now()
    action.status = status
    action.done_at = now if status == ActionStatus.DONE else None
    action.updated_at = now
    action.save(update_fields=["status", "done_at", "updated_at"])
    _log(action, ActionEventKind.STATUS, status=status, note=note[:MAX_TEXT])
    return action


@transaction.atomic
def action_check(*, actor: Any, action: Action, result: str, note: str = "") -> Action:
    """Answer "Did it have the effect we expected?": yes, partly, no or too early.

    "Too early to tell" moves the check date on by :data:`RECHECK_AFTER`, so
    that the nightly run asks again then.
    """
    permissions.require(actor, "review.action_update", action)
    note = (note or "").strip()
    if result not in CheckResult.values:
        raise ValidationError({"result": [_("Choose yes, partly, no or too early to tell.")]})
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": [_("Keep it to 2000 characters or fewer.")]})
    if action.status == ActionStatus.DROPPED:
        raise ValidationError(_("This action was dropped: there is no effect to check."))
    now = timezone.now()
    action.check_result = result
    action.check_note = note
    action.checked_at = now
    action.updated_at = now
    fields = ["check_result", "check_note", "checked_at", "updated_at"]
    if result == CheckResult.TOO_EARLY:
        # The new date is asked about whatever date was asked before.
        action.check_on = timezone.localdate(now) + RECHECK_AFTER
        action.check_asked_for = None
        fields += ["check_on", "check_asked_for"]
    action.save(update_fields=fields)
    _log(action, ActionEventKind.CHECKED, actor, result=result, note=note)
    _broadcast(action, "action.checked")
    return action


def _broadcast(action: Action, event: str) -> None:
    """The team's chat or webhook hears of it: the action and its answer, no names."""
    from marblejar.integrations import payloads
    from marblejar.integrations.services import broadcast

    broadcast(team=action.team, event=event, payload=lambda: payloads.action(action, event=event))


# The nightly run ---------------------------------------------------------------------


def _leads(team_id: int) -> list[Any]:
    return [
        m.user
        for m in Membership.objects.filter(team_id=team_id, role=Role.LEAD).select_related("user")
    ]


def _asked(action: Action) -> list[Any]:
    """Who is asked about an action: its owner if still in the team, else the team's leads."""
    if action.owner is not None and permissions.is_member(action.owner, action.team):
        return [action.owner]
    return _leads(action.team_id)


def _date(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def action_reminders_due(*, today: date | None = None) -> dict[str, int]:
    """Tell owners that an action is due, and ask them whether it worked on its check date.

    Each date is told once: the row is claimed with a conditional update
    (``due_told_for``, ``check_asked_for``), so two workers, or a run
    repeated after a failure, never tell twice; a date that changes is told
    again. Each action is its own transaction (``isolated``), so one that
    fails is logged, tried again at the next run, and does not hold back the
    others. Returns how many were told of each.
    """
    today = today or timezone.localdate()
    counts = {"due": 0, "check": 0}
    due = Action.objects.filter(
        status__in=UNFINISHED,
        due_on__lte=today,
        due_on__gte=today - DUE_GRACE,
    ).filter(Q(due_told_for__isnull=True) | ~Q(due_told_for=F("due_on")))
    for action_id in list(due.values_list("pk", flat=True)):
        item = f"action {action_id}"
        told = isolated(lambda a=action_id: _tell_due(a), what="tell that it is due", item=item)
        counts["due"] += bool(told)
    to_check = (
        Action.objects.filter(check_on__lte=today)
        .exclude(status=ActionStatus.DROPPED)
        .filter(Q(check_result="") | Q(check_result=CheckResult.TOO_EARLY))
        .filter(Q(check_asked_for__isnull=True) | ~Q(check_asked_for=F("check_on")))
    )
    for action_id in list(to_check.values_list("pk", flat=True)):
        item = f"action {action_id}"
        asked = isolated(lambda a=action_id: _ask_check(a), what="ask whether it worked", item=item)
        counts["check"] += bool(asked)
    return counts


def _tell_due(action_id: int) -> bool:
    from marblejar.notifications.services import notify

    action = _claim(action_id, "due_told_for", "due_on")
    if action is None:
        return False
    notify(
        recipients=_asked(action),
        kind="action_due",
        url=reverse("reviews:action", args=[action.pk]),
        params={"title": action.title, "team": action.team.name, "due": _date(action.due_on)},
        team=action.team,
        organization_id=action.organization_id,
    )
    _broadcast(action, "action.due")
    return True


def _ask_check(action_id: int) -> bool:
    from marblejar.notifications.services import notify

    action = _claim(action_id, "check_asked_for", "check_on")
    if action is None:
        return False
    notify(
        recipients=_asked(action),
        kind="action_check",
        url=reverse("reviews:action", args=[action.pk]) + "#check",
        params={"title": action.title, "team": action.team.name},
        team=action.team,
        organization_id=action.organization_id,
    )
    _log(action, ActionEventKind.ASKED)
    return True


def _claim(action_id: int, told_field: str, date_field: str) -> Action | None:
    """Mark the action's date as told; None if another run already did (or it changed)."""
    claimed = (
        Action.objects.filter(pk=action_id)
        .filter(Q(**{f"{told_field}__isnull": True}) | ~Q(**{told_field: F(date_field)}))
        .update(**{told_field: F(date_field)})
    )
    if not claimed:
        return None
    return Action.objects.select_related("team", "owner").get(pk=action_id)
