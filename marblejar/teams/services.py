"""Changes to teams, memberships and invitations.

Each function checks permissions, commits, and publishes what live clients
need to know. Views, the API and commands call these; none re-implements them.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.lib import events
from marblejar.lib.dates import day
from marblejar.teams.models import Invitation, Membership, Role, Team, hash_invitation_token
from marblejar.teams.selectors import team_stream

logger = logging.getLogger(__name__)


def _unique_slug(organization_id: int, name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:70] or "team"
    slug, n = base, 2
    taken = Team.objects.filter(organization_id=organization_id)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the team a name.")})
    if len(name) > 80:
        raise ValidationError({"name": _("Keep the name to 80 characters or fewer.")})
    return name


@transaction.atomic
def team_create(*, actor: Any, name: str, description: str = "", join_as_lead: bool = True) -> Team:
    """Create a team in the actor's organization; the creator becomes its first lead."""
    permissions.require(actor, "team.create", actor.organization)
    name = _clean_name(name)
    if Team.objects.filter(organization_id=actor.organization_id, name__iexact=name).exists():
        raise ValidationError({"name": _("There is already a team called “%s”.") % name})
    team = Team.objects.create(
        organization_id=actor.organization_id,
        name=name,
        slug=_unique_slug(actor.organization_id, name),
        description=description.strip(),
    )
    if join_as_lead:
        _membership_add(team=team, user=actor, role=Role.LEAD)
    return team


@transaction.atomic
def team_update(*, actor: Any, team: Team, name: str, description: str) -> Team:
    permissions.require(actor, "team.edit", team)
    name = _clean_name(name)
    duplicate = Team.objects.filter(
        organization_id=team.organization_id, name__iexact=name
    ).exclude(pk=team.pk)
    if duplicate.exists():
        raise ValidationError({"name": _("There is already a team called “%s”.") % name})
    team.name = name
    team.description = description.strip()
    team.save(update_fields=["name", "description"])
    return team


@transaction.atomic
def team_delete(*, actor: Any, team: Team) -> None:
    permissions.require(actor, "team.delete", team)
    team.delete()


def _membership_add(*, team: Team, user: Any, role: str) -> Membership:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                organization_id=team.organization_id, team=team, user=user, role=role
            )
    except IntegrityError:
        raise ValidationError(_("%s is already in this team.") % user.display_name) from None
    events.publish(
        organization_id=team.organization_id,
        stream=team_stream(team),
        kind="member_joined",
        payload={
            "team_id": team.pk,
            "membership_id": membership.pk,
            "user_id": user.pk,
            "display_name": user.display_name,
            "role": role,
        },
    )
    return membership


@transaction.atomic
def team_join(*, actor: Any, team: Team, role: str = Role.LEAD) -> Membership:
    """An org admin adds themselves to a team they set up."""
    permissions.require(actor, "team.join", team)
    return _membership_add(team=team, user=actor, role=role)


def _leads_left(team: Team, without: Membership) -> int:
    return Membership.objects.filter(team=team, role=Role.LEAD).exclude(pk=without.pk).count()


@transaction.atomic
def membership_remove(*, actor: Any, membership: Membership) -> None:
    """Remove someone from a team, or leave it yourself.

    A team is never left without a lead while it still has members: the last
    lead hands over first (or the org admin appoints one).
    """
    permissions.require(actor, "membership.remove", membership)
    team = membership.team
    others = Membership.objects.filter(team=team).exclude(pk=membership.pk)
    if membership.is_lead and others.exists() and _leads_left(team, membership) == 0:
        raise ValidationError(
            _("A team needs a lead. Make someone else a lead before %s leaves.")
            % membership.user.display_name
        )
    membership.delete()
    events.publish(
        organization_id=team.organization_id,
        stream=team_stream(team),
        kind="member_left",
        payload={"team_id": team.pk, "user_id": membership.user_id},
    )


@transaction.atomic
def membership_set_role(*, actor: Any, membership: Membership, role: str) -> Membership:
    permissions.require(actor, "membership.change_role", membership)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose lead or member.")})
    if membership.is_lead and role != Role.LEAD and _leads_left(membership.team, membership) == 0:
        raise ValidationError(_("A team needs a lead. Make someone else a lead first."))
    membership.role = role
    membership.save(update_fields=["role"])
    team = membership.team
    events.publish(
        organization_id=team.organization_id,
        stream=team_stream(team),
        kind="member_role",
        payload={"team_id": team.pk, "membership_id": membership.pk, "role": role},
    )
    return membership


# Invitations ----------------------------------------------------------------


def invitation_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("accounts:join", args=[raw_token])


def invitation_create(
    *,
    actor: Any,
    team: Team | None,
    email: str = "",
    role: str = Role.MEMBER,
    send: bool = True,
) -> tuple[Invitation, str]:
    """Create a single-use invitation and return it with its raw token.

    The raw token exists only in the returned value and the link sent by
    e-mail; the database keeps its hash. When an address is given, the
    e-mail is sent once the invitation is committed; ``invitation.email_sent``
    then says whether that worked (None while it waits for an outer
    transaction), so the inviter can share the link instead of losing the
    invitation to a mail server that is down.
    """
    with transaction.atomic():
        if team is None:
            permissions.require(actor, "org.invite", actor.organization)
        else:
            permissions.require(actor, "team.invite", team)
        if role not in Role.values:
            raise ValidationError({"role": _("Choose lead or member.")})
        email = email.strip().lower()
        if email and team and Membership.objects.filter(team=team, user__email=email).exists():
            raise ValidationError({"email": _("%s is already in this team.") % email})
        raw = Invitation.generate_token()
        invitation = Invitation.objects.create(
            organization_id=actor.organization_id,
            team=team,
            email=email,
            role=role,
            token_hash=hash_invitation_token(raw),
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
        )
        invitation.email_sent = None
        if email and send:

            def send_after_commit() -> None:
                invitation.email_sent = _invitation_email_send(
                    actor=actor, team=team, email=email, raw_token=raw
                )

            # No mail leaves before the invitation is stored. Outside an outer
            # transaction this runs before we return, so the caller knows.
            transaction.on_commit(send_after_commit)
    return invitation, raw


def _invitation_email_send(*, actor: Any, team: Team | None, email: str, raw_token: str) -> bool:
    context = {
        "inviter": actor,
        "team": team,
        "organization": actor.organization,
        "url": invitation_url(raw_token),
        "days": settings.INVITATION_DAYS,
    }
    subject = render_to_string("teams/email/invitation_subject.txt", context).strip()
    body = render_to_string("teams/email/invitation.txt", context)
    try:
        send_mail(subject, body, None, [email], fail_silently=False)
    except Exception:  # any mail failure: the invitation stands, the link is shown
        logger.exception("Could not send the invitation e-mail to %s", email)
        return False
    return True


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation: Invitation) -> None:
    permissions.require(actor, "invitation.revoke", invitation)
    # Read afresh under a lock, as invitation_accept does: a copy fetched
    # before someone accepted it must not withdraw an accepted invitation.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.is_used:
        raise ValidationError(_("This invitation has already been accepted."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


def invitation_lookup(raw_token: str) -> Invitation | None:
    return (
        Invitation.objects.filter(token_hash=hash_invitation_token(raw_token))
        .select_related("team", "organization", "created_by")
        .first()
    )


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why an invitation cannot be used, in words for the person holding it."""
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied all of it.")
    if invitation.is_used:
        return _("This invitation has already been used. Each invitation works once.")
    if invitation.is_revoked:
        return _("This invitation was withdrawn.")
    if invitation.is_expired:
        return _("This invitation expired on %s.") % day(invitation.expires_at)
    return None


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: Any) -> Membership | None:
    """Use an invitation for ``user`` (who must be in its organization by now).

    Locks the row so that two people racing with one link cannot both use it.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if problem := invitation_problem(invitation):
        raise ValidationError(problem)
    if user.organization_id != invitation.organization_id:
        raise ValidationError(_("This invitation is for another organization."))
    if invitation.email and invitation.email != user.email.lower():
        raise ValidationError(
            _("This invitation was sent to %s. Log in with that address to accept it.")
            % invitation.email
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if invitation.team is None:
        return None
    existing = Membership.objects.filter(team=invitation.team, user=user).first()
    if existing:
        return existing
    return _membership_add(team=invitation.team, user=user, role=invitation.role)
