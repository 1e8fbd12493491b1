"""Changes to the marble jar: marbles dropped and removed, cracks reported and acknowledged.

Each function checks permissions (except :func:`jar_marble_drop`, which other
features call once they have decided that an act met a respectful
response), commits, and publishes the jar's new state to the team page.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.jar.models import Act, Crack, Marble, Response
from marblejar.jar.selectors import jar_state
from marblejar.lib import events
from marblejar.lib.text import MAX_TEXT, too_long
from marblejar.teams.models import Team
from marblejar.teams.selectors import team_stream


def _publish_jar(*, team: Team, kind: str, extra: dict[str, Any] | None = None) -> None:
    """Send the jar's new state to everyone on the team page.

    The state is computed when the transaction commits, so that two drops
    committing close together both end with the right count.
    """

    def send() -> None:
        events.publish(
            organization_id=team.organization_id,
            stream=team_stream(team),
            kind=kind,
            payload={
                "team_id": team.pk,
                "team_slug": team.slug,
                **jar_state(team=team),
                **(extra or {}),
            },
        )

    transaction.on_commit(send)


def _clean_text(value: str, *, field: str, required: str | None) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationError({field: [required]})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: [too_long(len(value))]})
    return value


def jar_marble_drop(
    *,
    team: Team,
    act_key: str,
    act: str,
    response: str,
    act_by: Any = None,
    response_by: Any = None,
    reflection: Any = None,
) -> Marble | None:
    """Drop a marble for ``act_key`` unless that act already has one.

    Precondition: the caller has decided that the act met its first
    respectful response from someone other than the person who took the
    risk. Returns the new marble, or None when the act had one already
    (one marble per act, even when two responses race).
    """
    try:
        with transaction.atomic():
            marble = Marble.objects.create(
                organization_id=team.organization_id,
                team=team,
                act_key=act_key,
                act=act,
                response=response,
                act_by=act_by,
                response_by=response_by,
                reflection=reflection,
            )
    except IntegrityError:
        return None
    _publish_jar(team=team, kind="marble_dropped", extra=_marble_story(marble))
    return marble


def _marble_story(marble: Marble) -> dict[str, Any]:
    """What a live announcement of a marble needs (names, not ids, so no lookup is needed)."""
    return {
        "act": marble.act,
        "act_by": marble.act_by.display_name if marble.act_by else "",
        "response": marble.response,
        "response_by": marble.response_by.display_name if marble.response_by else "",
    }


@transaction.atomic
def marble_drop_by_hand(
    *, actor: Any, team: Team, description: str, named_user: Any = None
) -> Marble:
    """Drop a marble for something that happened away from Marblejar.

    ``named_user`` is the teammate who took the risk; they are told, and may
    take the marble out again.
    """
    permissions.require(actor, "marble.drop", team)
    description = _clean_text(
        description,
        field="description",
        required=_("Say what happened: who took a risk, and how the team met it."),
    )
    if named_user is not None and not permissions.is_member(named_user, team):
        raise ValidationError({"named_user": [_("Choose someone in this team.")]})
    marble = Marble.objects.create(
        organization_id=team.organization_id,
        team=team,
        act_key=f"manual:{uuid.uuid4().hex}",
        act=Act.OFFLINE,
        response=Response.OFFLINE,
        act_by=named_user,
        dropped_by=actor,
        description=description,
        named_seen_at=timezone.now() if named_user in (None, actor) else None,
    )
    _publish_jar(team=team, kind="marble_dropped", extra=_marble_story(marble))
    return marble


@transaction.atomic
def marble_remove(*, actor: Any, marble: Marble) -> None:
    permissions.require(actor, "marble.remove", marble)
    team = marble.team
    marble.delete()
    _publish_jar(team=team, kind="marble_removed")


@transaction.atomic
def marble_keep(*, actor: Any, marble: Marble) -> Marble:
    """The person a marble names has seen it and is happy for it to stay."""
    if marble.act_by_id != actor.pk:
        raise PermissionDenied(_("Only the person this marble names can do that."))
    marble.named_seen_at = timezone.now()
    marble.save(update_fields=["named_seen_at"])
    return marble


# Cracks ---------------------------------------------------------------------


def _crack_target(actor: Any, team: Team | None) -> Any:
    return team if team is not None else actor.organization


@transaction.atomic
def crack_report(
    *,
    actor: Any,
    team: Team | None,
    text: str,
    share_text: bool = False,
    comment: Any = None,
) -> Crack:
    """Report, anonymously, that something felt disrespectful.

    ``actor`` is used to check that they may report, and for nothing else:
    the crack stores no reporter, only the day, under a random id. The
    team's leads (the org admins for something organization-wide) find it
    waiting for them on the team page.
    """
    permissions.require(actor, "crack.report", _crack_target(actor, team))
    text = _clean_text(
        text,
        field="text",
        required=None if comment is not None else _("Say what felt disrespectful."),
    )
    crack = Crack.objects.create(
        organization_id=actor.organization_id,
        team=team,
        text=text,
        share_text=share_text and bool(text),
        comment=comment,
    )
    # No live event and no e-mail: their exact time would say when the
    # reporter was active. The leads see open cracks on the team page.
    return crack


@transaction.atomic
def crack_acknowledge(*, actor: Any, crack: Crack, response: str = "") -> Crack:
    """A lead says they have seen the crack (and, if they like, what they will do)."""
    permissions.require(actor, "crack.acknowledge", crack)
    if crack.is_acknowledged:
        raise ValidationError(_("This crack has already been acknowledged."))
    crack.response = _clean_text(response, field="response", required=None)
    crack.acknowledged_at = timezone.now()
    crack.acknowledged_by = actor
    crack.save(update_fields=["response", "acknowledged_at", "acknowledged_by"])
    if crack.team is not None:
        _publish_jar(team=crack.team, kind="crack_acknowledged")
    return crack
