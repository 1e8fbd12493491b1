"""Changes to reflections and their responses.

Each function checks permissions through :mod:`marblejar.permissions`,
validates, commits, and publishes what live clients need. The one rule that
ties this app to the jar lives in :func:`_respond`: the first respectful
response from someone else to an act of vulnerability drops a marble.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marblejar import permissions
from marblejar.coach import SEVERITIES
from marblejar.coaching.services import coach_check
from marblejar.integrations import payloads
from marblejar.integrations.events import Event
from marblejar.integrations.services import broadcast
from marblejar.jar.models import Act, Response
from marblejar.jar.services import crack_report, jar_marble_drop
from marblejar.lib import events
from marblejar.lib.text import MAX_TEXT, too_long
from marblejar.notifications.services import notify
from marblejar.reflections.models import (
    WRITABLE_KINDS,
    Comment,
    Kind,
    PracticeEntry,
    Reaction,
    ReactionKind,
    Reflection,
    ReflectionTag,
    Status,
    Tag,
)
from marblejar.teams.models import Team
from marblejar.teams.selectors import team_stream

MAX_TAGS = 8
MAX_MINUTES = 24 * 60

# What a reflection of each kind needs before it can be published.
REQUIRED_TO_PUBLISH = {
    Kind.MISTAKE: {
        "what_happened": gettext_lazy("Say what happened before you publish."),
        "correction": gettext_lazy("Say what you did to correct it: others learn from that part."),
    },
    Kind.LESSON: {"body": gettext_lazy("Write the lesson before you publish.")},
    Kind.LEARNING: {
        "skill": gettext_lazy("Name the skill you are practising."),
        "body": gettext_lazy("Say where you are with it before you publish."),
    },
    Kind.HELP: {"body": gettext_lazy("Say what you need help with before you publish.")},
    Kind.UPDATE: {"body": gettext_lazy("Write your update.")},
}


def _clean_texts(values: dict[str, str]) -> dict[str, str]:
    """Trim every text and check its length, collecting all problems at once."""
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        value = (value or "").strip()
        limit = {"title": 200, "skill": 120}.get(name, MAX_TEXT)
        if len(value) > limit:
            errors[name] = [too_long(len(value), limit)]
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_publishable(reflection: Reflection) -> None:
    errors = {
        name: [message]
        for name, message in REQUIRED_TO_PUBLISH[Kind(reflection.kind)].items()
        if not getattr(reflection, name).strip()
    }
    if errors:
        raise ValidationError(errors)


def parse_tags(raw: str | list[str]) -> list[str]:
    """ "Testing, on-call ,testing" -> ["testing", "on-call"]: lower-case, unique, in order."""
    items = raw.split(",") if isinstance(raw, str) else raw
    tags: list[str] = []
    for item in items:
        name = slugify(item.strip())[:40]
        if name and name not in tags:
            tags.append(name)
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": [_("Use at most %d tags.") % MAX_TAGS]})
    return tags


def _set_tags(reflection: Reflection, names: list[str]) -> None:
    ReflectionTag.objects.filter(reflection=reflection).delete()
    for name in names:
        tag, _created = Tag.objects.get_or_create(
            organization_id=reflection.organization_id, name=name
        )
        ReflectionTag.objects.create(
            organization_id=reflection.organization_id, reflection=reflection, tag=tag
        )


def _publish(reflection: Reflection) -> None:
    reflection.status = Status.PUBLISHED
    reflection.published_at = timezone.now()
    reflection.by_lead = reflection.team is not None and permissions.is_lead(
        reflection.author, reflection.team
    )
    reflection.save(update_fields=["status", "published_at", "by_lead"])
    if reflection.team is not None:
        events.publish(
            organization_id=reflection.organization_id,
            stream=team_stream(reflection.team),
            kind="reflection_published",
            payload={
                "reflection_id": reflection.pk,
                "kind": reflection.kind,
                "title": reflection.title,
                "author": reflection.author.display_name,
                "by_lead": reflection.by_lead,
                "parent_title": reflection.parent.title if reflection.parent else "",
            },
        )
        broadcast(
            team=reflection.team,
            event=Event.REFLECTION_PUBLISHED,
            payload=lambda: payloads.reflection(reflection),
        )


def _reflection_fields(
    *, title: str, tags: str | list[str], **texts: str
) -> tuple[dict[str, str], list[str]]:
    """The cleaned texts of a reflection (a title is always needed) and its tag names."""
    fields = _clean_texts({"title": title, **texts})
    if not fields["title"]:
        raise ValidationError({"title": [_("Give it a title.")]})
    return fields, parse_tags(tags)


@transaction.atomic
def reflection_create(
    *,
    author: Any,
    team: Team | None,
    kind: str,
    title: str,
    body: str = "",
    what_happened: str = "",
    correction: str = "",
    learned: str = "",
    next_try: str = "",
    skill: str = "",
    tags: str | list[str] = "",
    publish: bool = False,
) -> Reflection:
    """Write a reflection for ``team`` (None: the whole organization), as a draft or published.

    A draft needs only a title; publishing needs the parts its kind asks
    for (a mistake: what happened and what the author did to correct it).
    """
    permissions.require(author, "reflection.create", team or author.organization)
    if kind not in WRITABLE_KINDS:
        raise ValidationError({"kind": [_("Choose mistake, lesson, learning or ask for help.")]})
    fields, tag_names = _reflection_fields(
        title=title,
        body=body,
        what_happened=what_happened,
        correction=correction,
        learned=learned,
        next_try=next_try,
        skill=skill,
        tags=tags,
    )
    reflection = Reflection(
        organization_id=author.organization_id, team=team, author=author, kind=kind, **fields
    )
    if publish:
        _check_publishable(reflection)
    reflection.save()
    _set_tags(reflection, tag_names)
    if publish:
        _publish(reflection)
    return reflection


@transaction.atomic
def reflection_update(
    *,
    actor: Any,
    reflection: Reflection,
    title: str,
    body: str = "",
    what_happened: str = "",
    correction: str = "",
    learned: str = "",
    next_try: str = "",
    skill: str = "",
    tags: str | list[str] = "",
    publish: bool = False,
) -> Reflection:
    """Edit a reflection; ``publish`` also publishes a draft. The kind and audience stay."""
    permissions.require(actor, "reflection.edit", reflection)
    fields, tag_names = _reflection_fields(
        title=title,
        body=body,
        what_happened=what_happened,
        correction=correction,
        learned=learned,
        next_try=next_try,
        skill=skill,
        tags=tags,
    )
    for name, value in fields.items():
        setattr(reflection, name, value)
    if publish or reflection.is_published:
        _check_publishable(reflection)
    reflection.updated_at = timezone.now()
    reflection.save()
    _set_tags(reflection, tag_names)
    if publish and not reflection.is_published:
        _publish(reflection)
    return reflection


@transaction.atomic
def reflection_publish(*, actor: Any, reflection: Reflection) -> Reflection:
    permissions.require(actor, "reflection.edit", reflection)
    if reflection.is_published:
        return reflection
    _check_publishable(reflection)
    _publish(reflection)
    return reflection


@transaction.atomic
def reflection_delete(*, actor: Any, reflection: Reflection) -> None:
    """Delete a reflection with its responses. Marbles it earned stay in the jar."""
    permissions.require(actor, "reflection.delete", reflection)
    reflection.delete()


def reflection_send(*, actor: Any, reflection: Reflection, recipient: Any, note: str = "") -> None:
    """E-mail a link to the reflection to a teammate who may read it."""
    permissions.require(actor, "reflection.send", reflection)
    if recipient is None or recipient.pk == actor.pk:
        raise ValidationError({"recipient": [_("Choose a teammate to send it to.")]})
    if not permissions.can(recipient, "reflection.view", reflection):
        raise ValidationError({"recipient": [_("%s cannot see this reflection.") % recipient]})
    note = note.strip()
    if len(note) > 2000:
        raise ValidationError({"note": [too_long(len(note), 2000)]})
    context = {
        "sender": actor,
        "recipient": recipient,
        "reflection": reflection,
        "note": note,
        "url": settings.SITE_URL + reflection.get_absolute_url(),
    }
    subject = render_to_string("reflections/email/send_subject.txt", context).strip()
    body = render_to_string("reflections/email/send.txt", context)
    send_mail(subject, body, None, [recipient.email])


# Responses ------------------------------------------------------------------

ACT_OF_KIND = {
    Kind.MISTAKE: Act.MISTAKE,
    Kind.LESSON: Act.LESSON,
    Kind.LEARNING: Act.LEARNING,
    Kind.HELP: Act.HELP,
    Kind.UPDATE: Act.UPDATE,
}


def _respond(reflection: Reflection, responder: Any, response: str) -> None:
    """A respectful response to ``reflection`` arrived: drop its marble if it is the first.

    Only someone other than the author can answer vulnerability with
    respect, and only a team has a jar (organization-wide reflections have
    none).
    """
    if reflection.team is None or responder.pk == reflection.author_id:
        return
    marble = jar_marble_drop(
        team=reflection.team,
        act_key=f"reflection:{reflection.pk}",
        act=ACT_OF_KIND[Kind(reflection.kind)],
        response=response,
        act_by=reflection.author,
        response_by=responder,
        reflection=reflection,
    )
    if marble is None:
        return
    _changed(reflection, "reactions")  # the page says the act met respect
    # Both hear of it: the one who took the risk, and the one whose response
    # met it. The message names the act, never a count of anyone's.
    story = {
        "title": reflection.title,
        "team": reflection.team.name,
        "response": Response(response).label,
    }
    notify(
        recipients=[reflection.author],
        kind="reflection_marble",
        url=reflection.get_absolute_url(),
        params={**story, "actor": responder.display_name},
        team=reflection.team,
    )
    notify(
        recipients=[responder],
        kind="response_marble",
        url=reflection.get_absolute_url(),
        params={**story, "author": reflection.author.display_name if reflection.author else ""},
        team=reflection.team,
    )


def reflection_stream(reflection_id: int) -> str:
    return f"reflection:{reflection_id}"


# The parts of a reflection's page that follow its responses live.
LIVE_PARTS = ("reactions", "responses")


def _changed(reflection: Reflection, part: str) -> None:
    """Tell everyone on the reflection's page that a part changed (no content: each
    page reloads the part over HTTP, where what its reader may see is decided)."""
    assert part in LIVE_PARTS
    events.publish(
        organization_id=reflection.organization_id,
        stream=reflection_stream(reflection.pk),
        kind=f"reflection_{part}",
        payload={"reflection_id": reflection.pk},
    )


def _tell_author(reflection: Reflection, actor: Any, kind: str, **params: str) -> None:
    if reflection.author is None or actor.pk == reflection.author_id:
        return
    notify(
        recipients=[reflection.author],
        kind=kind,
        url=reflection.get_absolute_url(),
        params={"actor": actor.display_name, "title": reflection.title, **params},
        team=reflection.team,
    )


def coach_severity(text: str) -> str:
    """The most serious severity the language coach finds in ``text`` ("" for none).

    Asked of the one coaching service, so that what this installation allows
    (``MARBLEJAR_COACH_ALLOW``) never costs a comment its marble, just as it
    is never flagged while typing.
    """
    found = {f.severity for f in coach_check(text=text)}
    return next((s for s in SEVERITIES if s in found), "")


@transaction.atomic
def comment_create(
    *, author: Any, reflection: Reflection, body: str, offers_help: bool = False
) -> Comment:
    """Comment on a reflection, or offer help (a comment that says so).

    The comment is a respectful response, and may drop the reflection's
    marble, unless the language coach flags it at high severity.
    """
    permissions.require(author, "reflection.respond", reflection)
    body = body.strip()
    if not body:
        raise ValidationError(
            {
                "body": [
                    _("Say how you can help.") if offers_help else _("Write a comment first."),
                ]
            }
        )
    if len(body) > MAX_TEXT:
        raise ValidationError({"body": [too_long(len(body))]})
    severity = coach_severity(body)
    comment = Comment.objects.create(
        organization_id=reflection.organization_id,
        reflection=reflection,
        author=author,
        body=body,
        offers_help=offers_help,
        coach_severity=severity,
    )
    _tell_author(reflection, author, "reflection_comment")
    _changed(reflection, "responses")
    if severity != "high":
        _respond(reflection, author, Response.OFFER if offers_help else Response.COMMENT)
    return comment


@transaction.atomic
def comment_set_hidden(*, actor: Any, comment: Comment, hidden: bool) -> Comment:
    """The reflection's author hides a comment from their reflection (or shows it again)."""
    permissions.require(actor, "comment.hide", comment)
    comment.hidden_at = timezone.now() if hidden else None
    comment.save(update_fields=["hidden_at"])
    _changed(comment.reflection, "responses")
    return comment


def comment_report(*, actor: Any, comment: Comment, text: str = "", share_text: bool = False):
    """Report a comment as disrespectful: an anonymous crack for the team's leads."""
    permissions.require(actor, "comment.report", comment)
    return crack_report(
        actor=actor,
        team=comment.reflection.team,
        text=text,
        share_text=share_text,
        comment=comment,
    )


@transaction.atomic
def reaction_add(*, user: Any, reflection: Reflection, kind: str) -> Reaction:
    """React with one of the supportive reactions. Adding one twice changes nothing."""
    permissions.require(user, "reflection.respond", reflection)
    if kind not in ReactionKind.values:
        raise ValidationError(
            {"kind": [_("Choose thank you, me too, I learned from this, or how can I help.")]}
        )
    if user.pk == reflection.author_id:
        raise ValidationError({"kind": [_("Reactions are for what others shared.")]})
    try:
        with transaction.atomic():
            reaction = Reaction.objects.create(
                organization_id=reflection.organization_id,
                reflection=reflection,
                user=user,
                kind=kind,
            )
    except IntegrityError:
        return Reaction.objects.get(reflection=reflection, user=user, kind=kind)
    _tell_author(reflection, user, "reflection_reaction", reaction=ReactionKind(kind).label)
    _changed(reflection, "reactions")
    _respond(reflection, user, kind)
    return reaction


@transaction.atomic
def reaction_remove(*, user: Any, reflection: Reflection, kind: str) -> None:
    """Take a reaction back. A marble it dropped stays: the act did meet respect."""
    permissions.require(user, "reflection.respond", reflection)
    if Reaction.objects.filter(reflection=reflection, user=user, kind=kind).delete()[0]:
        _changed(reflection, "reactions")


# Learning in progress -------------------------------------------------------


@transaction.atomic
def practice_log(
    *, actor: Any, reflection: Reflection, practised_on: date, minutes: int, hard: str = ""
) -> PracticeEntry:
    """Log a practice session on a learning in progress (its author only)."""
    permissions.require(actor, "reflection.practice", reflection)
    errors: dict[str, list[str]] = {}
    if practised_on > timezone.localdate():
        errors["practised_on"] = [_("Log practice that has happened (today or earlier).")]
    if not 1 <= minutes <= MAX_MINUTES:
        errors["minutes"] = [_("Enter the minutes you practised, from 1 to 1,440.")]
    hard = hard.strip()
    if len(hard) > MAX_TEXT:
        errors["hard"] = [too_long(len(hard))]
    if errors:
        raise ValidationError(errors)
    return PracticeEntry.objects.create(
        organization_id=reflection.organization_id,
        reflection=reflection,
        practised_on=practised_on,
        minutes=minutes,
        hard=hard,
    )


@transaction.atomic
def learning_update_post(*, actor: Any, reflection: Reflection, body: str) -> Reflection:
    """Post an update on a learning in progress.

    An update is a reflection of its own (kind "update", with the learning
    as its parent), so that it has a permalink, comments and reactions, and
    its first respectful response drops a marble of its own.
    """
    permissions.require(actor, "reflection.practice", reflection)
    if not reflection.is_published:
        raise ValidationError(_("Publish the learning in progress before posting updates."))
    body = _clean_texts({"body": body})["body"]
    update = Reflection(
        organization_id=reflection.organization_id,
        team=reflection.team,
        author=actor,
        parent=reflection,
        kind=Kind.UPDATE,
        title=_("Update: %s") % reflection.skill,
        body=body,
    )
    _check_publishable(update)
    update.save()
    _publish(update)
    return update
