"""Who may write, read and respond to reflections, and hide or report comments.

A reflection is for its team (members, and org admins who can open any
team's page) or, without a team, for everyone in the organization. Drafts
are the author's alone. Responding (comments, reactions, offers of help)
is for the people the reflection was written for: members of its team.
"""

from __future__ import annotations

from marblejar.accounts.models import Organization, User
from marblejar.permissions import is_member, rule
from marblejar.reflections.models import Comment, Kind, Reflection, Status
from marblejar.teams.models import Team
from marblejar.teams.rules import team_view


def _team_or_org_member(user: User, team: Team | None) -> bool:
    return True if team is None else is_member(user, team)


@rule("reflection.create")
def reflection_create(user: User, target: Team | Organization) -> bool:
    # ``target`` is the team, or the organization for an org-wide reflection.
    return isinstance(target, Organization) or is_member(user, target)


@rule("reflection.view")
def reflection_view(user: User, reflection: Reflection) -> bool:
    if reflection.author_id == user.pk:
        return True
    if reflection.status != Status.PUBLISHED:
        return False
    return reflection.team is None or team_view(user, reflection.team)


@rule("reflection.edit")
def reflection_edit(user: User, reflection: Reflection) -> bool:
    return reflection.author_id == user.pk


@rule("reflection.delete")
def reflection_delete(user: User, reflection: Reflection) -> bool:
    return reflection.author_id == user.pk


@rule("reflection.respond")
def reflection_respond(user: User, reflection: Reflection) -> bool:
    return reflection.status == Status.PUBLISHED and _team_or_org_member(user, reflection.team)


@rule("reflection.send")
def reflection_send(user: User, reflection: Reflection) -> bool:
    return reflection.status == Status.PUBLISHED and reflection_view(user, reflection)


@rule("reflection.practice")
def reflection_practice(user: User, reflection: Reflection) -> bool:
    # Logging practice and posting updates belong to the learner.
    return reflection.author_id == user.pk and reflection.kind == Kind.LEARNING


@rule("comment.hide")
def comment_hide(user: User, comment: Comment) -> bool:
    return comment.reflection.author_id == user.pk


@rule("comment.report")
def comment_report(user: User, comment: Comment) -> bool:
    # A report is a crack: for the people the reflection was written for, about
    # what someone else wrote. An anonymous report of one's own comment would
    # send the leads after a culprit who is the reporter.
    return comment.author_id != user.pk and reflection_respond(user, comment.reflection)
