"""Sign-up, profile, personal data and API tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar.accounts.models import ApiToken, Organization, User, hash_token
from marblejar.teams.models import Invitation, Membership, Role
from marblejar.teams.services import invitation_accept, invitation_problem


def organization_exists() -> bool:
    return Organization.objects.exists()


def signup_mode(*, invitation: Invitation | None = None) -> str:
    """How a new person may sign up right now: first, invited, new, domain or closed.

    ``new``: the operator lets anyone create another organization
    (``MARBLEJAR_NEW_ORGANIZATIONS``); an address at an organization's open
    sign-up domain may still join that one instead.
    """
    if invitation is not None:
        return "invited"
    if not organization_exists():
        return "first"
    if settings.NEW_ORGANIZATIONS:
        return "new"
    if domain_signup_open():
        return "domain"
    return "closed"


def domain_signup_open() -> bool:
    return Organization.objects.exclude(open_signup_domain="").exists()


def demo_login() -> tuple[str, str] | None:
    """The demo's admin log-in (address, password) while its account is here, else None."""
    from marblejar.accounts.management.commands.demo import DEMO_PASSWORD, PEOPLE

    email = PEOPLE[0][0]
    if User.objects.filter(email=email, is_active=True).exists():
        return email, DEMO_PASSWORD
    return None


def _email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def _check_new_user(*, email: str, display_name: str, password: str) -> str:
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("There is already an account with this address. Log in instead.")]
    if not display_name.strip():
        errors["display_name"] = [_("Tell your teammates what to call you.")]
    try:
        validate_password(password, User(email=email, display_name=display_name))
    except ValidationError as e:
        errors["password"] = list(e.messages)
    if errors:
        raise ValidationError(errors)
    return email


@transaction.atomic
def user_signup(
    *,
    email: str,
    display_name: str,
    password: str,
    organization_name: str = "",
    invitation: Invitation | None = None,
) -> User:
    """Create an account.

    The first person creates the organization and becomes its admin. Later
    people need a usable invitation, or an address at the organization's
    open sign-up domain; or, where the operator allows new organizations,
    they name one and become its admin.
    """
    email = _check_new_user(email=email, display_name=display_name, password=password)
    display_name = " ".join(display_name.split())
    mode = signup_mode(invitation=invitation)
    if mode == "first":
        # Lock against two first sign-ups racing on a fresh install.
        if Organization.objects.select_for_update().exists():
            raise ValidationError(_("The organization was just created. Ask for an invitation."))
        name = " ".join(organization_name.split())
        if not name:
            raise ValidationError({"organization_name": [_("Name your organization.")]})
        return _organization_create(
            name=name, email=email, password=password, display_name=display_name
        )
    if mode == "new":
        name = " ".join(organization_name.split())
        if name:
            return _organization_create(
                name=name, email=email, password=password, display_name=display_name
            )
        # No name: join the organization whose open sign-up domain the address is at.
        organization = _domain_organization(email)
        if organization is None:
            raise ValidationError({"organization_name": [_("Name your new organization.")]})
        return User.objects.create_user(
            email, password, display_name=display_name, organization=organization
        )
    if mode == "invited":
        assert invitation is not None
        if problem := invitation_problem(invitation):
            raise ValidationError(problem)
        if invitation.email and invitation.email != email:
            raise ValidationError(
                {"email": [_("This invitation was sent to %s.") % invitation.email]}
            )
        user = User.objects.create_user(
            email, password, display_name=display_name, organization=invitation.organization
        )
        invitation_accept(invitation=invitation, user=user)
        return user
    if mode == "domain":
        organization = _domain_organization(email)
        if organization is None:
            raise ValidationError(
                {
                    "email": [
                        _("Sign-up here is open only to addresses at the organization's domain.")
                    ]
                }
            )
        return User.objects.create_user(
            email, password, display_name=display_name, organization=organization
        )
    raise ValidationError(_("Joining this Marblejar needs an invitation. Ask a team lead for one."))


def _domain_organization(email: str) -> Organization | None:
    return Organization.objects.filter(open_signup_domain__iexact=_email_domain(email)).first()


def _organization_create(*, name: str, email: str, password: str, display_name: str) -> User:
    """A new organization with its first person as admin."""
    organization = Organization.objects.create(name=name[:120])
    return User.objects.create_user(
        email, password, display_name=display_name, organization=organization, is_org_admin=True
    )


@transaction.atomic
def organization_update(
    *,
    actor: Any,
    name: str,
    open_signup_domain: str,
    two_factor_required: bool | None = None,
) -> Organization:
    from marblejar import permissions

    organization = actor.organization
    permissions.require(actor, "org.manage", organization)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": [_("Name your organization.")]})
    domain = open_signup_domain.strip().lower().lstrip("@")
    if domain and ("." not in domain or " " in domain or "@" in domain):
        raise ValidationError({"open_signup_domain": [_("Enter a domain such as example.com.")]})
    organization.name = name[:120]
    organization.open_signup_domain = domain
    fields = ["name", "open_signup_domain"]
    switched_on = two_factor_required and not organization.two_factor_required
    if two_factor_required is not None:
        organization.two_factor_required = two_factor_required
        fields.append("two_factor_required")
    organization.save(update_fields=fields)
    if switched_on:
        from marblejar.accounts.two_factor import sessions_mark_setup_due

        # People signed in now must set it up too, not only at their next log-in.
        transaction.on_commit(lambda: sessions_mark_setup_due(organization_id=organization.pk))
    return organization


def user_update_profile(*, user: User, display_name: str) -> User:
    display_name = " ".join(display_name.split())
    if not display_name:
        raise ValidationError({"display_name": [_("Tell your teammates what to call you.")]})
    if len(display_name) > 80:
        raise ValidationError({"display_name": [_("Keep it to 80 characters or fewer.")]})
    user.display_name = display_name
    user.save(update_fields=["display_name"])
    return user


def user_export_data(*, user: User) -> dict[str, Any]:
    """Everything Marblejar holds about ``user``, as plain JSON-ready data.

    Later features add their own sections through :data:`EXPORTERS`.
    """
    memberships = Membership.objects.filter(user=user).select_related("team")
    data: dict[str, Any] = {
        "format": "marblejar-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "organization": user.organization.name if user.organization else None,
            "is_org_admin": user.is_org_admin,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "teams": [
            {"team": m.team.name, "role": m.role, "joined_at": m.joined_at.isoformat()}
            for m in memberships
        ],
        "api_tokens": [
            {
                "name": t.name,
                "read_only": t.read_only,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            }
            for t in user.api_tokens.all()
        ],
    }
    for key, exporter in EXPORTERS.items():
        data[key] = exporter(user)
    return data


EXPORTERS: dict[str, Any] = {}


@transaction.atomic
def user_delete(*, user: User, password: str) -> None:
    """Delete the account and everything that is only the user's.

    The last admin of an organization that still has other people must hand
    over first, and a last lead of a team with other members likewise.
    """
    errors = []
    if not user.check_password(password):
        raise ValidationError({"password": [_("That is not your current password.")]})
    if user.is_org_admin and user.organization_id:
        other_admins = User.objects.filter(
            organization_id=user.organization_id, is_org_admin=True, is_active=True
        ).exclude(pk=user.pk)
        others = User.objects.filter(organization_id=user.organization_id, is_guest=False).exclude(
            pk=user.pk
        )
        if others.exists() and not other_admins.exists():
            errors.append(
                _("You are the only organization admin. Make someone else an admin first.")
            )
    for membership in Membership.objects.filter(user=user, role=Role.LEAD).select_related("team"):
        team = membership.team
        has_others = Membership.objects.filter(team=team).exclude(user=user).exists()
        other_leads = Membership.objects.filter(team=team, role=Role.LEAD).exclude(user=user)
        if has_others and not other_leads.exists():
            errors.append(_("You are the only lead of %s. Make someone else a lead first.") % team)
    if errors:
        raise ValidationError(errors)
    organization = user.organization
    user.delete()
    if organization is not None and not organization.users.filter(is_guest=False).exists():
        organization.delete()


# API tokens -----------------------------------------------------------------


def token_create(*, user: User, name: str, read_only: bool = False) -> tuple[ApiToken, str]:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": [_("Name the token after the script that will use it.")]})
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        organization_id=user.organization_id,
        user=user,
        name=name[:80],
        token_hash=hash_token(raw),
        prefix=raw[:10],
        read_only=read_only,
    )
    return token, raw


def token_revoke(*, user: User, token_id: int) -> None:
    deleted, _count = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        from django.http import Http404

        raise Http404


def token_authenticate(raw: str) -> ApiToken | None:
    token = (
        ApiToken.objects.filter(token_hash=hash_token(raw), user__is_active=True)
        .select_related("user", "user__organization")
        .first()
    )
    if token is not None:
        now = timezone.now()
        # Coarse last-used time: one write per token per minute at most.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
