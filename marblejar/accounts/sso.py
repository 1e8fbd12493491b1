"""Single sign-on with OpenID Connect: who may come in, and as whom.

The protocol is Authlib's (its Django client). Of the well-kept libraries it
asks least of us here: it reads the provider's discovery document itself
(``server_metadata_url``) and keeps it, with the provider's signing keys,
for the life of the process (fetching the keys again only when a token names
one it does not know); it creates and checks ``state``, the ``nonce`` and the
PKCE verifier, and validates the ID token (signature with the algorithms the
provider announces, issuer, audience, expiry). mozilla-django-oidc would need
every endpoint configured by hand, and django-allauth brings its own log-in
pages and account tables beside ours. What is left to Marblejar is the rule
in :func:`sso_user_for_claims`: a person is matched by an e-mail address the
provider has verified, and a new person joins the organization whose domain
is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marblejar.accounts.models import Organization, User

BACKEND = "marblejar.accounts.sso.SingleSignOnBackend"


class SingleSignOnBackend(ModelBackend):
    """The backend a single sign-on session is recorded with.

    It authenticates nobody (the provider did, and :func:`sso_user_for_claims`
    decided who that is); Django keeps its name in the session, which is how
    Marblejar knows later that this session came through the provider and
    needs no second factor of its own.
    """

    def authenticate(self, request, **credentials):
        return None


def is_configured() -> bool:
    return bool(settings.OIDC_DISCOVERY_URL and settings.OIDC_CLIENT_ID)


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME


def session_is_single_sign_on(request) -> bool:
    from django.contrib.auth import BACKEND_SESSION_KEY

    return request.session.get(BACKEND_SESSION_KEY) == BACKEND


@cache
def _client_for(discovery_url: str, client_id: str, client_secret: str, scopes: str, timeout: int):
    # One client per configuration, for the life of the process: it keeps the
    # discovery document and the signing keys it fetched. Authlib (with
    # requests, joserfc and cryptography, about 0.1 s to import) is loaded by
    # the first sign-on, not by every process's start.
    from authlib.integrations.django_client import OAuth

    oauth = OAuth()
    return oauth.register(
        name="oidc",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=discovery_url,
        client_kwargs={
            "scope": scopes,
            "code_challenge_method": "S256",
            "default_timeout": timeout,
        },
    )


def client():
    return _client_for(
        settings.OIDC_DISCOVERY_URL,
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        settings.OIDC_SCOPES,
        settings.OIDC_TIMEOUT_SECONDS,
    )


@dataclass
class Identity:
    """What the provider says about the person, after the library checked it."""

    subject: str
    email: str
    email_verified: bool
    name: str


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    verified = claims.get(settings.OIDC_EMAIL_VERIFIED_CLAIM)
    # Some providers send booleans as strings.
    if isinstance(verified, str):
        verified = verified.strip().lower() == "true"
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return Identity(
        subject=str(claims.get("sub", "")),
        email=str(claims.get("email") or "").strip().lower(),
        email_verified=verified is True,
        name=" ".join(str(name or "").split())[:80],
    )


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1]


def organization_for_domain(domain: str) -> Organization | None:
    """The organization a new person at ``domain`` joins, if any.

    An organization that opened sign-up to the domain takes them (a verified
    address is more than its password sign-up asks). Otherwise the operator's
    ``MARBLEJAR_OIDC_ALLOWED_DOMAINS`` decides: ``example.com=Acme`` joins the
    organization named Acme, a bare ``example.com`` the installation's only
    organization. Where that names no single organization, nobody joins.
    """
    by_signup = Organization.objects.filter(open_signup_domain__iexact=domain).first()
    if by_signup is not None:
        return by_signup
    if domain not in settings.OIDC_ALLOWED_DOMAINS:
        return None
    name = settings.OIDC_ALLOWED_DOMAINS[domain]
    candidates = Organization.objects.order_by("pk")
    if name:
        candidates = candidates.filter(name=name)
    found = list(candidates[:2])
    return found[0] if len(found) == 1 else None


@transaction.atomic
def sso_user_for_claims(*, claims: dict[str, Any]) -> User:
    """The account the provider's checked claims sign in to; created if new.

    Raises ValidationError, with a sentence for the person, when the address
    is missing or not verified by the provider, the account is deactivated,
    or a new person's domain is not allowed.
    """
    identity = identity_from_claims(claims)
    if not identity.email or "@" not in identity.email:
        raise ValidationError(
            _(
                "%(provider)s did not tell Marblejar your e-mail address. Ask your "
                "administrator to allow the e-mail scope for Marblejar."
            )
            % {"provider": provider_name()}
        )
    if not identity.email_verified:
        raise ValidationError(
            _(
                "%(provider)s has not verified your e-mail address %(email)s, so Marblejar "
                "cannot tell it is yours. Verify it there, then sign in again."
            )
            % {"provider": provider_name(), "email": identity.email}
        )
    user = User.objects.filter(email__iexact=identity.email).first()
    if user is not None:
        if not user.is_active:
            raise ValidationError(_("This account is deactivated. Ask your organization's admin."))
        return user
    domain = _domain(identity.email)
    organization = organization_for_domain(domain)
    if organization is None:
        raise ValidationError(
            _(
                "Addresses at %(domain)s may not join this Marblejar through %(provider)s. "
                "Ask a team lead for an invitation, or sign in with the address your "
                "organization uses."
            )
            % {"domain": domain, "provider": provider_name()}
        )
    # No password: this person signs in through the provider (a password
    # reset can add one later).
    return User.objects.create_user(
        identity.email,
        None,
        display_name=identity.name or identity.email.split("@", 1)[0],
        organization=organization,
    )
