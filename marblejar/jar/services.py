"""Changes to the marble jar: marbles dropped and removed, cracks reported and acknowledged.

Each function checks permissions (except :func:`jar_marble_drop`, which other
features call once they have decided that an act met a respectful
response), commits, and publishes the jar's new state to the team page.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.jar.models import CRACK_TEXT_MAX, Act, Crack, CrackInbox, Marble, Response
from marblejar.jar.selectors import jar_state
from marblejar.lib import events, sealing
from marblejar.lib.clock import isolated
from marblejar.lib.dates import day
from marblejar.lib.scrub import forget_after_commit
from marblejar.lib.text import MAX_TEXT, too_long
from marblejar.teams.models import Role, Team
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
    _broadcast_marble(marble)
    return marble


def _broadcast_marble(marble: Marble) -> None:
    """Tell the team's chat or webhook: the act and how it was met, no names."""
    from marblejar.integrations import payloads
    from marblejar.integrations.events import Event
    from marblejar.integrations.services import broadcast

    broadcast(team=marble.team, event=Event.MARBLE_DROPPED, payload=lambda: payloads.marble(marble))


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
    _broadcast_marble(marble)
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


@dataclass(frozen=True)
class CrackReceipt:
    """What the reporter is told: when the crack reaches the people who acknowledge it."""

    visible_on: date


INBOX_NAMESPACE = "marblejar.jar.crack-inbox."
# A record: the text (up to CRACK_TEXT_MAX characters of up to 4 bytes) in JSON.
INBOX_SLOT = CRACK_TEXT_MAX * 4 + 200
_random = secrets.SystemRandom()


@transaction.atomic
def crack_report(
    *,
    actor: Any,
    team: Team | None,
    text: str,
    share_text: bool = False,
    comment: Any = None,
) -> CrackReceipt:
    """Report, anonymously, that something felt disrespectful.

    ``actor`` is used to check that they may report, and for nothing else.
    The report is sealed into the day's inbox of the team (or organization);
    when the day is over, the day's reports become cracks together, in a
    random order, with the day and no time (:func:`crack_release_due`). So
    neither what is stored nor when a lead first sees it says when someone
    reported, and nothing says who.
    """
    permissions.require(actor, "crack.report", _crack_target(actor, team))
    text = _clean_text(
        text,
        field="text",
        required=None if comment is not None else _("Say what felt disrespectful."),
    )
    if len(text) > CRACK_TEXT_MAX:
        raise ValidationError({"text": [too_long(len(text), CRACK_TEXT_MAX)]})
    record = {
        "text": text,
        "share_text": share_text and bool(text),
        "comment_id": comment.pk if comment is not None else None,
    }
    today = timezone.localdate()
    inbox = (
        CrackInbox.objects.select_for_update()
        .filter(organization_id=actor.organization_id, team=team, day=today)
        .first()
    ) or CrackInbox(organization_id=actor.organization_id, team=team, day=today)
    records = _unseal_inbox(inbox)
    records.append(record)
    _random.shuffle(records)
    inbox.sealed = sealing.seal_records(
        (json.dumps(r).encode() for r in records), slot=INBOX_SLOT, namespace=INBOX_NAMESPACE
    )
    inbox.save()
    # No live event, no e-mail and no queued task now: each would record when
    # the reporter was active. The day's reports reach the leads together,
    # released by the nightly task (marblejar/jar/tasks.py) or the first page
    # that shows cracks after midnight.
    return CrackReceipt(visible_on=today + timedelta(days=1))


def _unseal_inbox(inbox: CrackInbox) -> list[dict[str, Any]]:
    if inbox.pk is None:
        return []
    raw = sealing.unseal_records(inbox.sealed, slot=INBOX_SLOT, namespace=INBOX_NAMESPACE)
    return [json.loads(r) for r in raw]


def crack_release_due(*, today: date | None = None) -> int:
    """Turn the sealed reports of every day that is over into cracks; returns how many.

    Safe to call any number of times: the task queue calls it after
    midnight, and pages that show cracks call it when an inbox is overdue.
    """
    today = today or timezone.localdate()
    released = 0
    for inbox_id in CrackInbox.objects.filter(day__lt=today).values_list("pk", flat=True):
        released += isolated(lambda i=inbox_id: _release(i), what="release", item=inbox_id) or 0
    return released


def cracks_catch_up() -> None:
    """Release what is due if the task queue has not yet: pages that show cracks call this.

    Costs one indexed query when nothing is due.
    """
    from marblejar.jar.selectors import cracks_waiting_for_release

    if cracks_waiting_for_release():
        crack_release_due()


@transaction.atomic
def _release(inbox_id: int) -> int:
    inbox = CrackInbox.objects.select_for_update().filter(pk=inbox_id).first()
    if inbox is None:
        return 0  # another process released it
    records = _unseal_inbox(inbox)
    _random.shuffle(records)
    comments = set(
        apps.get_model("reflections", "Comment")
        .objects.filter(pk__in=[r["comment_id"] for r in records if r["comment_id"]])
        .values_list("pk", flat=True)
    )
    Crack.objects.bulk_create(
        Crack(
            organization_id=inbox.organization_id,
            team_id=inbox.team_id,
            text=r["text"],
            share_text=r["share_text"],
            comment_id=r["comment_id"] if r["comment_id"] in comments else None,
            reported_on=inbox.day,
        )
        for r in records
    )
    inbox.delete()
    forget_after_commit(tables=[Crack._meta.db_table], rewrite=[CrackInbox._meta.db_table])
    if records:
        _tell_who_acknowledges(inbox)
    return len(records)


def _tell_who_acknowledges(inbox: CrackInbox) -> None:
    """The day's cracks have arrived: the team's leads (or the org admins) hear of it.

    Nothing about who reported: the message names the team and the day.
    """
    from marblejar.accounts.models import User
    from marblejar.notifications.services import notify

    if inbox.team_id is not None:
        team = Team.objects.get(pk=inbox.team_id)
        _publish_jar(team=team, kind="cracks_released")
        people = User.objects.filter(
            memberships__team=team, memberships__role=Role.LEAD, is_active=True
        )
        url, name = reverse("jar:cracks", args=[team.slug]), team.name
    else:
        team = None
        people = User.objects.filter(
            organization_id=inbox.organization_id, is_org_admin=True, is_active=True
        )
        url, name = reverse("jar:organization_cracks"), _("the organization")
    notify(
        recipients=list(people),
        kind="cracks_waiting",
        url=url,
        params={"team": name, "day": day(inbox.day)},
        team=team,
        organization_id=inbox.organization_id,
    )


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
        _tell_the_team_a_crack_was_heard(crack=crack, actor=actor)
    return crack


def _tell_the_team_a_crack_was_heard(*, crack: Crack, actor: Any) -> None:
    """The person who reported a crack hears back, and so does everyone who could have.

    Nothing stored links a crack to who reported it, so they cannot be told
    alone without a link that would say who they are. The whole team hears
    instead (everyone but the lead who acknowledged it): what the team page
    already shows: a crack of that day acknowledged, and beside it what the
    lead will do if they wrote it. A crack about something shared with the whole
    organization tells nobody: the organization's cracks page shows it, and
    a notice to every person in the organization about each one would be
    noise.
    """
    from marblejar.accounts.models import User
    from marblejar.notifications.services import notify

    team = crack.team
    assert team is not None
    people = User.objects.filter(memberships__team=team, is_active=True).exclude(pk=actor.pk)
    notify(
        recipients=list(people.distinct()),
        kind="crack_acknowledged",
        url=f"{reverse('jar:cracks', args=[team.slug])}#crack-{crack.pk}",
        params={"team": team.name, "day": day(crack.reported_on)},
        team=team,
        organization_id=crack.organization_id,
    )
