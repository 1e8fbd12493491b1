"""Who may see, take part in and run a learning review, and its improvement actions.

A learning review belongs to its team: its members take part and see it.
An org admin who is not in the team does not see the team's reviews (what
people say in them is for the people in the room); they can join the team.
The facilitator, or any lead of the team, runs the review.

A guest (someone who joined by the review's guest link, see
``reviews/services/guests.py``) takes part in that one review like a member,
while it is open; nothing else. Only the rules marked ``guests=True`` ever
see a guest (``permissions.can`` refuses them every other action).
"""

from __future__ import annotations

from marblejar.accounts.models import User
from marblejar.permissions import is_lead, is_member, rule
from marblejar.reviews.models import Action, Guest, Note, Phase, Review
from marblejar.reviews.selectors import is_note_author
from marblejar.teams.models import Team


def guest_review_id(user: User) -> int | None:
    """The review a guest takes part in; None for everyone else, and once their part ended.

    Cached on the user object for the request, like the roles.
    """
    if not user.is_guest:
        return None
    if "_guest_review_id" not in user.__dict__:
        user.__dict__["_guest_review_id"] = (
            Guest.objects.filter(user_id=user.pk, ended_at=None)
            .values_list("review_id", flat=True)
            .first()
        )
    return user.__dict__["_guest_review_id"]


def takes_part(user: User, review: Review) -> bool:
    """A member of the review's team, or a guest of this very review while it is open."""
    if user.is_guest:
        return review.phase != Phase.CLOSED and guest_review_id(user) == review.pk
    return is_member(user, review.team)


@rule("review.list")
def review_list(user: User, team: Team) -> bool:
    return is_member(user, team)


@rule("review.create")
def review_create(user: User, team: Team) -> bool:
    return is_member(user, team)


@rule("review.view", guests=True)
def review_view(user: User, review: Review) -> bool:
    return takes_part(user, review)


@rule("review.participate", guests=True)
def review_participate(user: User, review: Review) -> bool:
    return review.phase != Phase.CLOSED and takes_part(user, review)


@rule("review.facilitate")
def review_facilitate(user: User, review: Review) -> bool:
    if review.phase == Phase.CLOSED or not is_member(user, review.team):
        return False
    return review.facilitator_id == user.pk or is_lead(user, review.team)


@rule("review.reschedule")
def review_reschedule(user: User, review: Review) -> bool:
    # Who may change when an asynchronous review closes: the people who run
    # it. Whether it still can (open, asynchronous) is the service's answer,
    # so that a facilitator whose review just closed is told so, not refused.
    if not is_member(user, review.team):
        return False
    return review.facilitator_id == user.pk or is_lead(user, review.team)


@rule("review.guest_link")
def review_guest_link(user: User, review: Review) -> bool:
    # Whoever runs the review shares (and revokes) its guest link.
    return review_facilitate(user, review)


@rule("review.go_first")
def review_go_first(user: User, review: Review) -> bool:
    return review_facilitate(user, review)


@rule("review.note_edit", guests=True)
def review_note_edit(user: User, note: Note) -> bool:
    if note.review.phase == Phase.CLOSED or not takes_part(user, note.review):
        return False
    return is_note_author(user=user, note=note)


@rule("review.intent_edit")
def review_intent_edit(user: User, team: Team) -> bool:
    return is_lead(user, team)


@rule("review.template_create")
def review_template_create(user: User, team: Team) -> bool:
    return is_member(user, team)


@rule("review.action_update")
def review_action_update(user: User, action: Action) -> bool:
    # An action is the team's: anyone in it moves it on, edits it, or says
    # whether it worked (the owner is the one asked, not the only one allowed).
    return is_member(user, action.team)


@rule("review.action_add")
def review_action_add(user: User, team: Team) -> bool:
    return is_member(user, team)
