"""Who may do what: the one place that answers "may this user do this to this object".

Every view, API endpoint and service asks :func:`can` or :func:`require`; none
re-implements a check. Rules are small functions registered by action name, so
that the permission-matrix test can enumerate them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from marblejar.accounts.models import Organization
from marblejar.teams.models import Invitation, Membership, Role, Team

Rule = Callable[[Any, Any], bool]
RULES: dict[str, Rule] = {}
# The actions whose rules consider guests (people who joined one review by
# its guest link). For every other action a guest is refused before the rule
# is asked, so that a rule written for members can never let a guest in by
# accident (``org.view``, an organization-wide reflection, ...).
GUEST_ACTIONS: set[str] = set()


def rule(action: str, *, guests: bool = False) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        RULES[action] = func
        if guests:
            GUEST_ACTIONS.add(action)
        return func

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    """True if ``user`` may perform ``action`` on ``obj``.

    Anonymous and inactive users may do nothing; objects of another
    organization are never reachable, whatever the rule says.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.organization_id is None:
        return False
    org_id = organization_id_of(obj)
    if org_id is not None and org_id != user.organization_id:
        return False
    if getattr(user, "is_guest", False) and action not in GUEST_ACTIONS:
        return False
    return RULES[action](user, obj)


def require(user: Any, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(_("You do not have permission to do that."))


def organization_id_of(obj: Any) -> int | None:
    if obj is None:
        return None
    if isinstance(obj, Organization):
        return obj.pk
    return getattr(obj, "organization_id", None)


def role_in(user: Any, team: Team) -> str | None:
    """The user's role in ``team``, cached on the user object for the request."""
    cache: dict[int, str | None] = user.__dict__.setdefault("_team_roles", {})
    if team.pk not in cache:
        cache[team.pk] = (
            Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()
        )
    return cache[team.pk]


def remember_role(user: Any, team: Team, role: str | None) -> None:
    """Record ``user``'s role in ``team``, read along with something else, for the request."""
    user.__dict__.setdefault("_team_roles", {})[team.pk] = role


def is_member(user: Any, team: Team) -> bool:
    return role_in(user, team) is not None


def is_lead(user: Any, team: Team) -> bool:
    return role_in(user, team) == Role.LEAD


def guest_review_id(user: Any) -> int | None:
    """The review a guest takes part in; None for everyone else, and once their part ended.

    Cached on the user object for the request, like the roles.
    """
    if not getattr(user, "is_guest", False):
        return None
    if "_guest_review_id" not in user.__dict__:
        from marblejar.reviews.models import Guest

        user.__dict__["_guest_review_id"] = (
            Guest.objects.filter(user_id=user.pk, ended_at=None)
            .values_list("review_id", flat=True)
            .first()
        )
    return user.__dict__["_guest_review_id"]


# Organization ---------------------------------------------------------------


@rule("org.view")
def _org_view(user: Any, org: Organization) -> bool:
    return True


@rule("org.manage")
def _org_manage(user: Any, org: Organization) -> bool:
    return user.is_org_admin


@rule("team.create")
def _team_create(user: Any, org: Organization) -> bool:
    return user.is_org_admin


@rule("org.invite")
def _org_invite(user: Any, org: Organization) -> bool:
    return user.is_org_admin


@rule("org.export")
def _org_export(user: Any, org: Organization) -> bool:
    return user.is_org_admin


# Teams ----------------------------------------------------------------------


@rule("team.view")
def _team_view(user: Any, team: Team) -> bool:
    # An org admin can open every team's page to set it up (add leads),
    # but sees only what any member sees there.
    return user.is_org_admin or is_member(user, team)


@rule("team.events")
def _team_events(user: Any, team: Team) -> bool:
    return _team_view(user, team)


@rule("team.edit")
def _team_edit(user: Any, team: Team) -> bool:
    return user.is_org_admin or is_lead(user, team)


@rule("team.export")
def _team_export(user: Any, team: Team) -> bool:
    return user.is_org_admin or is_lead(user, team)


@rule("team.delete")
def _team_delete(user: Any, team: Team) -> bool:
    return user.is_org_admin


@rule("team.invite")
def _team_invite(user: Any, team: Team) -> bool:
    return user.is_org_admin or is_lead(user, team)


@rule("team.join")
def _team_join(user: Any, team: Team) -> bool:
    # Org admins can add themselves to a team they set up; others need an invitation.
    return user.is_org_admin and not is_member(user, team)


# Memberships ----------------------------------------------------------------


@rule("membership.remove")
def _membership_remove(user: Any, membership: Membership) -> bool:
    if membership.user_id == user.pk:
        return True  # leaving a team is always allowed (the service guards the last lead)
    return user.is_org_admin or is_lead(user, membership.team)


@rule("membership.change_role")
def _membership_change_role(user: Any, membership: Membership) -> bool:
    return user.is_org_admin or is_lead(user, membership.team)


# Invitations ----------------------------------------------------------------


@rule("invitation.revoke")
def _invitation_revoke(user: Any, invitation: Invitation) -> bool:
    if invitation.team_id is None:
        return user.is_org_admin
    return user.is_org_admin or is_lead(user, invitation.team)


@rule("invitation.view")
def _invitation_view(user: Any, invitation: Invitation) -> bool:
    return _invitation_revoke(user, invitation)


# Reflections and the marble jar ----------------------------------------------
#
# A reflection is for its team (members, and org admins who can open any
# team's page) or, without a team, for everyone in the organization. Drafts
# are the author's alone. Responding (comments, reactions, offers of help)
# is for the people the reflection was written for: members of its team.


def _team_or_org_member(user: Any, team: Team | None) -> bool:
    return True if team is None else is_member(user, team)


@rule("reflection.create")
def _reflection_create(user: Any, target: Team | Organization) -> bool:
    # ``target`` is the team, or the organization for an org-wide reflection.
    return isinstance(target, Organization) or is_member(user, target)


@rule("reflection.view")
def _reflection_view(user: Any, reflection: Any) -> bool:
    if reflection.author_id == user.pk:
        return True
    if reflection.status != "published":
        return False
    return reflection.team is None or _team_view(user, reflection.team)


@rule("reflection.edit")
def _reflection_edit(user: Any, reflection: Any) -> bool:
    return reflection.author_id == user.pk


@rule("reflection.delete")
def _reflection_delete(user: Any, reflection: Any) -> bool:
    return reflection.author_id == user.pk


@rule("reflection.respond")
def _reflection_respond(user: Any, reflection: Any) -> bool:
    return reflection.status == "published" and _team_or_org_member(user, reflection.team)


@rule("reflection.send")
def _reflection_send(user: Any, reflection: Any) -> bool:
    return reflection.status == "published" and _reflection_view(user, reflection)


@rule("reflection.practice")
def _reflection_practice(user: Any, reflection: Any) -> bool:
    # Logging practice and posting updates belong to the learner.
    return reflection.author_id == user.pk and reflection.kind == "learning"


@rule("comment.hide")
def _comment_hide(user: Any, comment: Any) -> bool:
    return comment.reflection.author_id == user.pk


@rule("comment.report")
def _comment_report(user: Any, comment: Any) -> bool:
    # A report is a crack: for the people the reflection was written for, about
    # what someone else wrote. An anonymous report of one's own comment would
    # send the leads after a culprit who is the reporter.
    return comment.author_id != user.pk and _reflection_respond(user, comment.reflection)


@rule("jar.view")
def _jar_view(user: Any, team: Team) -> bool:
    return _team_view(user, team)


@rule("marble.drop")
def _marble_drop(user: Any, team: Team) -> bool:
    return is_member(user, team)


@rule("marble.remove")
def _marble_remove(user: Any, marble: Any) -> bool:
    # Only a marble dropped by hand can be taken out: by whoever dropped it,
    # or by the person it names, who may not want it there.
    if marble.act != "offline":
        return False
    return user.pk in (marble.dropped_by_id, marble.act_by_id)


@rule("crack.report")
def _crack_report(user: Any, target: Team | Organization) -> bool:
    return isinstance(target, Organization) or is_member(user, target)


@rule("crack.acknowledge")
def _crack_acknowledge(user: Any, crack: Any) -> bool:
    # The team's leads; for a report about something organization-wide, the org admins.
    if crack.team is None:
        return user.is_org_admin
    return is_lead(user, crack.team)


@rule("crack.read")
def _crack_read(user: Any, crack: Any) -> bool:
    """May read what the reporter wrote: those who must act on it, or all if they allowed it."""
    if _crack_acknowledge(user, crack):
        return True
    return crack.share_text and (crack.team is None or _team_view(user, crack.team))


# Reviews --------------------------------------------------------------------
#
# A learning review belongs to its team: its members take part and see it.
# An org admin who is not in the team does not see the team's reviews (what
# people say in them is for the people in the room); they can join the team.
# The facilitator, or any lead of the team, runs the review.
#
# A guest (someone who joined by the review's guest link) takes part in that
# one review like a member, while it is open; nothing else. Only the rules
# marked ``guests=True`` ever see a guest (see ``can``).


def takes_part(user: Any, review: Any) -> bool:
    """A member of the review's team, or a guest of this very review."""
    if getattr(user, "is_guest", False):
        return review.phase != "closed" and guest_review_id(user) == review.pk
    return is_member(user, review.team)


@rule("review.list")
def _review_list(user: Any, team: Team) -> bool:
    return is_member(user, team)


@rule("review.create")
def _review_create(user: Any, team: Team) -> bool:
    return is_member(user, team)


@rule("review.view", guests=True)
def _review_view(user: Any, review: Any) -> bool:
    return takes_part(user, review)


@rule("review.participate", guests=True)
def _review_participate(user: Any, review: Any) -> bool:
    return review.phase != "closed" and takes_part(user, review)


@rule("review.facilitate")
def _review_facilitate(user: Any, review: Any) -> bool:
    if review.phase == "closed" or not is_member(user, review.team):
        return False
    return review.facilitator_id == user.pk or is_lead(user, review.team)


@rule("review.reschedule")
def _review_reschedule(user: Any, review: Any) -> bool:
    # Who may change when an asynchronous review closes: the people who run
    # it. Whether it still can (open, asynchronous) is the service's answer,
    # so that a facilitator whose review just closed is told so, not refused.
    if not is_member(user, review.team):
        return False
    return review.facilitator_id == user.pk or is_lead(user, review.team)


@rule("review.guest_link")
def _review_guest_link(user: Any, review: Any) -> bool:
    # Whoever runs the review shares (and revokes) its guest link.
    return _review_facilitate(user, review)


@rule("review.go_first")
def _review_go_first(user: Any, review: Any) -> bool:
    return _review_facilitate(user, review)


@rule("review.note_edit", guests=True)
def _review_note_edit(user: Any, note: Any) -> bool:
    from marblejar.reviews.selectors import is_note_author

    if note.review.phase == "closed" or not takes_part(user, note.review):
        return False
    return is_note_author(user=user, note=note)


@rule("review.intent_edit")
def _review_intent_edit(user: Any, team: Team) -> bool:
    return is_lead(user, team)


@rule("review.template_create")
def _review_template_create(user: Any, team: Team) -> bool:
    return is_member(user, team)


@rule("review.action_update")
def _review_action_update(user: Any, action: Any) -> bool:
    # An action is the team's: anyone in it moves it on, edits it, or says
    # whether it worked (the owner is the one asked, not the only one allowed).
    return is_member(user, action.team)


@rule("review.action_add")
def _review_action_add(user: Any, team: Team) -> bool:
    return is_member(user, team)


# Pulses ---------------------------------------------------------------------
#
# A team's pulses are for its members (and org admins, who see what members
# see). Leads schedule them and see results first; the team sees results once
# the lead has published them (or they published themselves after the
# response period). Nobody may see individual answers: there is no rule for it.


@rule("pulse.view")
def _pulse_view(user: Any, team: Team) -> bool:
    return _team_view(user, team)


@rule("pulse.create")
def _pulse_create(user: Any, team: Team) -> bool:
    return is_lead(user, team)


@rule("pulse.answer")
def _pulse_answer(user: Any, pulse: Any) -> bool:
    return is_member(user, pulse.team)


@rule("pulse.manage")
def _pulse_manage(user: Any, pulse: Any) -> bool:
    # Close early, respond to and publish results.
    return is_lead(user, pulse.team)


@rule("pulse.results")
def _pulse_results(user: Any, pulse: Any) -> bool:
    if pulse.published_at is not None:
        return _team_view(user, pulse.team)
    return pulse.closed_at is not None and is_lead(user, pulse.team)


@rule("pulse.overview")
def _pulse_overview(user: Any, org: Organization) -> bool:
    return user.is_org_admin


@rule("pulse.settings")
def _pulse_settings(user: Any, org: Organization) -> bool:
    return user.is_org_admin


# Insights -------------------------------------------------------------------


@rule("insights.team")
def _insights_team(user: Any, team: Team) -> bool:
    # Team figures only, as the team's published pages show them: whoever may
    # open the team's page and its published pulse results.
    return _team_view(user, team)


@rule("insights.organization")
def _insights_organization(user: Any, org: Organization) -> bool:
    return user.is_org_admin
