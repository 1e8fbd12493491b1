"""Writing on the board: going first, notes, the timeline, themes and votes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.reviews import selectors
from marblejar.reviews.models import (
    GoFirst,
    Note,
    NoteAuthorship,
    Phase,
    Review,
    Theme,
    TimelineEvent,
    Vote,
)
from marblejar.reviews.services.guards import (
    MAX_NOTE,
    _lock,
    _participant,
    _publish,
    _require_open,
    _require_phase,
    _text,
    _updated,
)

# Go first and notes ---------------------------------------------------------------------


@transaction.atomic
def go_first_write(*, actor: Any, review: Review, part: str, revisit: str) -> GoFirst:
    """The facilitator or a lead writes their own part, before anyone sees the notes.

    Everyone sees it as soon as it is written; it can be edited until the reveal.
    """
    _require_open(actor, "review.go_first", review)
    _lock(review)
    if review.is_revealed:
        raise ValidationError(_("The notes are revealed; going first is done."))
    errors = {}
    try:
        part = _text(
            part,
            field="part",
            required=_("Describe your own part in what happened."),
            limit=4000,
        )
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        revisit = _text(
            revisit,
            field="revisit",
            required=_("Name a decision you would revisit."),
            limit=4000,
        )
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    go_first, _created = GoFirst.objects.update_or_create(
        review=review,
        defaults={
            "organization_id": review.organization_id,
            "author": actor,
            "part": part,
            "revisit": revisit,
        },
    )
    _publish(review, "review_phase", phase=review.phase)
    return go_first


def _check_writable(review: Review) -> None:
    _require_phase(
        review,
        Phase.GO_FIRST,
        Phase.REFLECT,
        message=_("Notes can be written from the go-first phase until the reveal."),
    )


@transaction.atomic
def note_add(
    *,
    actor: Any,
    review: Review,
    text: str,
    column: str = "",
    timeline_event: TimelineEvent | None = None,
) -> Note:
    """Write a private note, in a column or on a timeline event.

    Nobody but the author sees its text until the reveal. In a review with
    anonymous notes, the note itself holds no author and no time.
    """
    _require_open(actor, "review.participate", review)
    _check_writable(review)
    text = _text(text, field="text", required=_("Write something first."), limit=MAX_NOTE)
    if timeline_event is not None:
        if timeline_event.review_id != review.pk:
            raise ValidationError({"timeline_event": [_("Choose an event of this review.")]})
        column = ""
    elif column not in review.column_keys:
        raise ValidationError({"column": [_("Choose one of the review's columns.")]})
    if not review.anonymous:
        # In an anonymous review no row that names the writer may change in
        # the same transaction as their note (they take part by having the
        # board open, which is recorded apart from what they write).
        _participant(review, actor)
    note = Note.objects.create(
        organization_id=review.organization_id,
        review=review,
        column=column,
        timeline_event=timeline_event,
        text=text,
        author=None if review.anonymous else actor,
        created_at=None if review.anonymous else timezone.now(),
    )
    if review.anonymous:
        NoteAuthorship.objects.create(
            organization_id=review.organization_id,
            review=review,
            note=note,
            author_tag=review.tag_for(actor, "note"),
        )
    _updated(review, "notes")
    return note


@transaction.atomic
def note_update(*, actor: Any, note: Note, text: str) -> Note:
    """The author edits their note (possible until the review closes)."""
    permissions.require(actor, "review.note_edit", note)
    note.text = _text(text, field="text", required=_("Write something first."), limit=MAX_NOTE)
    note.save(update_fields=["text"])
    _updated(note.review, "notes")
    return note


@transaction.atomic
def note_delete(*, actor: Any, note: Note) -> None:
    permissions.require(actor, "review.note_edit", note)
    review = note.review
    if review.is_revealed:
        raise ValidationError(_("After the reveal a note stays; you can still edit it."))
    note.delete()
    _updated(review, "notes")


@transaction.atomic
def timeline_event_add(
    *, actor: Any, review: Review, happened_at: datetime, what: str, source: str = ""
) -> TimelineEvent:
    """Add an event to an incident's timeline (until the notes are revealed)."""
    _require_open(actor, "review.participate", review)
    if not review.timeline:
        raise ValidationError(_("This review has no timeline."))
    if review.is_revealed:
        raise ValidationError(_("The timeline is fixed once the notes are revealed."))
    if happened_at is None:
        raise ValidationError({"happened_at": [_("When did it happen?")]})
    what = _text(what, field="what", required=_("Say what happened."), limit=2000)
    event = TimelineEvent.objects.create(
        organization_id=review.organization_id,
        review=review,
        happened_at=happened_at,
        what=what,
        source=(source or "").strip()[:200],
    )
    _publish(review, "review_phase", phase=review.phase)
    return event


# Grouping and voting ----------------------------------------------------------------------


@transaction.atomic
def theme_create(*, actor: Any, review: Review, title: str) -> Theme:
    _require_open(actor, "review.participate", review)
    _require_phase(review, Phase.GROUP, message=_("Themes are made in the group phase."))
    title = _text(title, field="title", required=_("Name the theme."), limit=200)
    position = selectors.themes(review=review).count()
    theme = Theme.objects.create(
        organization_id=review.organization_id, review=review, title=title, position=position
    )
    _updated(review, "themes")
    return theme


@transaction.atomic
def note_move(*, actor: Any, note: Note, theme: Theme | None) -> Note:
    """Put a revealed note into a theme (or take it out of one)."""
    review = note.review
    _require_open(actor, "review.participate", review)
    _require_phase(review, Phase.GROUP, message=_("Notes are grouped in the group phase."))
    if theme is not None and theme.review_id != review.pk:
        raise ValidationError({"theme": [_("Choose a theme of this review.")]})
    Note.objects.filter(pk=note.pk).update(theme=theme)
    note.theme = theme
    _updated(review, "themes")
    return note


def _title_from(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= 60 else words[:59].rsplit(" ", 1)[0] + "…"


@transaction.atomic
def note_to_new_theme(*, actor: Any, note: Note) -> Theme:
    """Start a new theme with ``note`` in it, named after its first words."""
    review = note.review
    _require_open(actor, "review.participate", review)
    _require_phase(review, Phase.GROUP, message=_("Notes are grouped in the group phase."))
    theme = Theme.objects.create(
        organization_id=review.organization_id,
        review=review,
        title=_title_from(note.text),
        position=selectors.themes(review=review).count(),
    )
    Note.objects.filter(pk=note.pk).update(theme=theme)
    note.theme = theme
    _updated(review, "themes")
    return theme


@transaction.atomic
def note_cluster(*, actor: Any, note: Note, onto: Note) -> Theme:
    """Drop ``note`` onto another card: into its theme, or into a new theme made of both.

    The new theme takes the first words of the card it was dropped onto as
    its title, which anyone can change by making another.
    """
    review = note.review
    _require_open(actor, "review.participate", review)
    _require_phase(review, Phase.GROUP, message=_("Notes are grouped in the group phase."))
    if onto.review_id != review.pk or onto.timeline_event_id or note.pk == onto.pk:
        raise ValidationError(_("Drop the card onto another card of this review."))
    theme = onto.theme
    if theme is None:
        theme = Theme.objects.create(
            organization_id=review.organization_id,
            review=review,
            title=_title_from(onto.text),
            position=selectors.themes(review=review).count(),
        )
        Note.objects.filter(pk=onto.pk).update(theme=theme)
    Note.objects.filter(pk=note.pk).update(theme=theme)
    note.theme = theme
    _updated(review, "themes")
    return theme


@transaction.atomic
def vote_cast(*, actor: Any, theme: Theme) -> int:
    """Put one of the actor's votes on ``theme``; returns how many they have left."""
    review = theme.review
    _require_open(actor, "review.participate", review)
    _lock(review)
    _require_phase(review, Phase.VOTE, message=_("Voting is open in the vote phase only."))
    # The review's row lock (taken above) serialises votes, so two clicks at
    # once cannot spend more votes than a person has.
    voter = review.tag_for(actor, "vote")
    used = Vote.objects.filter(review=review, voter_tag=voter).count()
    if used >= review.votes_per_person:
        raise ValidationError(
            _("You have used all %(n)s of your votes. Take one back to move it.")
            % {"n": review.votes_per_person}
        )
    Vote.objects.create(
        organization_id=review.organization_id, review=review, theme=theme, voter_tag=voter
    )
    _updated(review, "votes")
    return review.votes_per_person - used - 1


@transaction.atomic
def vote_withdraw(*, actor: Any, theme: Theme) -> int:
    review = theme.review
    _require_open(actor, "review.participate", review)
    _lock(review)
    _require_phase(review, Phase.VOTE, message=_("Voting is open in the vote phase only."))
    voter = review.tag_for(actor, "vote")
    vote = Vote.objects.filter(review=review, theme=theme, voter_tag=voter).first()
    if vote is None:
        raise ValidationError(_("You have no vote on this theme."))
    vote.delete()
    _updated(review, "votes")
    return review.votes_per_person - Vote.objects.filter(review=review, voter_tag=voter).count()
