"""Whether an open stream may go on, and the notices that make streams ask at once.

A stream is opened with a session or an API token, by a person, for
something the view's permission check allowed. Any of the four can end
while the stream is open: the person leaves (or is removed from) the team,
logs out, is deactivated, or revokes the token. :meth:`StreamAccess.allowed`
asks all of that again, on a fresh copy of the user.

Streams ask every few seconds at most, and at once when an access notice
for their person arrives through the events table (so the notice is read in
order: nothing published after it reaches a stream that should have closed).
The notices are sent from model signals, not from each service, because
every path that takes access away must send one: a service, a cascade when a
team or an account is deleted, the admin site, Django's own logout (which
deletes the session row). The notice says only "check again", never why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import DatabaseError, connection
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from marblejar.lib.events import access_changed

logger = logging.getLogger(__name__)

# ("session", session key) or ("token", token id).
Credential = tuple[str, Any]
CREDENTIAL_ATTRIBUTE = "_marblejar_stream_credential"


async def user_for_stream(request: HttpRequest) -> Any:
    """The person opening a stream, or None; remembers the credential they used."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        from marblejar.accounts.services import token_authenticate

        token = await sync_to_async(token_authenticate)(raw.strip())
        if token is None:
            return None
        setattr(request, CREDENTIAL_ATTRIBUTE, ("token", token.pk))
        return token.user
    user = await request.auser()
    if not user.is_authenticated:
        return None
    setattr(request, CREDENTIAL_ATTRIBUTE, ("session", request.session.session_key))
    return user


def credential_of(request: HttpRequest) -> Credential:
    credential = getattr(request, CREDENTIAL_ATTRIBUTE, None)
    if credential is None:
        session = getattr(request, "session", None)
        credential = ("session", session.session_key if session is not None else None)
    return credential


@dataclass(frozen=True)
class StreamAccess:
    user_id: int
    credential: Credential
    # The view's permission check; raises Http404 or PermissionDenied.
    check: Any = None

    def current_user(self) -> Any:
        """The stream's person, if the session or token it was opened with still holds."""
        kind, value = self.credential
        if kind == "token":
            from marblejar.accounts.models import ApiToken

            token = (
                ApiToken.objects.filter(pk=value, user__is_active=True)
                .select_related("user", "user__organization")
                .first()
            )
            return token.user if token is not None else None
        if not value:
            return None
        return session_user(value)

    def allowed(self) -> bool:
        """Runs in a thread; gives its database connection back when done."""
        try:
            user = self.current_user()
            if user is None or user.pk != self.user_id or not user.is_active:
                return False
            if self.check is not None:
                self.check(user)
            return True
        except (PermissionDenied, Http404, ObjectDoesNotExist):
            return False
        except DatabaseError:
            # Unable to tell: end the stream; the browser reconnects, and its
            # reconnection is checked like any request.
            logger.warning("Could not check a stream's access; closing it", exc_info=True)
            return False
        finally:
            if not connection.in_atomic_block:
                connection.close()


def session_user(session_key: str) -> Any:
    """Who is logged in with this session, as Django's ``get_user`` answers, read only.

    An expired or deleted session, a changed password or an inactive account
    answer None. Unlike ``get_user`` this never flushes the session: a stream
    asking just after a password change, before the session learns the new
    hash, only closes (and its browser reconnects), the person stays logged in.
    """
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    backend_path = data.get(BACKEND_SESSION_KEY)
    if SESSION_KEY not in data or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user_model = auth.get_user_model()
    user = load_backend(backend_path).get_user(user_model._meta.pk.to_python(data[SESSION_KEY]))
    if user is None:
        return None
    session_hash = data.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    if not session_hash or not any(constant_time_compare(session_hash, h) for h in hashes):
        return None
    return user


# Access notices ---------------------------------------------------------------


def _membership_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    access_changed(user_id=instance.user_id, organization_id=instance.organization_id)


def _membership_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created:  # a new role can take away as well as give
        access_changed(user_id=instance.user_id, organization_id=instance.organization_id)


def _token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    access_changed(user_id=instance.user_id, organization_id=instance.organization_id)


# Saving any of these can take access away: deactivation, a new password (the
# sessions opened with the old one end), no longer an organization admin.
USER_ACCESS_FIELDS = frozenset({"is_active", "password", "is_org_admin", "organization"})


def _user_saved(
    sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    # A save of named harmless fields (the last log-in, the display name)
    # sends nothing; the admin site and scripts save every field, and a
    # notice costs the person's open streams one check.
    if not created and (update_fields is None or USER_ACCESS_FIELDS & set(update_fields)):
        access_changed(user_id=instance.pk, organization_id=instance.organization_id)


def _session_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Logging out deletes the session row (after ``user_logged_out`` is sent,
    # so that signal would come too early); so do a new log-in in the same
    # browser and a session that no longer matches its password.
    if instance.expire_date <= timezone.now():
        return  # already refused by every check; clearing old sessions sends nothing
    user_id = instance.get_decoded().get(SESSION_KEY)
    if user_id is None:
        return
    user_model = auth.get_user_model()
    user_id = user_model._meta.pk.to_python(user_id)
    organization_id = (
        user_model.objects.filter(pk=user_id).values_list("organization_id", flat=True).first()
    )
    access_changed(user_id=user_id, organization_id=organization_id)


def connect() -> None:
    from django.contrib.sessions.models import Session

    from marblejar.accounts.models import ApiToken, User
    from marblejar.teams.models import Membership

    post_delete.connect(_membership_deleted, sender=Membership, dispatch_uid="realtime-m-del")
    post_save.connect(_membership_saved, sender=Membership, dispatch_uid="realtime-m-save")
    post_delete.connect(_token_deleted, sender=ApiToken, dispatch_uid="realtime-token-del")
    post_save.connect(_user_saved, sender=User, dispatch_uid="realtime-user-save")
    post_delete.connect(_session_deleted, sender=Session, dispatch_uid="realtime-session-del")
