"""Guests: people outside the team who take part in one review by its link.

A guest is a :class:`~marblejar.accounts.models.User` flagged ``is_guest``,
with no password, no e-mail address anyone can write to and no membership,
bound to one review by a :class:`~marblejar.reviews.models.Guest` row. The
review's rules (``takes_part`` in :mod:`marblejar.reviews.rules`) let them do
what a participant does on that review while it is open; every other rule
refuses them before it is asked.

Their part ends with the review: when it closes, or when the facilitator
revokes the link, each guest's row is ended and their account deactivated.
Deactivating is what ends their open streams at once (an account saved
inactive sends the access notice every stream listens for) and what logs
them out everywhere; the browser keeps only the review's id in its session,
to show the "thank you" page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.accounts.models import User, hash_token
from marblejar.lib.sealing import derive_key
from marblejar.reviews.models import Guest, GuestLink, Review

LINK_NAMESPACE = "marblejar.review.guest_link."
NAME_MAX = 80
# Joining is limited per link (across every process: counted in the table)
# and per address (in the cache): enough for a room of people arriving at
# once, not for a script making accounts.
JOIN_WINDOW = timedelta(minutes=10)
JOINS_PER_LINK = 30
JOINS_PER_ADDRESS = 10
GUESTS_PER_LINK = 200


class GuestLinkInvalid(Exception):
    """The link is unknown, revoked, or its review has closed."""


def guest_link_token(link: GuestLink) -> str:
    """The link's token, derived again from its nonce under the secret key."""
    digest = hmac.digest(derive_key(LINK_NAMESPACE, "token"), link.nonce.encode(), "sha256")
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def guest_link_active(*, review: Review) -> GuestLink | None:
    return GuestLink.objects.filter(
        organization_id=review.organization_id, review=review, revoked_at=None
    ).first()


def guest_link_create(*, actor: Any, review: Review, share_summary: bool = True) -> GuestLink:
    """The review's guest link: the one already shared, or a new one.

    Only its hash and nonce are stored; :func:`guest_link_token` gives the
    token back to whoever may run the review.
    """
    permissions.require(actor, "review.guest_link", review)
    with transaction.atomic():
        Review.objects.select_for_update().filter(pk=review.pk).first()
        link = guest_link_active(review=review)
        if link is not None:
            return link
        link = GuestLink(
            organization_id=review.organization_id,
            review=review,
            nonce=secrets.token_hex(32),
            share_summary=share_summary,
            created_by=actor,
        )
        link.token_hash = hash_token(guest_link_token(link))
        link.save()
    return link


def guest_link_revoke(*, actor: Any, review: Review) -> int:
    """Revoke the review's guest link: nobody joins by it again, and its guests' part ends.

    Returns how many guests it ended.
    """
    permissions.require(actor, "review.guest_link", review)
    with transaction.atomic():
        link = guest_link_active(review=review)
        if link is None:
            return 0
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        return guests_end(review=review, link=link)


def guests_end(*, review: Review, link: GuestLink | None = None) -> int:
    """End the part of the review's guests (of one link, or all): the review closed.

    Each guest's account is deactivated with a save that names the field, so
    that their open streams hear of it and close (see
    ``marblejar.realtime.access``) and no session of theirs works again.
    """
    guests = Guest.objects.filter(
        organization_id=review.organization_id, review=review, ended_at=None
    ).select_related("user")
    if link is not None:
        guests = guests.filter(link=link)
    now = timezone.now()
    ended = 0
    for guest in guests:
        guest.ended_at = now
        guest.save(update_fields=["ended_at"])
        guest.user.is_active = False
        guest.user.save(update_fields=["is_active"])
        ended += 1
    if link is None and review.anonymous:
        _forget_guest_times(review)
    return ended


def _forget_guest_times(review: Review) -> None:
    """In a review with anonymous notes, when each guest came is a trace too.

    Like the participants' times (``phases._forget_authors``), every guest's
    times become the close's: a guest who joined just before a note appeared
    would otherwise be the likely author.
    """
    from marblejar.lib.scrub import forget_after_commit

    at = review.closed_at or timezone.now()
    guests = Guest.objects.filter(organization_id=review.organization_id, review=review)
    user_ids = list(guests.values_list("user_id", flat=True))
    if not user_ids:
        return
    guests.update(joined_at=at, ended_at=at)
    User.objects.filter(pk__in=user_ids).update(date_joined=at, last_login=at)
    forget_after_commit(tables=[Guest._meta.db_table, User._meta.db_table])


def guest_link_find(*, token: str) -> GuestLink:
    """The active link with this token, its review open; else :class:`GuestLinkInvalid`."""
    if not token or len(token) > 100:
        raise GuestLinkInvalid
    link = (
        GuestLink.objects.filter(token_hash=hash_token(token), revoked_at=None)
        .select_related("review", "review__team", "review__facilitator")
        .first()
    )
    if link is None or link.review.is_closed:
        raise GuestLinkInvalid
    return link


def clean_guest_name(value: str, *, anonymous: bool) -> str:
    """A guest's display name: printable, at most ``NAME_MAX`` characters.

    In a review with anonymous notes a guest may give none.
    """
    value = unicodedata.normalize("NFC", value or "").strip()
    value = " ".join(value.split())
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValidationError(
            {"display_name": [_("Use letters, digits and punctuation only in your name.")]}
        )
    if len(value) > NAME_MAX:
        raise ValidationError(
            {
                "display_name": [
                    _("Keep your name to %(max)s characters or fewer (this has %(n)s).")
                    % {"max": NAME_MAX, "n": len(value)}
                ]
            }
        )
    if not value and not anonymous:
        raise ValidationError(
            {"display_name": [_("Tell the others what to call you: the notes carry names.")]}
        )
    return value


def _address_key(address: str | None) -> str:
    return "marblejar:guest-join:" + hashlib.sha256((address or "-").encode()).hexdigest()[:32]


def _check_join_rate(link: GuestLink, address: str | None) -> None:
    since = timezone.now() - JOIN_WINDOW
    recent = Guest.objects.filter(link=link, joined_at__gte=since).count()
    total = Guest.objects.filter(link=link).count()
    key = _address_key(address)
    cache.add(key, 0, timeout=int(JOIN_WINDOW.total_seconds()))
    try:
        from_address = cache.incr(key)
    except ValueError:  # expired between add and incr
        from_address = 1
    if recent >= JOINS_PER_LINK or from_address > JOINS_PER_ADDRESS or total >= GUESTS_PER_LINK:
        raise ValidationError(
            _("Too many people joined by this link just now. Wait a few minutes and try again."),
            code="rate_limited",
        )


def guest_join(*, token: str, display_name: str, address: str | None = None) -> Guest:
    """Make a guest of the review the link belongs to; the caller logs them in.

    Raises :class:`GuestLinkInvalid` for a link that no longer works, and
    ``ValidationError`` for a name that cannot be used or too many joins.
    """
    link = guest_link_find(token=token)
    review = link.review
    name = clean_guest_name(display_name, anonymous=review.anonymous)
    _check_join_rate(link, address)
    with transaction.atomic():
        user = User(
            # Not an address anyone receives mail at (.invalid is reserved), and
            # unique, as the column must be. Guests are never sent anything.
            email=f"guest-{secrets.token_hex(12)}@guests.invalid",
            display_name=name or _("Guest"),
            organization_id=review.organization_id,
            is_guest=True,
        )
        user.set_unusable_password()
        user.save()
        guest = Guest.objects.create(
            organization_id=review.organization_id, review=review, link=link, user=user
        )
    guest.review = review
    guest.link = link
    return guest
